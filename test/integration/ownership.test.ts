import { describe, expect, it } from 'vitest';
import { CLI, sandboxUnavailable, useSandbox, withoutTimers } from '../support/sandbox.js';

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

  it('decoys and other labs stay exactly as they were through apply, plan and destroy of two labs at once', async () => {
    const sb = sandbox();
    // Decoys: an unmarked namespace with another lab's node name, look-alike links, an address on
    // a link topo does not own, and a third lab's objects.
    await sb.must(['ip', 'netns', 'add', 'h1']);
    await sb.must(['ip', 'netns', 'add', 'ns9']);
    await sb.must(['ip', 'link', 'add', 'br00', 'type', 'bridge']);
    await sb.must(['ip', 'link', 'add', 'veth00', 'type', 'veth', 'peer', 'name', 'ceth00', 'netns', 'ns9']);
    await sb.must(['ip', 'link', 'add', 'veth0x', 'type', 'veth', 'peer', 'name', 'ceth0', 'netns', 'h1']);
    await sb.must(['ip', 'addr', 'add', '10.0.0.77/24', 'dev', 'br00']);
    await sb.must(['ip', 'link', 'set', 'br00', 'up']);
    expect((await sb.topo('apply', '-y', 'examples/switch.yaml')).exitCode).toBe(1); // wants h1: refused
    const decoyState = async () => withoutTimers({
      host: (await sb.ipj('-d', 'link', 'show')).filter((l) => ['br00', 'veth00', 'veth0x'].includes(l.ifname)),
      addr: (await sb.ipj('addr', 'show', 'dev', 'br00'))[0].addr_info.filter((a: any) => a.scope !== 'link'),
      h1: await sb.ipj('-n', 'h1', '-d', 'link', 'show'),
      ns9: await sb.ipj('-n', 'ns9', '-d', 'link', 'show'),
    });
    const decoys = await decoyState();
    const before = await sb.state();

    // Two labs at once, and every command on each.
    for (const lab of ['examples/seed.yaml', 'examples/dual-stack.yaml']) expect((await sb.topo('apply', '-y', lab)).exitCode).toBe(0);
    for (const lab of ['examples/seed.yaml', 'examples/dual-stack.yaml']) {
      expect((await sb.topo('plan', lab)).stdout).toMatch(/^No changes\./m);
      expect((await sb.topo('drift', lab)).stdout).toMatch(/^No drift\./m);
      expect((await sb.topo('show', lab)).exitCode).toBe(0);
    }
    expect(await sb.ping('ns0', '10.0.0.2')).toBe(true);
    expect(await sb.ping('a', '10.30.0.1')).toBe(true);
    expect(await decoyState()).toEqual(decoys);
    const d1 = await sb.topo('destroy', '-y', 'examples/seed.yaml');
    expect(d1.exitCode, d1.stderr).toBe(0);
    expect((await sb.topo('plan', 'examples/dual-stack.yaml')).stdout).toMatch(/^No changes\./m); // the other lab is intact
    expect((await sb.topo('destroy', '-y', 'examples/dual-stack.yaml')).exitCode).toBe(0);

    expect(await decoyState()).toEqual(decoys); // 0 decoys changed
    expect(await sb.state()).toEqual(before);
  });

  it('destroy recognises the namespaces apply recorded without reading them, and only those exact ones', async () => {
    const sb = sandbox();
    const before = await sb.state();
    expect((await sb.topo('apply', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    const recorded = JSON.parse(await sb.must(['cat', '/run/topo/seed.netns'])) as Record<string, string>;
    expect(Object.keys(recorded)).toEqual(['ns0', 'ns1']);
    const d = await sb.topo('destroy', '-y', '-v', 'examples/seed.yaml');
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^ {2}- netns ns0 {2}\(with all it holds\)$/m);
    expect(d.stdout).toMatch(/^ {2}- veth host:veth0 <-> an end in ns0 {2}\(removed with netns ns0\)$/m);
    // No process entered ns0 or ns1 to read them: only the host was read.
    expect(d.stderr).not.toMatch(/-n ns[01] |netns exec ns[01] /);
    expect(await sb.state()).toEqual(before);
    expect((await sb.run(['test', '-e', '/run/topo/seed.netns'])).exitCode).toBe(1);
  });

  // Begun by the bin where the lab cache knows the file (cli/early-destroy.ts), by the command once it has parsed it otherwise.
  it.each([
    ['the bin', '  (begun by the bin, before the rest of topo loaded)'],
    ['the command', ''],
  ])('destroy -y deletes the recorded namespaces in the host read\'s own process, begun by %s, and reports a failure there like any other', async (by, note) => {
    const sb = sandbox();
    const before = await sb.state();
    expect((await sb.topo('apply', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    if (by === 'the command') await sb.must(['find', '/run/topo/cache', '-type', 'f', '!', '-name', 'code-*', '-delete']);
    // ns1 mounted on itself: still the recorded namespace (same nsfs inode), but `ip netns del`
    // takes off only the upper mount, and then cannot remove the file under the lower one.
    await sb.must(['mount', '--bind', '/run/netns/ns1', '/run/netns/ns1']);
    const d = await sb.topo('destroy', '-y', '-v', 'examples/seed.yaml');
    expect(d.exitCode).toBe(1);
    // One process read the host and then went on to the namespaces (-v logs each with its input).
    expect(d.stderr).toContain(`+ ip -j -d -batch -${note}\n`);
    expect(d.stderr).toMatch(/^\+ ip -j -d -batch -.*\n {4}link show\n {4}addr show\n {4}route show table all\n {4}netns list-id\n {4}netns del ns0\n {4}netns del ns1\n/m);
    expect(d.stderr).toMatch(/Error: destroy netns ns1 failed: .*Device or resource busy/);
    expect(d.stderr).toMatch(/^ {2}command: ip netns del ns1$/m);
    expect(d.stderr).toMatch(/^Applied \(1\):\n {2}destroy netns ns0\nFailed \(1\):\n {2}destroy netns ns1\nNot attempted \(1\):\n {2}destroy bridge host:br0$/m);
    expect(d.stderr).toMatch(/Run `topo destroy` again/);
    // Checked without topo: ns0 went, ns1 and the bridge stayed.
    expect((await sb.ipj('netns', 'list')).map((n) => n.name)).toEqual(['ns1']);
    expect(await sb.ipj('link', 'show', 'br0')).toEqual([expect.objectContaining({ ifname: 'br0', ifalias: 'topo:seed' })]);
    const again = await sb.topo('destroy', '-y', 'examples/seed.yaml');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await sb.state()).toEqual(before);
  });

  it('a namespace made again under a recorded name is not the lab\'s: destroy reads it, sees no mark and leaves it', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    const ino = async () => (await sb.must(['stat', '-c', '%i', '/run/netns/ns0'])).trim();
    const old = await ino();
    await sb.must(['ip', 'netns', 'del', 'ns0']);
    await new Promise((r) => setTimeout(r, 300)); // let the kernel free it: its inode number is then handed out again
    await sb.must(['ip', 'netns', 'add', 'ns0']);
    // Usually the very same inode number: only the recorded ctime tells the two apart.
    console.log(`recorded ns0 inode ${old}, new ns0 inode ${await ino()}`);
    const d = await sb.topo('destroy', '-y', 'examples/seed.yaml');
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).not.toMatch(/netns ns0/);
    expect((await sb.ipj('netns', 'list')).map((n) => n.name)).toEqual(['ns0']);
    expect(await sb.ipj('-n', 'ns0', 'link', 'show')).toEqual([expect.objectContaining({ ifname: 'lo' })]);
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
    const r = await sb.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, CLI, 'plan', 'examples/seed.yaml'], { env: { NO_COLOR: '1' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/topo plan needs root/);
    expect(r.stderr).toMatch(/sudo/);
  });
});
