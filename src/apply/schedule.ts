import { dependencies } from '../model/deps.js';
import { HOST, type Resource } from '../model/resources.js';
import type { Change, Plan } from '../plan/types.js';
import type { Op } from './ops.js';

/** One op, placed: which step it belongs to and its position inside that step. */
export interface PlacedOp extends Op {
  readonly step: number;
}

/** Ops that run together: one `ip -batch` per namespace, all namespaces in parallel. */
export type Wave = ReadonlyMap<string, readonly PlacedOp[]>;

/**
 * Groups compiled steps into waves. An op joins the earliest wave after everything it depends
 * on; a dependency in the *same* namespace costs no extra wave, because a batch runs its lines in
 * order. Within a (wave, namespace) batch, ops keep step order, so output is deterministic.
 * Destroy steps and create steps are scheduled separately: the executor waits for the kernel's
 * asynchronous teardown in between.
 */
export function schedule(plan: Plan, opsPerStep: readonly (readonly Op[])[]): { destroy: Wave[]; create: Wave[] } {
  const byId = new Map(plan.changes.map((c) => [c.id, c]));
  // Like Kahn's ordering, this runs once per command in code V8 has not optimized yet, over every
  // op of the plan: plain loops, no throwaway arrays per op (measured twice as fast at 1,313 steps).
  const phase = (p: 'destroy' | 'create') => {
    const resOf = (c: Change): Resource => (p === 'destroy' ? c.before! : c.after!);
    const idx: number[] = [];
    const res: Resource[] = [];
    const stepOfRes = new Map<string, number>();
    const all = new Map<string, Resource>();
    plan.steps.forEach((s, i) => {
      if (s.phase !== p) return;
      const r = resOf(byId.get(s.id)!);
      idx.push(i);
      res[i] = r;
      stepOfRes.set(r.id, i);
      all.set(r.id, r);
    });
    const deps = dependencies(all);
    const dependents = new Map<string, string[]>();
    if (p === 'destroy') {
      for (const [id, ds] of deps) {
        for (const d of ds) {
          const l = dependents.get(d);
          if (l) l.push(id);
          else dependents.set(d, [id]);
        }
      }
    }
    // Each step's ops as (wave, ns); an op may not start before what it needs of the steps it
    // depends on is done. Each rule below saves a whole wave of processes:
    // - of a new namespace, only that it exists (`netns add`), not its marked, up lo;
    // - of a new veth, only its creation and the end in the op's own namespace (an address needs
    //   its interface, not the peer's);
    // - a veth's creation itself (from the host) needs only its namespaces; its ends' settings
    //   need it and the rest (a master bridge), but not each other.
    const placed = new Map<number, { wave: number; ns: string }[]>();
    const waves: Map<string, PlacedOp[]>[] = [];
    for (const i of idx) {
      const r = res[i]!;
      // Create follows the edges; destroy runs against them (what depends on me goes first).
      const before = p === 'create' ? (deps.get(r.id) ?? []) : (dependents.get(r.id) ?? []);
      const needs: number[] = [];
      for (const d of before) {
        const j = stepOfRes.get(d);
        if (j !== undefined && placed.has(j)) needs.push(j);
      }
      const creation = p === 'create' && r.kind === 'veth' && byId.get(plan.steps[i]!.id)!.action !== 'update';
      const mine: { wave: number; ns: string }[] = [];
      const ops = opsPerStep[i] ?? [];
      for (let k = 0; k < ops.length; k++) {
        const op = ops[k]!;
        let wave = 0;
        const after = (q: { wave: number; ns: string }) => {
          const w = q.wave + (q.ns === op.ns ? 0 : 1);
          if (w > wave) wave = w;
        };
        for (const j of needs) {
          const kind = res[j]!.kind;
          if (creation && k === 0 && kind !== 'netns') continue;
          const theirs = placed.get(j)!;
          if (p === 'create' && kind === 'netns') {
            if (theirs.length > 0) after(theirs[0]!);
          } else {
            for (const q of theirs) if (p !== 'create' || kind !== 'veth' || q.ns === HOST || q.ns === op.ns) after(q);
          }
        }
        const own = r.kind !== 'veth' ? mine.length : creation ? Math.min(1, mine.length) : 0;
        for (let m = 0; m < own; m++) after(mine[m]!);
        mine.push({ wave, ns: op.ns });
        while (waves.length <= wave) waves.push(new Map());
        let batch = waves[wave]!.get(op.ns);
        if (!batch) {
          batch = [];
          waves[wave]!.set(op.ns, batch);
        }
        batch.push({ ...op, step: i });
      }
      placed.set(i, mine);
    }
    return waves;
  };
  return { destroy: phase('destroy'), create: phase('create') };
}
