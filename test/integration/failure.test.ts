import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';

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
    const dir = mkdtempSync(join(tmpdir(), 'topo-fail-'));
    const file = join(dir, 'lab.yaml');
    // A well-formed key that this kernel does not have: only the kernel can say so.
    writeFileSync(file, LAB('    sysctls:\n      net.ipv4.no_such_knob: 1'));
    const r = await sb.topo('apply', '-y', file);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^Error: create sysctl a net\.ipv4\.no_such_knob = 1 failed: this kernel has no such sysctl \(sysctl: cannot stat \/proc\/sys\/net\/ipv4\/no_such_knob: No such file or directory\)$/m);
    expect(r.stderr).toMatch(/^ {2}command: ip netns exec a sysctl -q -w net\.ipv4\.no_such_knob=1$/m);
    expect(r.stderr).toMatch(/^Applied \(\d+\):\n {2}create netns a$/m);
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
});
