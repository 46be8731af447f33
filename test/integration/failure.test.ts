import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';

const LAB = (sysctls: string) => `lab: broken
nodes:
  a:
    interfaces:
      eth0: { addresses: [10.7.0.1/24] }
${sysctls}
  b:
    interfaces:
      eth0: { addresses: [10.7.0.2/24] }
links:
  - endpoints: [a:eth0, b:eth0]
`;

describe.skipIf(sandboxUnavailable)('a step that fails in the kernel', () => {
  const sandbox = useSandbox();

  it('is reported with what ran, what failed and what did not; fixing the file and applying again converges', async () => {
    const sb = sandbox();
    const dir = scratchDir('topo-fail-');
    const file = join(dir, 'lab.yaml');
    // A well-formed key that this kernel does not have: only the kernel can say so.
    writeFileSync(file, LAB('    sysctls:\n      net.ipv4.no_such_knob: 1'));
    const r = await sb.topo('apply', '-y', file);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^Error: create sysctl a net\.ipv4\.no_such_knob = 1 failed: this kernel has no such sysctl \(sysctl: cannot stat \/proc\/sys\/net\/ipv4\/no_such_knob: No such file or directory\)$/m);
    expect(r.stderr).toMatch(/^ {2}command: ip netns exec a sysctl -q -w net\.ipv4\.no_such_knob=1$/m);
    // The namespaces' sysctls are set from the host's batch, right after it made them and the
    // veth: the namespaces exist, their own batches (lo, marks, addresses) never ran.
    expect(r.stderr).toMatch(/^Started, not finished \(\d+\):\n {2}create netns a$/m);
    expect(r.stderr).toMatch(/^Failed \(1\):\n {2}create sysctl a net\.ipv4\.no_such_knob = 1$/m);
    expect(r.stderr).toMatch(/^Not attempted \(\d+\):/m);
    expect(r.stderr).toMatch(/Nothing was rolled back\. Run `topo apply` again to resume/);
    expect(r.stdout).not.toMatch(/Apply complete/);

    writeFileSync(file, LAB(''));
    const again = await sb.topo('apply', '-y', file);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await sb.topo('plan', file)).stdout).toMatch(/^No changes\./m);
    expect(await sb.ping('a', '10.7.0.2')).toBe(true);
  });

  it('in a wave fanned out over 8 namespaces: names the failing command, marks the rest of its share unfinished, then converges', async () => {
    const sb = sandbox();
    const before = await sb.state();
    const dir = scratchDir('topo-fan-');
    const file = join(dir, 'lab.yaml');
    const ns = Array.from({ length: 8 }, (_, i) => `n${i}`);
    writeFileSync(
      file,
      ['lab: fan', 'nodes:', ...ns.map((n, i) => `  ${n}: { interfaces: { eth0: { addresses: [10.9.${i}.1/16] } } }`), 'bridges:', '  bb0: {}', 'links:', ...ns.map((n, i) => `  - endpoints: [${n}:eth0, bb0:p${i}]`), ''].join('\n'),
    );
    // Op 48 is in n4's batch, the first of the second share (n4..n7): n5..n7 must not run.
    const r = await sb.topoWith({ TOPO_FAULT: 'fail-at:48' }, 'apply', '-y', file);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Error: create address 10.9.4.1/16 on n4:eth0 failed: the interface does not exist');
    expect(r.stderr).toContain('  command: ip -n n4 link set dev topo-fault-48 up');
    const unfinished = r.stderr.slice(r.stderr.indexOf('Started, not finished'), r.stderr.indexOf('Not attempted'));
    expect(unfinished.match(/create netns n\d/g)).toEqual(['create netns n5', 'create netns n6', 'create netns n7']);
    for (const n of ['n0', 'n1', 'n2', 'n3']) expect(r.stderr).toMatch(new RegExp(`Applied[\\s\\S]*create address 10\\.9\\.${n.slice(1)}\\.1/16 on ${n}:eth0[\\s\\S]*Failed`));
    expect((await sb.topo('apply', '-y', file)).exitCode).toBe(0);
    expect((await sb.topo('plan', file)).stdout).toMatch(/^No changes\./m);
    expect((await sb.topo('destroy', '-y', file)).exitCode).toBe(0);
    expect(await sb.state()).toEqual(before);
  });
});
