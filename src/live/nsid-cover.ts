import { HOST, type Topology } from '../model/resources.js';

/**
 * The namespaces whose nsids a read should include: enough that every veth of the lab between
 * two namespaces has an end whose nsids name the other side (the host's are always read). A
 * vertex cover of the lab's veth graph, picked greedily by degree: for a chain or a grid that is
 * about half the namespaces, for a star behind a host bridge none. Only a hint for speed: a pair
 * it misses (drift, another lab) is found by read.ts, which then reads what is missing.
 */
export function nsidCover(t: Topology): Set<string> {
  const edges: [string, string][] = [];
  for (const r of t.resources.values()) {
    if (r.kind === 'veth' && r.a.ns !== r.b.ns && r.a.ns !== HOST && r.b.ns !== HOST) edges.push([r.a.ns, r.b.ns]);
  }
  const cover = new Set<string>();
  let open = edges;
  while (open.length > 0) {
    const degree = new Map<string, number>();
    for (const [a, b] of open) for (const n of [a, b]) degree.set(n, (degree.get(n) ?? 0) + 1);
    let best = '';
    let most = 0;
    // Ties go to the first name in sort order, so the choice does not depend on the file's order.
    for (const [n, d] of degree) if (d > most || (d === most && n < best)) [best, most] = [n, d];
    cover.add(best);
    open = open.filter(([a, b]) => a !== best && b !== best);
  }
  return cover;
}
