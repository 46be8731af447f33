import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gnuXargs } from '../../src/driver/ip-driver.js';
import { CLI, sandboxUnavailable, useSandbox } from '../support/sandbox.js';
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
    // A namespace's sysctls come last in it, after its own batch (lo, marks, addresses): all of
    // that ran.
    expect(r.stderr).toMatch(/^Applied \(5\):\n(?: {2}create .*\n)* {2}create address 10\.7\.0\.1\/24 on a:eth0$/m);
    expect(r.stderr).toMatch(/^Failed \(1\):\n {2}create sysctl a net\.ipv4\.no_such_knob = 1$/m);
    expect(r.stderr).toMatch(/^Not attempted \(0\):/m);
    expect(r.stderr).toMatch(/Nothing was rolled back\. Run `topo apply` again to resume/);
    expect(r.stdout).not.toMatch(/Apply complete/);

    writeFileSync(file, LAB(''));
    const again = await sb.topo('apply', '-y', file);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await sb.topo('plan', file)).stdout).toMatch(/^No changes\./m);
    expect(await sb.ping('a', '10.7.0.2')).toBe(true);
  });

  const FAN = ['lab: fan', 'nodes:', ...Array.from({ length: 8 }, (_, i) => `  n${i}: { interfaces: { eth0: { addresses: [10.9.${i}.1/16] } } }`), 'bridges:', '  bb0: {}', 'links:', ...Array.from({ length: 8 }, (_, i) => `  - endpoints: [n${i}:eth0, bb0:p${i}]`), ''].join('\n');

  // Op 40 is in n4's batch (its eth0's settings), the first of the second share (n4..n7): the
  // host's batch holds 26 ops (no `netns set NAME auto`: each namespace gets a veth to the host,
  // and with it an nsid), and n0..n3's three each.
  async function failAt40(env: Record<string, string> = {}) {
    const sb = sandbox();
    const before = await sb.state();
    const file = join(scratchDir('topo-fan-'), 'lab.yaml');
    writeFileSync(file, FAN);
    // timeout: a hang fails here as 124, not as the test's own timeout.
    const r = await sb.run(['timeout', '30', 'env', ...Object.entries({ NO_COLOR: '1', TOPO_FAULT: 'fail-at:40', ...env }).map(([k, v]) => `${k}=${v}`), process.execPath, CLI, 'apply', '-y', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Error: create address 10.9.4.1/16 on n4:eth0 failed: the interface does not exist');
    expect(r.stderr).toContain('  command: ip -n n4 link set dev topo-fault-40 up');
    const applied = (n: number) => new RegExp(`Applied[\\s\\S]*create address 10\\.9\\.${n}\\.1/16 on n${n}:eth0[\\s\\S]*Failed`);
    for (const n of [0, 1, 2, 3]) expect(r.stderr).toMatch(applied(n));
    const converges = async () => {
      expect((await sb.topo('apply', '-y', file)).exitCode).toBe(0);
      expect((await sb.topo('plan', file)).stdout).toMatch(/^No changes\./m);
      expect((await sb.topo('destroy', '-y', file)).exitCode).toBe(0);
      expect(await sb.state()).toEqual(before);
    };
    return { r, applied, converges };
  }

  it.skipIf(!gnuXargs())('in a wave fanned out over 8 namespaces through xargs shares: names the failing command, runs the rest of the wave to its end, then converges', async () => {
    const { r, applied, converges } = await failAt40();
    // xargs goes on past a failed batch: n5..n7 ran, whatever share they were in.
    for (const n of [5, 6, 7]) expect(r.stderr).toMatch(applied(n));
    expect(r.stderr).toMatch(/^Not attempted \(0\):$/m);
    await converges();
  });

  it('without xargs on PATH, through `netns exec` lines: marks the rest of the failing share unfinished, then converges', async () => {
    // A PATH with ip alone (topo's own node runs by its path): no xargs, and no
    // iptables either, whose absence had kept topo waiting out a timer of Node's for 120 s.
    const bin = scratchDir('topo-path-');
    symlinkSync(execFileSync('which', ['ip'], { encoding: 'utf8' }).trim(), join(bin, 'ip'));
    const { r, converges } = await failAt40({ PATH: bin });
    const unfinished = r.stderr.slice(r.stderr.indexOf('Started, not finished'), r.stderr.indexOf('Not attempted'));
    expect(unfinished.match(/create netns n\d/g)).toEqual(['create netns n5', 'create netns n6', 'create netns n7']);
    await converges();
  });

  it.skipIf(!gnuXargs())('sets every sysctl of a wave even when one fails, and says which failed and which were set', async () => {
    const sb = sandbox();
    const file = join(scratchDir('topo-sysctls-'), 'lab.yaml');
    // n3's keys go in one sysctl, the bad one first (keys sort): the good one after it is set.
    const lab = (bad: boolean) =>
      ['lab: knobs', 'nodes:', ...Array.from({ length: 8 }, (_, i) => `  n${i}: { sysctls: { net.ipv4.ip_forward: 1${bad && i === 3 ? ', net.core.no_such_knob: 1' : ''} } }`), ''].join('\n');
    writeFileSync(file, lab(true));
    const r = await sb.topo('apply', '-y', file);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^Error: create sysctl n3 net\.core\.no_such_knob = 1 failed: this kernel has no such sysctl/m);
    const applied = r.stderr.slice(r.stderr.indexOf('Applied'), r.stderr.indexOf('Failed'));
    expect(applied.match(/create sysctl n\d net\.ipv4\.ip_forward = 1/g)).toHaveLength(8);
    expect(r.stderr).toMatch(/^Failed \(1\):\n {2}create sysctl n3 net\.core\.no_such_knob = 1$/m);
    // The ones after the failure, in its process and in its share, were set too, and the report is true.
    for (const ns of ['n3', 'n7']) expect((await sb.run(['ip', 'netns', 'exec', ns, 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');
    writeFileSync(file, lab(false));
    expect((await sb.topo('apply', '-y', file)).exitCode).toBe(0);
    expect((await sb.topo('plan', file)).stdout).toMatch(/^No changes\./m);
  });
});
