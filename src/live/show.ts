import type { Resource, Topology } from '../model/resources.js';
import { HOST, displayTo } from '../model/resources.js';
import type { LiveState } from './normalize.js';

export interface ShowInterface {
  readonly node: string;
  readonly name: string;
  readonly kind: 'bridge' | 'veth';
  readonly up: boolean;
  readonly mtu: number | null;
  /** `ns:name` of a veth's other end. */
  readonly peer: string | null;
  readonly master: string | null;
  readonly addresses: readonly string[];
  readonly inFile: boolean;
}

export interface ShowData {
  readonly lab: string;
  readonly namespaces: readonly { readonly name: string; readonly loUp: boolean; readonly inFile: boolean }[];
  readonly interfaces: readonly ShowInterface[];
  readonly routes: readonly { readonly node: string; readonly to: string; readonly via: string | null; readonly dev: string | null; readonly metric: number | null; readonly inFile: boolean }[];
}

/** The live state of a lab as rows, each flagged when the file no longer declares it. Pure. */
export function showData(desired: Topology, live: LiveState): ShowData {
  const inFile = (r: Resource) => desired.resources.has(r.id);
  const addrs = new Map<string, string[]>();
  for (const r of live.resources.values()) if (r.kind === 'address') addrs.set(`${r.ns}:${r.ifname}`, [...(addrs.get(`${r.ns}:${r.ifname}`) ?? []), r.cidr]);
  const namespaces: ShowData['namespaces'][number][] = [];
  const interfaces: ShowInterface[] = [];
  const routes: ShowData['routes'][number][] = [];
  for (const r of live.resources.values()) {
    switch (r.kind) {
      case 'netns':
        namespaces.push({ name: r.name, loUp: r.loUp, inFile: inFile(r) });
        break;
      case 'bridge':
        interfaces.push({ node: r.ns, name: r.name, kind: 'bridge', up: r.up, mtu: r.mtu ?? null, peer: null, master: null, addresses: addrs.get(`${r.ns}:${r.name}`) ?? [], inFile: inFile(r) });
        break;
      case 'veth':
        for (const [e, o] of [[r.a, r.b], [r.b, r.a]] as const) {
          if (e.ns === '?') continue;
          interfaces.push({ node: e.ns, name: e.name, kind: 'veth', up: e.up, mtu: e.mtu ?? null, peer: o.ns === '?' ? null : `${o.ns}:${o.name}`, master: e.master, addresses: addrs.get(`${e.ns}:${e.name}`) ?? [], inFile: inFile(r) });
        }
        break;
      case 'route':
        routes.push({ node: r.ns, to: displayTo(r.to), via: r.via ?? null, dev: r.dev ?? null, metric: r.metric ?? null, inFile: inFile(r) });
        break;
      default:
        break;
    }
  }
  const byNode = (a: { node: string; name?: string }, b: { node: string; name?: string }) =>
    (a.node === HOST ? -1 : 0) - (b.node === HOST ? -1 : 0) || a.node.localeCompare(b.node) || (a.name ?? '').localeCompare(b.name ?? '');
  return { lab: desired.lab, namespaces, interfaces: interfaces.sort(byNode), routes: routes.sort(byNode) };
}
