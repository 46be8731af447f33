import { describe } from '../model/describe.js';
import type { Change } from './types.js';

/** One thing that changed in the kernel outside topo: what the file wants and what the kernel has. */
export interface DriftItem {
  readonly address: string;
  readonly resource: string;
  /** missing: the file wants it, the kernel lacks it; unexpected: owned, but not in the file; changed: an attribute differs. */
  readonly kind: 'missing' | 'unexpected' | 'changed';
  readonly attribute?: string;
  readonly fileWants: unknown;
  readonly kernelHas: unknown;
}

/**
 * The drift report is the plan read backwards: only what differs by itself, never the
 * consequences topo would add (addresses re-created with a replaced link, routes reasserted,
 * deletes the kernel does on its own).
 */
export function driftItems(changes: readonly Change[]): DriftItem[] {
  const out: DriftItem[] = [];
  for (const c of changes) {
    if (c.impliedBy) continue;
    const r = (c.after ?? c.before)!;
    const base = { address: c.id, resource: describe(r) };
    if (c.action === 'create' && !c.before) out.push({ ...base, kind: 'missing', fileWants: 'present', kernelHas: 'absent' });
    else if (c.action === 'delete') out.push({ ...base, kind: 'unexpected', fileWants: 'absent', kernelHas: 'present' });
    else if (c.action === 'update') for (const a of c.attrs ?? []) out.push({ ...base, kind: 'changed', attribute: a.path, fileWants: a.after, kernelHas: a.before });
    else if (c.action === 'replace') out.push({ ...base, resource: describe(c.before!), kind: 'changed', attribute: 'identity', fileWants: describe(c.after!), kernelHas: describe(c.before!) });
  }
  return out;
}
