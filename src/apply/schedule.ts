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
  const phase = (p: 'destroy' | 'create') => {
    const idx = plan.steps.map((s, i) => [s, i] as const).filter(([s]) => s.phase === p);
    const resOf = (c: Change): Resource => (p === 'destroy' ? c.before! : c.after!);
    const stepOfRes = new Map(idx.map(([s, i]) => [resOf(byId.get(s.id)!).id, i]));
    const deps = dependencies(new Map(idx.map(([s]) => { const r = resOf(byId.get(s.id)!); return [r.id, r]; })));
    const dependents = new Map<string, string[]>();
    for (const [id, ds] of deps) for (const d of ds) dependents.set(d, [...(dependents.get(d) ?? []), id]);
    // Each step's ops as (wave, ns); an op may not start before what it needs of the steps it
    // depends on is done. Each rule below saves a whole wave of processes:
    // - of a new namespace, only that it exists (`netns add`), not its marked, up lo;
    // - of a new veth, only its creation and the end in the op's own namespace (an address needs
    //   its interface, not the peer's);
    // - a veth's creation itself (from the host) needs only its namespaces; its ends' settings
    //   need it and the rest (a master bridge), but not each other.
    const placed = new Map<number, { wave: number; ns: string }[]>();
    const kindOf = (j: number) => resOf(byId.get(plan.steps[j]!.id)!).kind;
    const needed = (j: number, ns: string) => {
      const ops = placed.get(j)!;
      if (p !== 'create') return ops;
      if (kindOf(j) === 'netns') return ops.slice(0, 1);
      if (kindOf(j) === 'veth') return ops.filter((q) => q.ns === HOST || q.ns === ns);
      return ops;
    };
    const waves: Map<string, PlacedOp[]>[] = [];
    for (const [s, i] of idx) {
      const r = resOf(byId.get(s.id)!);
      // Create follows the edges; destroy runs against them (what depends on me goes first).
      const before = p === 'create' ? (deps.get(r.id) ?? []) : (dependents.get(r.id) ?? []);
      const needs = before.map((d) => stepOfRes.get(d)).filter((j): j is number => j !== undefined && placed.has(j));
      const creation = p === 'create' && r.kind === 'veth' && byId.get(s.id)!.action !== 'update';
      const mine: { wave: number; ns: string }[] = [];
      for (const [k, op] of (opsPerStep[i] ?? []).entries()) {
        const after = needs.filter((j) => !(creation && k === 0) || kindOf(j) === 'netns').flatMap((j) => needed(j, op.ns));
        const own = r.kind === 'veth' ? mine.slice(0, creation ? 1 : 0) : mine;
        const prev = [...after, ...own];
        const wave = prev.reduce((w, q) => Math.max(w, q.wave + (q.ns === op.ns ? 0 : 1)), 0);
        const at = { wave, ns: op.ns };
        mine.push(at);
        while (waves.length <= wave) waves.push(new Map());
        const batch = waves[wave]!.get(op.ns) ?? [];
        batch.push({ ...op, step: i });
        waves[wave]!.set(op.ns, batch);
      }
      placed.set(i, mine);
    }
    return waves;
  };
  return { destroy: phase('destroy'), create: phase('create') };
}
