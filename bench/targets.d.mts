// Types for bench/targets.mjs (the bench is plain JavaScript that Node runs as is).
export interface BenchRow {
  kind: string;
  n: number;
  apply: number;
  bApply: number;
  perOp: number;
  plan: number;
  bRead: number;
  destroy: number;
  bDestroy: number;
  mem: number;
  mnUp?: number;
  mnDown?: number;
}
export interface TargetCheck {
  target: string;
  measured?: string;
  why?: string;
  met?: boolean;
  missed?: string[];
}
export const AT: number;
export const SMALL: number;
export const LARGE: number;
export function checkTargets(rows: readonly BenchRow[]): TargetCheck[];
export function renderTargets(checks: readonly TargetCheck[]): string[];
