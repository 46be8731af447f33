import { formatPos, sortDiagnostics, type Diagnostic } from '../diag/diagnostic.js';
import type { Style } from './style.js';

const MAX_SHOWN = 50;

/**
 * `lab.yaml:14:9: error[UNKNOWN_NODE]: ...`, then the source line with a caret, then the hint.
 * All diagnostics, sorted by position.
 */
export function renderDiagnostics(diags: readonly Diagnostic[], style: Style, sourceText?: string): string {
  const lines = sourceText?.split('\n');
  const out: string[] = [];
  const sorted = sortDiagnostics(diags);
  for (const d of sorted.slice(0, MAX_SHOWN)) {
    const where = d.pos ? `${formatPos(d.pos)}: ` : '';
    const sev = d.severity === 'error' ? style.red(`error[${d.code}]`) : style.yellow(`warning[${d.code}]`);
    out.push(`${style.bold(where)}${sev}: ${d.message}`);
    const src = d.pos ? lines?.[d.pos.line - 1] : undefined;
    if (src !== undefined && d.pos) {
      const n = String(d.pos.line);
      const { text, caret } = window(src.replace(/\t/g, ' '), d.pos.col - 1);
      out.push(style.dim(`  ${n} | `) + text);
      out.push(style.dim(`  ${' '.repeat(n.length)} | `) + ' '.repeat(caret) + style.red('^'));
    }
    if (d.related) out.push(`  note: first defined at ${formatPos(d.related)}`);
    if (d.hint) out.push(`  hint: ${d.hint}`);
  }
  if (sorted.length > MAX_SHOWN) out.push(`... and ${sorted.length - MAX_SHOWN} more`);
  const n = diags.filter((d) => d.severity === 'error').length;
  if (n > 0) out.push('', `${n} error${n === 1 ? '' : 's'}; nothing was changed.`);
  else if (out.length > 0) out.push('');
  return out.join('\n') + '\n';
}

/** At most ~100 columns of a source line, centred on the caret, so a minified file stays readable. */
function window(line: string, col: number, width = 100): { text: string; caret: number } {
  if (line.length <= width) return { text: line, caret: Math.max(0, col) };
  const start = Math.max(0, Math.min(col - width / 2, line.length - width));
  const text = (start > 0 ? '…' : '') + line.slice(start, start + width) + (start + width < line.length ? '…' : '');
  return { text, caret: col - start + (start > 0 ? 1 : 0) };
}
