import { formatPos, sortDiagnostics, type Diagnostic } from '../diag/diagnostic.js';
import type { Style } from './style.js';

/**
 * `lab.yaml:14:9: error[UNKNOWN_NODE]: ...`, then the source line with a caret, then the hint.
 * All diagnostics, sorted by position.
 */
export function renderDiagnostics(diags: readonly Diagnostic[], style: Style, sourceText?: string): string {
  const lines = sourceText?.split('\n');
  const out: string[] = [];
  for (const d of sortDiagnostics(diags)) {
    const where = d.pos ? `${formatPos(d.pos)}: ` : '';
    const sev = d.severity === 'error' ? style.red(`error[${d.code}]`) : style.yellow(`warning[${d.code}]`);
    out.push(`${style.bold(where)}${sev}: ${d.message}`);
    const src = d.pos ? lines?.[d.pos.line - 1] : undefined;
    if (src !== undefined && d.pos) {
      const n = String(d.pos.line);
      out.push(style.dim(`  ${n} | `) + src.replace(/\t/g, ' '));
      out.push(style.dim(`  ${' '.repeat(n.length)} | `) + ' '.repeat(Math.max(0, d.pos.col - 1)) + style.red('^'));
    }
    if (d.related) out.push(`  note: first defined at ${formatPos(d.related)}`);
    if (d.hint) out.push(`  hint: ${d.hint}`);
  }
  const n = diags.filter((d) => d.severity === 'error').length;
  if (n > 0) out.push('', `${n} error${n === 1 ? '' : 's'}; nothing was changed.`);
  return out.join('\n') + '\n';
}
