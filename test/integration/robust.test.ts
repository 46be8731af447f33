import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';

const SEED = 'examples/seed.yaml';

describe.skipIf(sandboxUnavailable)('robust state reading and interruption', () => {
  const sandbox = useSandbox();

  it('keeps working next to foreign objects with hostile names, and leaves them alone', async () => {
    const sb = sandbox();
    // Control characters break ip -j's JSON (kernel-facts 2.2); quotes and newlines are escaped.
    await sb.must(['ip', 'link', 'add', 'rz\x01', 'type', 'bridge']);
    await sb.must(['ip', 'link', 'add', 'rz"q', 'type', 'bridge']);
    await sb.must(['ip', 'netns', 'add', 'rz\x02ns']);
    await sb.must(['ip', 'netns', 'add', 'rz\nx']);
    const before = await sb.state();
    const plan = await sb.topo('plan', SEED);
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toMatch(/Plan: 8 to add/);
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    expect((await sb.topo('ls')).stdout).toBe('LAB   NAMESPACES  LINKS\nseed  2           5');
    expect((await sb.topo('destroy', '-y', SEED)).exitCode).toBe(0);
    expect(await sb.state()).toEqual(before);
  });

  it('tolerates a stray file in /run/netns and never touches it; a node with its name is refused', async () => {
    const sb = sandbox();
    await sb.must(['touch', '/run/netns/ns9', '/run/netns/junk']);
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    expect((await sb.topo('destroy', '-y', SEED)).exitCode).toBe(0);
    expect((await sb.run(['ls', '/run/netns'])).stdout.split('\n').sort()).toEqual(['junk', 'ns9']);
    const lab = join(scratchDir('topo-'), 'lab.yaml');
    writeFileSync(lab, 'lab: stray\nnodes:\n  ns9: {}\n');
    const r = await sb.topo('plan', lab);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/:3:3: error\[CONFLICT_FOREIGN\]: namespace 'ns9' already exists and is not a usable network namespace/);
  });

  it('destroy names the process that holds a namespace, and finishes once it is gone', async () => {
    const sb = sandbox();
    const before = await sb.state();
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    const holder = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', 'ip', 'netns', 'exec', 'ns0', 'sleep', '60'], { reject: false });
    await new Promise((r) => setTimeout(r, 300));
    const d = await sb.topo('destroy', '-y', SEED);
    expect(d.exitCode).toBe(1);
    expect(d.stderr).toMatch(/namespace teardown is incomplete: host:veth0 still exists; netns ns0 is still held by pid \d+ \(sleep\)/);
    holder.kill('SIGKILL');
    await holder;
    await new Promise((r) => setTimeout(r, 300));
    expect(await sb.state()).toEqual(before);
  });

  it('Ctrl-C during apply finishes the running commands, stops, says what ran; apply again resumes', async () => {
    const sb = sandbox();
    const lab = join(scratchDir('topo-'), 'lab.yaml');
    const n = 60;
    writeFileSync(
      lab,
      `lab: int\nnodes:\n${Array.from({ length: n }, (_, i) => `  n${i}:\n    interfaces:\n      eth0: { addresses: [10.70.${i}.1/24] }\n`).join('')}` +
        `bridges:\n  bb0: {}\nlinks:\n${Array.from({ length: n }, (_, i) => `  - endpoints: [n${i}:eth0, bb0:p${i}]\n`).join('')}`,
    );
    const child = execa('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', process.execPath, CLI, 'apply', '-y', lab], { reject: false, env: { NO_COLOR: '1' } });
    // Interrupt as soon as the plan is shown, i.e. while the first wave of ip commands runs.
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('Plan:')) resolve();
      });
    });
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Interrupt received: finishing the running step/);
    expect(r.stderr).toMatch(/^Interrupted\. The running commands finished; nothing further was started\.$/m);
    const applied = Number(/^Applied \((\d+)\):/m.exec(String(r.stderr))?.[1]);
    const notAttempted = Number(/^Not attempted \((\d+)\):/m.exec(String(r.stderr))?.[1]);
    expect(notAttempted).toBeGreaterThan(0);
    expect(applied + notAttempted + Number(/^Started, not finished \((\d+)\):/m.exec(String(r.stderr))?.[1] ?? 0)).toBe(3 * n + 1); // n namespaces, n veths, n addresses, the bridge
    const again = await sb.topo('apply', '-y', lab);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await sb.topo('plan', lab)).stdout).toMatch(/^No changes\./m);
  });
});
