import type { LabCount } from '../live/labs.js';
import type { ShowData } from '../live/show.js';
import type { DriftItem } from '../plan/drift.js';
import type { Style } from './style.js';

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

const fmt = (v: unknown) => (v === null || v === undefined ? '(none)' : String(v));

export function renderShow(d: ShowData, style: Style): string {
  const flag = (inFile: boolean) => (inFile ? '' : ' *');
  const out: string[] = [];
  const stale = d.namespaces.some((n) => !n.inFile) || d.interfaces.some((i) => !i.inFile) || d.routes.some((r) => !r.inFile);
  if (d.namespaces.length === 0 && d.interfaces.length === 0) return `Nothing of lab '${d.lab}' exists.\n`;
  out.push(style.bold(`Lab '${d.lab}'`), '');
  out.push(
    ...table([
      ['NODE', 'LO', ''],
      ...d.namespaces.map((n) => [n.name + flag(n.inFile), n.loUp ? 'up' : 'DOWN', '']),
    ]),
    '',
  );
  out.push(
    ...table([
      ['NODE', 'INTERFACE', 'KIND', 'STATE', 'MTU', 'PEER / MASTER', 'ADDRESSES'],
      ...d.interfaces.map((i) => [
        i.node,
        i.name + flag(i.inFile),
        i.kind,
        i.up ? 'up' : 'DOWN',
        i.mtu === null ? '-' : String(i.mtu),
        [i.peer ? `peer ${i.peer}` : '', i.master ? `in ${i.master}` : ''].filter(Boolean).join(', ') || '-',
        i.addresses.join(' ') || '-',
      ]),
    ]),
  );
  if (d.routes.length > 0) {
    out.push('', ...table([['NODE', 'ROUTE', 'VIA', 'DEV', 'METRIC'], ...d.routes.map((r) => [r.node, r.to + flag(r.inFile), fmt(r.via), fmt(r.dev), r.metric === null ? '-' : String(r.metric)])]));
  }
  if (stale) out.push('', style.yellow(`* owned by lab '${d.lab}' but no longer in the file: \`topo apply\` removes it`));
  return out.join('\n') + '\n';
}

export function renderDrift(lab: string, items: readonly DriftItem[], style: Style): string {
  if (items.length === 0) return `${style.green(style.bold('No drift.'))} The kernel matches lab '${lab}'.\n`;
  const out = [style.bold(`Drift in lab '${lab}': what changed in the kernel outside topo`), ''];
  for (const i of items) {
    if (i.kind === 'missing') out.push(`  ${style.red('missing')}     ${i.resource}: the file wants it, the kernel has nothing`);
    else if (i.kind === 'unexpected') out.push(`  ${style.yellow('unexpected')}  ${i.resource}: owned by the lab, not in the file`);
    else out.push(`  ${style.yellow('changed')}     ${i.resource}: ${i.attribute}: the file wants ${fmt(i.fileWants)}, the kernel has ${fmt(i.kernelHas)}`);
  }
  out.push('', `${items.length} drifted item${items.length === 1 ? '' : 's'}. \`topo apply\` repairs ${items.length === 1 ? 'it' : 'them'}; \`topo plan\` shows how.`);
  return out.join('\n') + '\n';
}

export function renderLabs(labs: readonly LabCount[]): string {
  if (labs.length === 0) return 'No labs on this machine.\n';
  return table([['LAB', 'NAMESPACES', 'LINKS'], ...labs.map((l) => [l.lab, String(l.namespaces), String(l.links)])]).join('\n') + '\n';
}
