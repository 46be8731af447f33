import { Graph, alg } from '@dagrejs/graphlib';
import { InternalError } from '../diag/errors.js';
import { dependencies } from '../model/deps.js';
import type { Resource } from '../model/resources.js';
import { KIND_RANK, type Change, type Step } from './types.js';
import { Heap } from '../util/heap.js';

/**
 * Execution order. All destroy steps come first, against the dependency edges (a route goes
 * before its link, a link before its namespace); then all create and update steps, along them.
 * Ties break on (kind, id), never on insertion order, so plans and golden files are stable.
 */
export function orderSteps(changes: readonly Change[]): Step[] {
  const destroy = new Map<string, Resource>();
  const create = new Map<string, Resource>();
  for (const c of changes) {
    if (c.impliedBy) continue;
    if (c.action === 'delete' || c.action === 'replace') destroy.set(c.id, c.before!);
    if (c.action !== 'delete') create.set(c.id, c.after!);
  }
  return [
    ...kahn(destroy, true).map((id) => ({ id, phase: 'destroy' as const })),
    ...kahn(create, false).map((id) => ({ id, phase: 'create' as const })),
  ];
}

function kahn(nodes: Map<string, Resource>, reverse: boolean): string[] {
  const g = new Graph({ directed: true });
  // A replace's destroy half is keyed by the change id but is the *old* resource: index by it.
  const byResource = new Map<string, string>();
  for (const [stepId, r] of nodes) {
    g.setNode(stepId);
    byResource.set(r.id, stepId);
  }
  const deps = dependencies(new Map([...nodes.values()].map((r) => [r.id, r])));
  for (const [stepId, r] of nodes) {
    for (const dep of deps.get(r.id) ?? []) {
      const other = byResource.get(dep);
      if (other === undefined) continue;
      if (reverse) g.setEdge(stepId, other);
      else g.setEdge(other, stepId);
    }
  }
  const cycles = alg.findCycles(g);
  if (cycles.length > 0) throw new InternalError(`dependency cycle: ${cycles[0]!.join(' -> ')}`);

  const rank = new Map([...nodes].map(([id, r]) => [id, KIND_RANK[r.kind] * (reverse ? -1 : 1)]));
  const ready = new Heap<string>((a, b) => rank.get(a)! < rank.get(b)! || (rank.get(a) === rank.get(b) && a < b));
  const indeg = new Map(g.nodes().map((n) => [n, g.predecessors(n)?.length ?? 0]));
  for (const n of g.nodes()) if (indeg.get(n) === 0) ready.push(n);
  const out: string[] = [];
  for (let n = ready.pop(); n !== undefined; n = ready.pop()) {
    out.push(n);
    for (const m of g.successors(n) ?? []) {
      const k = indeg.get(m)! - 1;
      indeg.set(m, k);
      if (k === 0) ready.push(m);
    }
  }
  return out;
}
