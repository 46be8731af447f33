import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';

describe.skipIf(sandboxUnavailable)('topo touches only what its lab owns', () => {
  const sandbox = useSandbox();

  it('refuses a namespace with a node name that it does not own, names the YAML line, changes nothing', async () => {
    const sb = sandbox();
    await sb.must(['ip', 'netns', 'add', 'ns0']);
    const before = await sb.state();
    for (const cmd of ['plan', 'apply']) {
      const r = await sb.topo(cmd, ...(cmd === 'apply' ? ['-y'] : []), 'examples/seed.yaml');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/^examples\/seed\.yaml:5:3: error\[CONFLICT_FOREIGN\]: namespace 'ns0' already exists and was not created by topo/m);
      expect(r.stderr).toMatch(/nothing was changed/);
    }
    expect(await sb.state()).toEqual(before);
    expect(await sb.ipj('-n', 'ns0', 'link', 'show')).toHaveLength(1); // still just its lo
  });

  it('refuses an interface name held by an unowned link', async () => {
    const sb = sandbox();
    await sb.must(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    const before = await sb.state();
    const r = await sb.topo('apply', '-y', 'examples/seed.yaml');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^examples\/seed\.yaml:12:3: error\[CONFLICT_FOREIGN\]: interface 'br0' already exists in the host namespace and was not created by topo/m);
    expect(await sb.state()).toEqual(before);
  });

  it('destroy removes its lab and nothing else: decoys and another lab survive', async () => {
    const sb = sandbox();
    // Decoys: a similar-named unowned namespace, bridge and veth, and an address on an unowned link.
    await sb.must(['ip', 'netns', 'add', 'ns9']);
    await sb.must(['ip', 'link', 'add', 'br00', 'type', 'bridge']);
    await sb.must(['ip', 'link', 'add', 'veth00', 'type', 'veth', 'peer', 'name', 'ceth00', 'netns', 'ns9']);
    await sb.must(['ip', 'addr', 'add', '10.0.0.77/24', 'dev', 'br00']);
    expect((await sb.topo('apply', '-y', 'examples/routed-chain.yaml')).exitCode).toBe(0);
    const withDecoys = await sb.state();

    expect((await sb.topo('apply', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    const d = await sb.topo('destroy', '-y', 'examples/seed.yaml');
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await sb.state()).toEqual(withDecoys);
    expect((await sb.topo('plan', 'examples/routed-chain.yaml')).stdout).toMatch(/^No changes\./m);
    expect(await sb.ping('h1', '10.2.0.2')).toBe(true);
    expect(await sb.ipj('-n', 'ns9', 'link', 'show', 'ceth00')).toHaveLength(1);
  });

  it('a second destroy has nothing to do', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    expect((await sb.topo('destroy', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    const again = await sb.topo('destroy', '-y', 'examples/seed.yaml');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^No changes\. Nothing of lab 'seed' exists\.$/m);
  });

  it('apply refuses to run without a terminal and without -y, and changes nothing', async () => {
    const sb = sandbox();
    const before = await sb.state();
    const r = await sb.topo('apply', 'examples/seed.yaml');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/standard input is not a terminal/);
    expect(r.stderr).toMatch(/-y \(--auto-approve\)/);
    expect(await sb.state()).toEqual(before);
  });

  // Needs a real uid to drop to; in a rootless sandbox only uid 0 is mapped.
  it.skipIf(process.getuid?.() !== 0)('without root, plan explains that it needs root and names sudo', async () => {
    const sb = sandbox();
    const r = await sb.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, 'dist/cli/main.js', 'plan', 'examples/seed.yaml'], { env: { NO_COLOR: '1' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/topo plan needs root/);
    expect(r.stderr).toMatch(/sudo/);
  });
});
