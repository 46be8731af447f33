import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { checkAgainstFile } from './independent-check.js';

/** What each example is for, proved by traffic: [from, to, family]. */
const EXAMPLES: { file: string; pings: [string, string, (4 | 6)?][] }[] = [
  { file: 'examples/seed.yaml', pings: [['ns0', '10.0.0.2'], ['ns1', '10.0.0.1'], ['ns0', '10.0.0.254']] },
  { file: 'examples/routed-chain.yaml', pings: [['h1', '10.2.0.2'], ['h2', '10.1.0.1']] },
  { file: 'examples/switch.yaml', pings: [['h1', '192.168.10.2'], ['h2', '192.168.10.3'], ['h3', '192.168.10.1']] },
  {
    file: 'examples/dual-stack.yaml',
    pings: [['a', '10.30.0.1'], ['b', '10.20.0.1'], ['a', '2001:db8:30::1', 6], ['b', '2001:db8:20::1', 6]],
  },
  // Not an example: addresses, MTU and MAC on the lab's own end in the (sandbox's) root namespace.
  { file: 'test/golden/model/host-ends.yaml', pings: [['r', '192.0.2.1'], ['r', '2001:db8:1::1', 6]] },
];

describe.skipIf(sandboxUnavailable)('every example (and a lab with host ends): apply, check, no-op plan, destroy, nothing left', () => {
  const sandbox = useSandbox();

  for (const ex of EXAMPLES) {
    it(ex.file, async () => {
      const sb = sandbox();
      const before = await sb.state();

      const apply = await sb.topo('apply', '-y', ex.file);
      expect(apply.stderr).not.toMatch(/Internal error/);
      expect(apply.exitCode, apply.stdout + apply.stderr).toBe(0);
      expect(apply.stdout).toMatch(/^Apply complete: \d+ added, 0 changed, 0 destroyed\.$/m);

      expect(await checkAgainstFile(sb, ex.file)).toEqual([]);
      for (const [from, to, family] of ex.pings) {
        expect(await sb.ping(from, to, family ?? 4), `ping ${from} -> ${to}`).toBe(true);
      }

      // The file's own tests prove its purpose too (the host-ends lab has none: a warning, exit 0).
      const tests = await sb.topo('test', ex.file);
      expect(tests.exitCode, tests.stdout + tests.stderr).toBe(0);
      expect(tests.stdout + tests.stderr).toMatch(/^(\d+ passed, 0 failed \(|warning: .* has no tests)/m);

      const plan = await sb.topo('plan', ex.file);
      expect(plan.exitCode).toBe(0);
      expect(plan.stdout).toMatch(/^No changes\./m);
      const again = await sb.topo('apply', '-y', ex.file);
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toMatch(/^No changes\./m);

      const destroy = await sb.topo('destroy', '-y', ex.file);
      expect(destroy.exitCode, destroy.stdout + destroy.stderr).toBe(0);
      expect(destroy.stdout).toMatch(/^Destroy complete: \d+ destroyed\.$/m);
      expect(await sb.state()).toEqual(before);

      // Destroy waited for the kernel's teardown: applying again at once works.
      const reapply = await sb.topo('apply', '-y', ex.file);
      expect(reapply.exitCode, reapply.stdout + reapply.stderr).toBe(0);
    });
  }
});
