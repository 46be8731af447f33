import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';

/** The README's quick start, as a new user runs it: the package's own `topo` bin through npx. */
describe.skipIf(sandboxUnavailable)('README quick start', () => {
  const sandbox = useSandbox();

  it('npx --no-install topo apply -y examples/seed.yaml works, and ns0 pings ns1', async () => {
    const sb = sandbox();
    const r = await sb.run(['npx', '--no-install', 'topo', 'apply', '-y', 'examples/seed.yaml'], { env: { NO_COLOR: '1', PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Apply complete: 8 added, 0 changed, 0 destroyed\.$/m);
    expect(await sb.ping('ns0', '10.0.0.2')).toBe(true);
  });
});
