import { describe } from '../model/describe.js';
import type { Resource } from '../model/resources.js';
import { summarize, type Change, type Plan } from '../plan/types.js';
import type { Style } from './style.js';

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', replace: '-/+', delete: '-' };

/** Terraform-style text: one line per change, attribute lines under updates, then the summary. */
export function renderPlan(plan: Plan, style: Style): string {
  if (plan.changes.length === 0) return `${style.green(style.bold('No changes.'))} The kernel matches lab '${plan.lab}'.\n`;
  const lines: string[] = [];
  const colour = (a: Change['action']) => (a === 'create' ? style.green : a === 'delete' ? style.red : style.yellow);
  for (const c of plan.changes) {
    const sym = colour(c.action)(SYMBOL[c.action].padStart(3));
    const r = (c.after ?? c.before)!;
    const what = `${describe(r)}${details(c, r)}`;
    if (c.impliedBy) {
      lines.push(style.dim(`${SYMBOL[c.action].padStart(3)} ${what}  (${c.reason})`));
      continue;
    }
    const why =
      c.action === 'replace'
        ? `  ${style.yellow(`(replace: ${c.reason})`)}`
        : (c.action === 'create' && c.before) || (c.action === 'delete' && (plan.mode === 'apply' || (c.before?.kind === 'netns' && c.before.unread))) || (c.action === 'update' && c.reason !== 'drift')
          ? `  (${c.reason})`
          : '';
    lines.push(`${sym} ${what}${why}`);
    for (const a of c.attrs ?? []) lines.push(`      ${a.path}: ${fmt(a.before)} ${style.yellow('->')} ${fmt(a.after)}`);
  }
  const s = summarize(plan.changes);
  lines.push('', `${style.bold('Plan:')} ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`);
  return lines.join('\n') + '\n';
}

/** Attributes worth seeing on a create line. */
function details(c: Change, r: Resource): string {
  if (c.action === 'update' || c.action === 'delete') return '';
  const bits: string[] = [];
  if (r.kind === 'veth') {
    // Both ends may share a name (eth1 <-> eth1): qualify them when they do.
    const label = (e: typeof r.a) => (r.a.name === r.b.name ? `${e.ns}:${e.name}` : e.name);
    for (const e of [r.a, r.b]) {
      if (e.master) bits.push(`${label(e)} in ${e.master}`);
      if (e.mtu !== undefined) bits.push(`${label(e)} mtu ${e.mtu}`);
      if (e.mac !== undefined) bits.push(`${label(e)} mac ${e.mac}`);
      if (!e.up) bits.push(`${label(e)} down`);
    }
  } else if (r.kind === 'bridge') {
    if (r.mtu !== undefined) bits.push(`mtu ${r.mtu}`);
    if (r.mac !== undefined) bits.push(`mac ${r.mac}`);
    if (!r.up) bits.push('down');
  }
  return bits.length ? ` [${bits.join(', ')}]` : '';
}

function fmt(v: unknown): string {
  return v === null || v === undefined ? '(none)' : String(v);
}
