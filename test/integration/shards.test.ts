import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';
import { checkAgainstFile } from './independent-check.js';

/**
 * Many new namespaces are made by several host processes at once (IpDriver.netnsShards), once
 * /run/netns is a mount point (the first `ip netns add` on a machine makes it one; unit-tested).
 */
const star = (n: number) =>
  `lab: shards\nnodes:\n${Array.from({ length: n }, (_, i) => `  n${i}:\n    interfaces:\n      eth0: { addresses: [10.71.0.${i + 1}/24] }\n`).join('')}` +
  `bridges:\n  bb0: {}\nlinks:\n${Array.from({ length: n }, (_, i) => `  - endpoints: [n${i}:eth0, bb0:p${i}]\n`).join('')}`;

/** How many of the -v command log's host batches start by making namespaces. */
const makers = (log: string) => (log.match(/^\+ ip (?:-j -d )?-batch -\n {4}netns add /gm) ?? []).length;

describe.skipIf(sandboxUnavailable)('a lab of 40 new namespaces', () => {
  const sandbox = useSandbox();

  it('is made by two host processes at once, and is what the file says', async () => {
    const sb = sandbox();
    const lab = join(scratchDir('topo-shards-'), 'lab.yaml');
    writeFileSync(lab, star(40));
    // apply's preflight probe (its own scratch namespace) has made /run/netns a mount point.
    const a = await sb.topo('apply', '-y', '-v', lab);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(makers(a.stderr)).toBe(2);
    expect(await checkAgainstFile(sb, lab)).toEqual([]);
    expect((await sb.ipj('netns', 'list')).map((n) => n.name).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`).sort());
    expect(await sb.ping('n0', '10.71.0.40')).toBe(true);
    expect((await sb.topo('plan', lab)).stdout).toMatch(/^No changes\./m);
  });

  it('reports what a failing one of them made, as the kernel has it, and apply again finishes the lab', async () => {
    const sb = sandbox();
    const lab = join(scratchDir('topo-shards-'), 'lab.yaml');
    writeFileSync(lab, star(40));
    expect((await sb.topo('apply', '-y', lab)).exitCode).toBe(0);
    expect((await sb.topo('destroy', '-y', lab)).exitCode).toBe(0);
    // Commands count in execution order: the first batch's 40 lines (20 namespaces, each `netns
    // add` and `netns set NAME auto`, in plan order: n0, n1, n10-n19, n2, n20-n26), then the
    // second's; command 42 is the second batch's second `netns add`, n28's.
    const r = await sb.topoWith({ TOPO_FAULT: 'fail-at:42' }, 'apply', '-y', lab);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^Error: create netns n28 failed: /m);
    const started = [...r.stderr.matchAll(/^Started, not finished \((\d+)\):\n((?: {2}.*\n)*)/gm)][0];
    const said = started![2]!.split('\n').filter((l) => /^ {2}create netns /.test(l)).map((l) => l.replace('  create netns ', ''));
    expect(said).toHaveLength(21);
    expect((await sb.ipj('netns', 'list')).map((n) => n.name).sort()).toEqual(said.sort());
    expect(r.stderr).toMatch(/^Not attempted \(\d+\):\n(?: {2}.*\n)* {2}create netns n29$/m);
    const again = await sb.topo('apply', '-y', lab);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await checkAgainstFile(sb, lab)).toEqual([]);
  });
});
