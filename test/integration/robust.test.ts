import { execa } from 'execa';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';
import { star } from '../support/labs.js';

const SEED = 'examples/seed.yaml';

/** `topo apply -y LAB` in the sandbox, as a child of ours, for signals. */
const applying = (pid: number, lab: string, detached = false) =>
  execa('nsenter', ['-t', String(pid), '-n', '-m', '--', process.execPath, CLI, 'apply', '-y', lab], { reject: false, env: { NO_COLOR: '1' }, detached });

/** Once the stream has said `text`. */
const saying = (stream: NodeJS.ReadableStream, text: string) =>
  new Promise<void>((resolve) => {
    stream.on('data', (d: Buffer) => {
      if (d.toString().includes(text)) resolve();
    });
  });

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

  it('SIGTERM during apply stops as Ctrl-C does: the running step finishes, no lock is left behind; apply again resumes', async () => {
    const sb = sandbox();
    const lab = join(scratchDir('topo-'), 'lab.yaml');
    const n = 60;
    writeFileSync(lab, star('term', n, '10.71', 24));
    const child = applying(sb.pid, lab);
    await saying(child.stdout!, 'Plan:');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/^SIGTERM received: finishing the running step, then stopping\./m);
    expect(String(r.stderr)).toMatch(/^Interrupted\. The running commands finished; nothing further was started\.$/m);
    // Its exit handlers ran: the lab's lock is gone (Node's default SIGTERM had left it).
    expect((await sb.run(['test', '-e', '/run/topo/term.lock'])).exitCode).toBe(1);
    const again = await sb.topo('apply', '-y', lab);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await sb.topo('plan', lab)).stdout).toMatch(/^No changes\./m);
  });

  it('a second SIGTERM aborts at once; apply again converges, taking back any /run/netns entry an aborted `ip netns add` left', async () => {
    const sb = sandbox();
    const lab = join(scratchDir('topo-'), 'lab.yaml');
    const n = 60;
    writeFileSync(lab, star('abort', n, '10.72', 16));
    const child = applying(sb.pid, lab);
    // While the host's batch makes the namespaces: an `ip netns add` cut between its file and
    // its mount leaves an entry that is no namespace (not every time: it depends on the moment).
    await until(() => ipChildOf(child.pid!));
    child.kill('SIGTERM');
    // The second once the first is taken (two sent at once may arrive as one).
    await saying(child.stderr!, 'SIGTERM received');
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
    const again = await sb.topo('apply', '-y', lab);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await sb.topo('plan', lab)).stdout).toMatch(/^No changes\./m);
    expect(await sb.ping('n0', '10.72.59.1')).toBe(true);
  });

  it('replaces a /run/netns entry that is no namespace when the lab\'s journal says it was making it, and refuses one it does not name', async () => {
    const sb = sandbox();
    // What an `ip netns add` killed between its file and its mount leaves, with the journal the
    // apply wrote before it started.
    await sb.must(['mkdir', '-p', '/run/netns', '/run/topo']);
    await sb.must(['touch', '/run/netns/ns0', '/run/netns/ns1']);
    await sb.run([process.execPath, '-e', "require('fs').writeFileSync('/run/topo/seed.journal', JSON.stringify(['netns/ns0']))"]);
    const refused = await sb.topo('plan', SEED);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/namespace 'ns1' already exists and is not a usable network namespace/);
    expect(refused.stderr).not.toMatch(/'ns0'/);
    await sb.must(['rm', '/run/netns/ns1']);
    const p = await sb.topo('plan', SEED);
    expect(p.stdout).toMatch(/^-\/\+ netns ns0 {2}\(replace: left half-made by an interrupted apply\)$/m);
    const a = await sb.topo('apply', '-y', SEED);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(await sb.ping('ns0', '10.0.0.2')).toBe(true);
    expect((await sb.topo('plan', SEED)).stdout).toMatch(/^No changes\./m);
    // And destroy takes such an entry away as well.
    await sb.topo('destroy', '-y', SEED);
    await sb.must(['touch', '/run/netns/ns1']);
    await sb.run([process.execPath, '-e', "require('fs').writeFileSync('/run/topo/seed.journal', JSON.stringify(['netns/ns1']))"]);
    expect((await sb.topo('destroy', '-y', SEED)).stdout).toMatch(/^Destroy complete: 1 destroyed\.$/m);
    expect((await sb.run(['test', '-e', '/run/netns/ns1'])).exitCode).toBe(1);
  });

  // A terminal's Ctrl-C goes to its whole foreground process group, the `ip` processes topo
  // started included; `kill -INT` reaches topo alone. Both must end the same way.
  for (const [how, group] of [['sent to topo alone', false], ['sent to its process group, as a terminal does', true]] as const) {
    it(`Ctrl-C during apply (${how}) finishes the running commands, stops, says truly what ran; apply again resumes`, async () => {
      const sb = sandbox();
      const lab = join(scratchDir('topo-'), 'lab.yaml');
      const n = group ? 150 : 60;
      writeFileSync(lab, star('int', n, '10.70', 24));
      const child = applying(sb.pid, lab, group);
      // Interrupt as soon as the plan is shown, i.e. while the first wave of ip commands runs.
      await saying(child.stdout!, 'Plan:');
      if (group) {
        // Once an `ip` of topo's runs: it must not be hit by the terminal's signal.
        await until(() => ipChildOf(child.pid!));
        process.kill(-child.pid!, 'SIGINT');
      } else child.kill('SIGINT');
      const r = await child;
      const stderr = String(r.stderr);
      expect(r.exitCode).toBe(1);
      expect(stderr).toMatch(/Interrupt received: finishing the running step/);
      expect(stderr).toMatch(/^Interrupted\. The running commands finished; nothing further was started\.$/m);
      // The report's sections: `Title (N):` and its steps, indented.
      const sections = new Map([...stderr.matchAll(/^(.*) \((\d+)\):\n((?: {2}.*\n)*)/gm)].map((m) => [m[1]!, { count: Number(m[2]), lines: m[3]!.split('\n').filter(Boolean) }]));
      const applied = sections.get('Applied')?.count ?? NaN;
      const notAttempted = sections.get('Not attempted')?.count ?? NaN;
      const started = sections.get('Started, not finished')?.count ?? 0;
      expect(notAttempted).toBeGreaterThan(0);
      expect(applied + notAttempted + started).toBe(3 * n + 1); // n namespaces, n veths, n addresses, the bridge
      // What it says ran is what the kernel has: every namespace it reports as made, and no other.
      const said = [...(sections.get('Applied')?.lines ?? []), ...(sections.get('Started, not finished')?.lines ?? [])].filter((l) => /^ {2}create netns /.test(l)).length;
      expect((await sb.must(['ip', 'netns', 'list'])).trim().split('\n').filter(Boolean)).toHaveLength(said);
      const again = await sb.topo('apply', '-y', lab);
      expect(again.exitCode, again.stderr).toBe(0);
      expect((await sb.topo('plan', lab)).stdout).toMatch(/^No changes\./m);
    });
  }
});

/** Whether an `ip` process is a child of this one (from /proc: field 4 of stat is the parent). */
function ipChildOf(parent: number): boolean {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (stat.includes('(ip)') && Number(fields[1]) === parent) return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !ok(); i++) await new Promise((r) => setTimeout(r, 1));
}
