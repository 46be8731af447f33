import { HOST, endKey, interfacesOf, type Resource } from './resources.js';

/**
 * What each resource needs to exist first, among `all`. The single source of dependency truth:
 * creation follows these edges, destruction runs against them.
 */
export function dependencies(all: ReadonlyMap<string, Resource>): Map<string, string[]> {
  const linkOf = new Map<string, string>(); // ns:ifname -> link id
  const linksIn = new Map<string, string[]>();
  const addrsIn = new Map<string, string[]>();
  const routesIn = new Map<string, string[]>();
  for (const r of all.values()) {
    for (const e of interfacesOf(r)) {
      linkOf.set(endKey(e), r.id);
      push(linksIn, e.ns, r.id);
    }
    if (r.kind === 'address') push(addrsIn, r.ns, r.id);
    if (r.kind === 'route') push(routesIn, r.ns, r.id);
  }
  const netns = (ns: string) => (ns !== HOST && all.has(`netns/${ns}`) ? [`netns/${ns}`] : []);
  const out = new Map<string, string[]>();
  for (const r of all.values()) {
    let d: string[] = [];
    switch (r.kind) {
      case 'netns':
        break;
      case 'bridge':
        d = netns(r.ns);
        break;
      case 'veth':
        d = [...netns(r.a.ns), ...netns(r.b.ns)];
        for (const e of [r.a, r.b]) {
          const m = e.master === null ? undefined : linkOf.get(`${e.ns}:${e.master}`);
          if (m) d.push(m);
        }
        break;
      case 'address': {
        const l = linkOf.get(`${r.ns}:${r.ifname}`);
        d = [...netns(r.ns), ...(l ? [l] : [])];
        break;
      }
      case 'route':
        // A gateway must be on-link and its link up before the kernel accepts the route.
        d = [...netns(r.ns), ...(linksIn.get(r.ns) ?? []), ...(addrsIn.get(r.ns) ?? [])];
        break;
      case 'sysctl':
        // Last in their namespace: interface sysctls (net.ipv4.conf.X.*) need the interface, and
        // a link's own settings can reset one (a new MTU resets net.ipv6.conf.X.mtu). So a
        // namespace's sysctls are the tail of its batch, where IpDriver sets them, and reads them
        // back, in one process after its `ip` (verification then reads nothing more for them).
        d = [...netns(r.ns), ...(linksIn.get(r.ns) ?? []), ...(addrsIn.get(r.ns) ?? []), ...(routesIn.get(r.ns) ?? [])];
        break;
    }
    out.set(r.id, [...new Set(d)].filter((x) => x !== r.id));
  }
  return out;
}

function push(m: Map<string, string[]>, k: string, v: string) {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
