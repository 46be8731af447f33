import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { checkAgainstFile } from './independent-check.js';

/**
 * Hand-made drift with plain `ip` commands: `drift` must report exactly it (one item, what the
 * file wants and what the kernel has), `plan` must show it, and `apply` must repair it so that the
 * next plan is empty and traffic flows again.
 */
/** `drift`: the line the drift report must print for it (what the file wants, what the kernel has). */
const DRIFTS: { name: string; file: string; make: string[][]; shows: RegExp[]; drift: RegExp; items?: number; ping?: [string, string]; then?: string }[] = [
  {
    name: 'an address added by hand on an owned interface',
    drift: /^  unexpected  address 10\.9\.9\.9\/24 on ns0:ceth0: owned by the lab, not in the file$/m,
    file: 'examples/seed.yaml',
    make: [['ip', '-n', 'ns0', 'addr', 'add', '10.9.9.9/24', 'dev', 'ceth0']],
    shows: [/^ {2}- address 10\.9\.9\.9\/24 on ns0:ceth0 {2}\(not in the file\)$/m, /Plan: 0 to add, 0 to change, 1 to destroy\./],
  },
  {
    name: 'an address deleted by hand',
    drift: /^  missing     address 10\.0\.0\.2\/24 on ns1:ceth1: the file wants it, the kernel has nothing$/m,
    file: 'examples/seed.yaml',
    make: [['ip', '-n', 'ns1', 'addr', 'del', '10.0.0.2/24', 'dev', 'ceth1']],
    shows: [/^ {2}\+ address 10\.0\.0\.2\/24 on ns1:ceth1$/m, /Plan: 1 to add, 0 to change, 0 to destroy\./],
    ping: ['ns0', '10.0.0.2'],
  },
  {
    name: 'a link set down',
    drift: /^  changed     veth host:veth0 <-> ns0:ceth0: ns0:ceth0 up: the file wants true, the kernel has false$/m,
    file: 'examples/seed.yaml',
    make: [['ip', '-n', 'ns0', 'link', 'set', 'ceth0', 'down']],
    shows: [/^ {2}~ veth host:veth0 <-> ns0:ceth0$/m, /^ {6}ns0:ceth0 up: false -> true$/m, /Plan: 0 to add, 1 to change, 0 to destroy\./],
    ping: ['ns0', '10.0.0.2'],
  },
  {
    name: 'a port taken off its bridge',
    drift: /^  changed     veth host:veth1 <-> ns1:ceth1: host:veth1 master: the file wants br0, the kernel has none$/m,
    file: 'examples/seed.yaml',
    make: [['ip', 'link', 'set', 'veth1', 'nomaster']],
    shows: [/^ {6}host:veth1 master: none -> br0$/m],
    ping: ['ns0', '10.0.0.2'],
  },
  {
    name: 'a deleted namespace',
    drift: /^  missing     netns ns1: the file wants it, the kernel has nothing$/m,
    items: 3, // the kernel took the veth and its address along
    file: 'examples/seed.yaml',
    make: [['ip', 'netns', 'del', 'ns1']],
    shows: [/^ {2}\+ netns ns1$/m, /^ {2}\+ veth host:veth1 <-> ns1:ceth1 \[veth1 in br0\]$/m, /^ {2}\+ address 10\.0\.0\.2\/24 on ns1:ceth1$/m],
    ping: ['ns0', '10.0.0.2'],
  },
  {
    name: 'lo of a namespace set down',
    drift: /^  changed     netns ns1: lo\.up: the file wants true, the kernel has false$/m,
    file: 'examples/seed.yaml',
    make: [['ip', '-n', 'ns1', 'link', 'set', 'lo', 'down']],
    shows: [/^ {2}~ netns ns1$/m, /^ {6}lo\.up: false -> true$/m],
  },
  {
    name: 'a deleted route',
    drift: /^  missing     route h1 10\.2\.0\.0\/30 via 10\.1\.0\.2: the file wants it, the kernel has nothing$/m,
    file: 'examples/routed-chain.yaml',
    make: [['ip', '-n', 'h1', 'route', 'del', '10.2.0.0/30']],
    shows: [/^ {2}\+ route h1 10\.2\.0\.0\/30 via 10\.1\.0\.2$/m, /Plan: 1 to add, 0 to change, 0 to destroy\./],
    ping: ['h1', '10.2.0.2'],
  },
  {
    name: 'a route added by hand in an owned namespace',
    drift: /^  unexpected  route h2 172\.16\.0\.0\/16 via 10\.2\.0\.1 dev eth0: owned by the lab, not in the file$/m,
    file: 'examples/routed-chain.yaml',
    make: [['ip', '-n', 'h2', 'route', 'add', '172.16.0.0/16', 'via', '10.2.0.1']],
    shows: [/^ {2}- route h2 172\.16\.0\.0\/16 via 10\.2\.0\.1 dev eth0 {2}\(not in the file\)$/m],
    ping: ['h2', '10.1.0.1'],
  },
  {
    name: 'forwarding switched off',
    drift: /^  changed     sysctl r net\.ipv4\.ip_forward = 1: value: the file wants 1, the kernel has 0$/m,
    file: 'examples/routed-chain.yaml',
    make: [['ip', 'netns', 'exec', 'r', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']],
    shows: [/^ {2}~ sysctl r net\.ipv4\.ip_forward = 1$/m, /^ {6}value: 0 -> 1$/m],
    ping: ['h1', '10.2.0.2'],
  },
  {
    name: 'a bridge MTU changed',
    drift: /^  changed     bridge sw:sw0: mtu: the file wants 9000, the kernel has 1500$/m,
    file: 'examples/switch.yaml',
    make: [['ip', '-n', 'sw', 'link', 'set', 'sw0', 'mtu', '1500']],
    shows: [/^ {2}~ bridge sw:sw0$/m, /^ {6}mtu: 1500 -> 9000$/m],
  },
  {
    name: 'owned objects the file no longer declares',
    file: 'examples/routed-chain.yaml',
    make: [],
    then: 'test/golden/plan/chain-moved/lab.yaml',
    shows: [/^-\/\+ veth h2:eth1 <-> r:eth1/m],
    drift: /^  changed     veth h2:eth0 <-> r:eth1: identity: the file wants veth h2:eth1 <-> r:eth1, the kernel has veth h2:eth0 <-> r:eth1$/m,
    items: 2, // and the address the file now wants on h2:eth1
    ping: ['h1', '10.2.0.2'],
  },
];

describe.skipIf(sandboxUnavailable)('drift made by hand is shown by plan and repaired by apply', () => {
  const sandbox = useSandbox();

  for (const d of DRIFTS) {
    it(d.name, async () => {
      const sb = sandbox();
      expect((await sb.topo('apply', '-y', d.file)).exitCode).toBe(0);
      for (const argv of d.make) await sb.must(argv);

      const file = d.then ?? d.file;
      const drift = await sb.topo('drift', file);
      expect(drift.exitCode, drift.stderr).toBe(0);
      expect(drift.stdout).toMatch(d.drift);
      const n = d.items ?? 1;
      expect(drift.stdout).toMatch(new RegExp(`^${n} drifted items?\\. `, 'm'));
      const plan = await sb.topo('plan', file);
      expect(plan.exitCode, plan.stderr).toBe(0);
      for (const re of d.shows) expect(plan.stdout).toMatch(re);

      const apply = await sb.topo('apply', '-y', file);
      expect(apply.exitCode, apply.stdout + apply.stderr).toBe(0);
      expect((await sb.topo('plan', file)).stdout).toMatch(/^No changes\./m);
      expect((await sb.topo('drift', file)).stdout).toMatch(/^No drift\./m);
      expect(await checkAgainstFile(sb, file)).toEqual([]);
      if (d.ping) expect(await sb.ping(...d.ping)).toBe(true);
    });
  }
});
