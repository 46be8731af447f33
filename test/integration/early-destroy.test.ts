import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox, type Sandbox } from '../support/sandbox.js';

const SEED = 'examples/seed.yaml';
const BEGUN = '(begun by the bin, before the rest of topo loaded)';

/** What of the lab is left, read with `ip -j` (not topo), and what topo left in /run/topo. */
async function leftovers(sb: Sandbox) {
  return {
    netns: (await sb.ipj('netns', 'list')).map((n) => n.name).sort(),
    links: (await sb.ipj('link', 'show')).map((l) => l.ifname).sort(),
    run: (await sb.must(['ls', '-A', '/run/topo'])).split('\n').filter((f) => f.startsWith('seed.')),
  };
}

describe.skipIf(sandboxUnavailable)("destroy -y's head start, begun by the bin before topo loads (src/cli/early-destroy.ts)", () => {
  const sandbox = useSandbox();

  it('deletes the lab it applied before, reports every step as its own, and leaves nothing behind', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    const d = await sb.topo('destroy', '-y', '-v', SEED);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stderr).toContain(`+ ip -j -d -batch -  ${BEGUN}\n    link show\n`);
    expect(d.stderr).toMatch(/\[1\/3\] destroyed netns ns0\n\[2\/3\] destroyed netns ns1\n\[3\/3\] destroyed bridge host:br0$/m);
    expect(d.stdout).toMatch(/Destroy complete: 6 destroyed\./);
    // Gone, as `ip` sees it: the namespaces, the bridge, the host ends; the lock, the record and the head start's output file too.
    expect(await leftovers(sb)).toEqual({ netns: [], links: ['lo'], run: [] });
    expect((await sb.topo('plan', SEED)).stdout).toMatch(/^Plan: 8 to add, 0 to change, 0 to destroy\./m);
  });

  it('does not begin where a namespace there needs a read: that one stays, the lab goes as before', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    await sb.must(['ip', 'netns', 'add', 'stranger']);
    const d = await sb.topo('destroy', '-y', '-v', SEED);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stderr).not.toContain(BEGUN);
    expect(await leftovers(sb)).toEqual({ netns: ['stranger'], links: ['lo'], run: [] });
  });

  it('does not begin while another run holds the lab: nothing is changed, and the holder is named', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    const before = await sb.state();
    // The sandbox's own holder process is alive: its lock is a live one.
    const stat = await sb.must(['cat', `/proc/${sb.pid}/stat`]);
    const holder = { pid: sb.pid, start: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19], command: 'topo apply', since: 'a test' };
    await sb.must([process.execPath, '-e', 'require("fs").writeFileSync("/run/topo/seed.lock", process.argv[1])', JSON.stringify(holder)]);
    const d = await sb.topo('destroy', '-y', SEED);
    expect(d.exitCode).toBe(1);
    expect(d.stderr).toContain(`lab 'seed' is locked by pid ${sb.pid} (topo apply, since a test)`);
    expect(await sb.state()).toEqual(before);
    expect(await sb.ping('ns0', '10.0.0.2')).toBe(true);
  });
});
