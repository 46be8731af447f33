import { foreignKey, type LiveState } from '../live/normalize.js';
import { interfacesOf, type Resource, type Topology } from '../model/resources.js';
import { sha256 } from '../util/sha256.js';
import type { Plan } from './types.js';

/**
 * A digest of the live state a plan was computed from: everything the lab owns, plus the foreign
 * objects that hold names the lab wants. Unrelated objects elsewhere on the machine do not count,
 * so someone else's work does not make a saved plan stale; anything that could change what this
 * plan does does.
 */
export function stateDigest(desired: Topology, live: LiveState): string {
  const relevant = new Set<string>();
  for (const r of desired.resources.values()) {
    if (r.kind === 'netns') relevant.add(foreignKey.netns(r.name));
    for (const e of interfacesOf(r)) relevant.add(foreignKey.link(e.ns, e.name));
  }
  const foreign = [...live.foreign].filter(([k]) => relevant.has(k)).sort(([a], [b]) => (a < b ? -1 : 1));
  return sha256(JSON.stringify({ owned: [...live.resources.values()].map(strip), foreign }));
}

/** What a plan was computed from, so that applying it later can prove nothing moved. */
export interface PlanOrigin {
  /** Absolute path of the lab file, or undefined for `destroy --lab NAME`. */
  readonly labFile?: string;
  readonly labSha256?: string;
  readonly stateSha256: string;
}

/** Resources as stored in a plan: without their source positions, which are not state. */
export function strip<T extends Resource>(r: T): Omit<T, 'origin'> {
  const { origin: _origin, ...rest } = r;
  return rest;
}

export type SavedPlan = Plan & { readonly origin: PlanOrigin };
