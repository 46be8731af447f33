import type { Resource } from '../model/resources.js';

export type Action = 'create' | 'update' | 'replace' | 'delete';

/** One attribute that differs, for `~` lines: `mtu: 1500 -> 9000`. */
export interface AttrChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * One resource's change. Terraform's contract: `before` is undefined iff action is create,
 * `after` is undefined iff action is delete.
 */
export interface Change {
  readonly id: string;
  readonly kind: Resource['kind'];
  readonly action: Action;
  readonly before?: Resource;
  readonly after?: Resource;
  /** Why, in words: "not in the file", "peer changed", "recreated with veth ...". */
  readonly reason?: string;
  /** For updates: exactly what differs. */
  readonly attrs?: readonly AttrChange[];
  /** The kernel deletes this as a side effect of deleting `impliedBy`: shown, never executed. */
  readonly impliedBy?: string;
}

/** A unit of execution. A replace yields a destroy step and a create step. */
export interface Step {
  readonly id: string;
  readonly phase: 'destroy' | 'create';
}

/** A plan is data: rendered, serialized and executed as is. */
export interface Plan {
  readonly lab: string;
  readonly mode: 'apply' | 'destroy';
  /** Sorted by kind, then id: the display order. */
  readonly changes: readonly Change[];
  /** Execution order: every destroy step, then every create step, each in dependency order. */
  readonly steps: readonly Step[];
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

/** Terraform's arithmetic: a replace is one add and one destroy. */
export function summarize(changes: readonly Change[]): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const c of changes) {
    if (c.action === 'create') add++;
    else if (c.action === 'update') change++;
    else if (c.action === 'delete') destroy++;
    else {
      add++;
      destroy++;
    }
  }
  return { add, change, destroy };
}

export const KIND_RANK: Readonly<Record<Resource['kind'], number>> = {
  netns: 0,
  bridge: 1,
  veth: 2,
  address: 3,
  route: 4,
  sysctl: 5,
};
