import { HOST, type Topology } from '../model/resources.js';
import { Heap } from '../util/heap.js';

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
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) {
    next.set(a, (next.get(a) ?? new Set()).add(b));
    next.set(b, (next.get(b) ?? new Set()).add(a));
  }
  // Most uncovered pairs first; ties go to the first name in sort order, so the choice does not
  // depend on the file's order. Entries whose degree has dropped since are stale and re-queued.
  const queue = new Heap<[number, string]>(([d, n], [e, m]) => d > e || (d === e && n < m));
  for (const [n, s] of next) queue.push([s.size, n]);
  const cover = new Set<string>();
  for (let top = queue.pop(); top !== undefined; top = queue.pop()) {
    const [d, n] = top;
    const left = next.get(n)!;
    if (left.size === 0) continue;
    if (left.size !== d) {
      queue.push([left.size, n]);
      continue;
    }
    cover.add(n);
    for (const m of left) next.get(m)!.delete(n);
    left.clear();
  }
  return cover;
}
