import type { StepStatus, StepFailure } from '../apply/executor.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { LabCount } from '../live/labs.js';
import type { ShowData } from '../live/show.js';
import type { DriftItem } from '../plan/drift.js';
import { strip, type PlanOrigin } from '../plan/saved.js';
import { summarize, type Change, type Plan } from '../plan/types.js';

/**
 * Machine-readable output: one JSON document on stdout per command, described by
 * schemas/plan.schema.json. `format_version` changes only when a field changes meaning or goes
 * away; new fields may appear. Keys are built in a fixed order and lists keep the plan's order.
 */
export const FORMAT_VERSION = 1;

function changeJson(c: Change) {
  const origin = c.after?.origin ?? null;
  return {
    address: c.id,
    kind: c.kind,
    action: c.action,
    reason: c.reason ?? null,
    implied_by: c.impliedBy ?? null,
    before: c.before ? strip(c.before) : null,
    after: c.after ? strip(c.after) : null,
    attributes: (c.attrs ?? []).map((a) => ({ path: a.path, before: a.before, after: a.after })),
    origin: origin ? { file: origin.file, line: origin.line, col: origin.col } : null,
  };
}

function planBody(plan: Plan) {
  return {
    lab: plan.lab,
    mode: plan.mode,
    summary: summarize(plan.changes),
    changes: plan.changes.map(changeJson),
  };
}

export function planDoc(plan: Plan, origin: PlanOrigin) {
  return {
    format_version: FORMAT_VERSION,
    type: 'plan' as const,
    ...planBody(plan),
    steps: plan.steps.map((s) => ({ address: s.id, phase: s.phase })),
    origin: { lab_file: origin.labFile ?? null, lab_sha256: origin.labSha256 ?? null, state_sha256: origin.stateSha256 },
  };
}

export type Outcome = 'applied' | 'no-changes' | 'failed' | 'interrupted' | 'cancelled';

export function applyDoc(plan: Plan, outcome: Outcome, status?: readonly StepStatus[], failure?: StepFailure) {
  return {
    format_version: FORMAT_VERSION,
    type: plan.mode === 'destroy' ? ('destroy' as const) : ('apply' as const),
    ...planBody(plan),
    outcome,
    steps: plan.steps.map((s, i) => ({ address: s.id, phase: s.phase, status: status?.[i] ?? (outcome === 'applied' ? 'applied' : 'not-attempted') })),
    failure: failure ? { address: plan.steps[failure.step]!.id, phase: plan.steps[failure.step]!.phase, command: failure.command, message: failure.message, hint: failure.hint ?? null } : null,
  };
}

export function showDoc(d: ShowData) {
  return {
    format_version: FORMAT_VERSION,
    type: 'show' as const,
    lab: d.lab,
    namespaces: d.namespaces.map((n) => ({ name: n.name, lo_up: n.loUp, in_file: n.inFile })),
    interfaces: d.interfaces.map((i) => ({ node: i.node, name: i.name, kind: i.kind, up: i.up, mtu: i.mtu, peer: i.peer, master: i.master, addresses: i.addresses, in_file: i.inFile })),
    routes: d.routes.map((r) => ({ node: r.node, to: r.to, via: r.via, dev: r.dev, metric: r.metric, in_file: r.inFile })),
  };
}

export function driftDoc(lab: string, items: readonly DriftItem[]) {
  return {
    format_version: FORMAT_VERSION,
    type: 'drift' as const,
    lab,
    drifted: items.length > 0,
    items: items.map((i) => ({ address: i.address, resource: i.resource, kind: i.kind, attribute: i.attribute ?? null, file_wants: i.fileWants, kernel_has: i.kernelHas })),
  };
}

export function lsDoc(labs: readonly LabCount[]) {
  return { format_version: FORMAT_VERSION, type: 'ls' as const, labs: labs.map((l) => ({ lab: l.lab, namespaces: l.namespaces, links: l.links })) };
}

export function errorDoc(message: string, hint: string | undefined, diagnostics: readonly Diagnostic[]) {
  return {
    format_version: FORMAT_VERSION,
    type: 'error' as const,
    message,
    hint: hint ?? null,
    diagnostics: diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      hint: d.hint ?? null,
      file: d.pos?.file ?? null,
      line: d.pos?.line ?? null,
      col: d.pos?.col ?? null,
    })),
  };
}

/** Pretty enough to read, stable enough to diff. */
export function toJson(doc: object): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
