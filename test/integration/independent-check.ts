import { loadLab } from '../../src/config/load-lab.js';
import { HOST, type Resource } from '../../src/model/resources.js';
import type { Sandbox } from '../support/sandbox.js';

const nsArgs = (ns: string) => (ns === HOST ? [] : ['-n', ns]);

/**
 * Checks every object the lab file declares with plain `ip -j` reads (and sysctl), not with
 * topo's reader: names, kinds, marks, masters, peers' namespaces, up flags, MTUs, addresses,
 * routes and sysctl values. Returns the problems found.
 */
export async function checkAgainstFile(sb: Sandbox, file: string): Promise<string[]> {
  const { topology } = loadLab(file);
  const mark = `topo:${topology.lab}`;
  const problems: string[] = [];
  const netns = new Set((await sb.ipj('netns', 'list')).map((n) => n.name as string));
  const linkCache = new Map<string, any[]>();
  const links = async (ns: string) => {
    if (!linkCache.has(ns)) linkCache.set(ns, await sb.ipj(...nsArgs(ns), '-d', 'link', 'show'));
    return linkCache.get(ns)!;
  };
  const link = async (ns: string, name: string) => (await links(ns)).find((l) => l.ifname === name);
  const checkLink = async (ns: string, name: string, kind: string, want: { up: boolean; mtu?: number; mac?: string; master?: string | null }) => {
    const l = await link(ns, name);
    if (!l) return problems.push(`${ns}:${name} is missing`);
    if (l.linkinfo?.info_kind !== kind) problems.push(`${ns}:${name} is a ${l.linkinfo?.info_kind}, not a ${kind}`);
    if (l.ifalias !== mark) problems.push(`${ns}:${name} has alias ${l.ifalias}, not ${mark}`);
    if (l.flags.includes('UP') !== want.up) problems.push(`${ns}:${name} up=${l.flags.includes('UP')}`);
    if (want.mtu !== undefined && l.mtu !== want.mtu) problems.push(`${ns}:${name} mtu ${l.mtu}, want ${want.mtu}`);
    if (want.mac !== undefined && l.address !== want.mac) problems.push(`${ns}:${name} mac ${l.address}, want ${want.mac}`);
    if (want.master !== undefined && (l.master ?? null) !== want.master) problems.push(`${ns}:${name} master ${l.master}, want ${want.master}`);
    return 0;
  };
  for (const r of topology.resources.values() as Iterable<Resource>) {
    switch (r.kind) {
      case 'netns': {
        if (!netns.has(r.name)) {
          problems.push(`namespace ${r.name} is missing`);
          break;
        }
        const lo = await link(r.name, 'lo');
        if (lo?.ifalias !== mark) problems.push(`lo of ${r.name} lacks the mark`);
        if (!lo?.flags.includes('UP')) problems.push(`lo of ${r.name} is down`);
        break;
      }
      case 'bridge':
        await checkLink(r.ns, r.name, 'bridge', r);
        break;
      case 'veth':
        await checkLink(r.a.ns, r.a.name, 'veth', r.a);
        await checkLink(r.b.ns, r.b.name, 'veth', r.b);
        break;
      case 'address': {
        const a = await sb.ipj(...nsArgs(r.ns), 'addr', 'show', 'dev', r.ifname);
        const have = (a[0]?.addr_info ?? []).map((i: any) => `${i.local}/${i.prefixlen}`);
        if (!have.includes(r.cidr)) problems.push(`${r.ns}:${r.ifname} lacks ${r.cidr} (has ${have.join(' ')})`);
        break;
      }
      case 'route': {
        const rs = await sb.ipj(...nsArgs(r.ns), ...(r.to.includes(':') ? ['-6'] : []), 'route', 'show', 'to', 'exact', r.to);
        if (!rs.some((x) => x.gateway === r.via)) problems.push(`route ${r.to} via ${r.via} missing in ${r.ns} (${JSON.stringify(rs)})`);
        break;
      }
      case 'sysctl': {
        const v = (await sb.must(['ip', 'netns', 'exec', r.ns, 'sysctl', '-n', r.key])).trim();
        if (v !== r.value) problems.push(`sysctl ${r.key} in ${r.ns} is ${v}, want ${r.value}`);
        break;
      }
    }
  }
  return problems;
}
