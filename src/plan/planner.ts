import type { Diagnostic } from '../diag/diagnostic.js';
import type { LiveState } from '../live/normalize.js';
import type { Topology } from '../model/resources.js';
import { diff } from './diff.js';
import { orderSteps } from './order.js';
import { KIND_RANK, type Plan } from './types.js';

/**
 * plan(desired, live) → the changes that make the kernel match the file, in execution order.
 * Destroy is the same function towards an empty lab. Pure: no kernel, no clock.
 */
export function plan(desired: Topology, live: LiveState, mode: Plan['mode'] = 'apply'): { plan: Plan; conflicts: Diagnostic[] } {
  const { changes, conflicts } = diff(desired, live);
  changes.sort((a, b) => KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { plan: { lab: desired.lab, mode, changes, steps: orderSteps(changes) }, conflicts };
}

/** The desired state of destroy: nothing. */
export function emptyLab(lab: string): Topology {
  return { lab, resources: new Map() };
}
