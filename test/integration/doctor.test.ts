import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gnuXargs } from '../../src/driver/ip-driver.js';
import { CLI, sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';

const SEED = 'examples/seed.yaml';
const bridgeNf = '/proc/sys/net/bridge/bridge-nf-call-iptables';
const firewallTestable = existsSync(bridgeNf) && readFileSync(bridgeNf, 'utf8').trim() === '1' && ['/usr/sbin/iptables', '/sbin/iptables'].some(existsSync);

describe.skipIf(sandboxUnavailable)('topo doctor and the preflight of apply', () => {
  const sandbox = useSandbox();

  it('passes on a usable machine, and its kernel probe leaves nothing behind', async () => {
    const sb = sandbox();
    const before = await sb.state();
    const r = await sb.topo('doctor', SEED);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}kernel link kinds: bridge and veth can be created$/m);
    expect(r.stdout).toMatch(/^ok {4}namespace ids: ip netns set NAME auto gives a new namespace an id in the host$/m);
    expect(r.stdout).toMatch(/^ok {4}iproute2: iproute2-[\d.]+.*, with JSON output$/m);
    if (gnuXargs()) expect(r.stdout).toMatch(/^ok {4}namespace entry: GNU xargs: reads and batches run a few `xargs -L 1 ip -n NS` processes/m);
    expect(r.stdout).toMatch(/^Ready: `topo apply examples\/seed\.yaml` can run here\.$/m);
    expect(await sb.state()).toEqual(before);
  });

  it('warns, with a fix, when xargs is not on PATH, and still finds the machine ready', async () => {
    const sb = sandbox();
    const bin = scratchDir('topo-path-');
    symlinkSync(execFileSync('which', ['ip'], { encoding: 'utf8' }).trim(), join(bin, 'ip'));
    const withIpAlone = (...args: string[]) => sb.run(['env', 'NO_COLOR=1', `PATH=${bin}`, process.execPath, CLI, ...args]);
    const r = await withIpAlone('doctor', SEED);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^warn {2}namespace entry: GNU xargs is not on PATH/m);
    expect(r.stdout).toMatch(/^ {6}fix: install findutils \(xargs\)$/m);
  });

  it('takes a BusyBox xargs (a link to busybox) for none: warns, and apply enters namespaces with netns exec', async () => {
    const sb = sandbox();
    const bin = scratchDir('topo-path-');
    symlinkSync(execFileSync('which', ['ip'], { encoding: 'utf8' }).trim(), join(bin, 'ip'));
    // Never run: the name of what xargs links to is all topo looks at.
    writeFileSync(join(bin, 'busybox'), '#!/bin/false\n', { mode: 0o755 });
    symlinkSync(join(bin, 'busybox'), join(bin, 'xargs'));
    const withBusybox = (...args: string[]) => sb.run(['env', 'NO_COLOR=1', `PATH=${bin}`, process.execPath, CLI, ...args]);
    expect((await withBusybox('doctor', SEED)).stdout).toMatch(/^warn {2}namespace entry: GNU xargs is not on PATH/m);
    const lab = join(scratchDir('topo-'), 'lab.yaml');
    writeFileSync(lab, ['lab: bb', 'nodes:', ...Array.from({ length: 8 }, (_, i) => `  n${i}: {}`), ''].join('\n'));
    const a = await withBusybox('apply', '-y', '-v', lab);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/^ {4}netns exec n0 ip /m);
    expect(a.stderr).not.toMatch(/xargs/);
    expect((await withBusybox('plan', lab)).stdout).toMatch(/^No changes\./m);
  });

  it('reports a name collision with a fix, and exits 1', async () => {
    const sb = sandbox();
    await sb.must(['ip', 'link', 'add', 'veth1', 'type', 'bridge']);
    const r = await sb.topo('doctor', SEED);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}name collisions: interface 'veth1' already exists in the host namespace and was not created by topo/m);
    expect(r.stdout).toMatch(/^ {6}fix: /m);
  });

  it.skipIf(!firewallTestable)('warns, truthfully, when br_netfilter and a FORWARD DROP policy would eat bridged traffic', async () => {
    const sb = sandbox();
    await sb.must(['iptables', '-P', 'FORWARD', 'DROP']);
    const doctor = await sb.topo('doctor', SEED);
    expect(doctor.stdout).toMatch(/^warn {2}bridged traffic and the firewall: br_netfilter passes bridged frames through iptables \(FORWARD policy DROP\)/m);
    const apply = await sb.topo('apply', '-y', SEED);
    expect(apply.exitCode).toBe(0);
    expect(apply.stderr).toMatch(/^warning: br_netfilter passes bridged frames through iptables/m);
    expect(await sb.ping('ns0', '10.0.0.2')).toBe(false); // the warning is true
    await sb.must(['iptables', '-I', 'FORWARD', '-i', 'br0', '-o', 'br0', '-j', 'ACCEPT']); // and its fix works
    expect(await sb.ping('ns0', '10.0.0.2')).toBe(true);
  });
});
