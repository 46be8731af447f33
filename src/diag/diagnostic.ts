/** A position in a lab file, 1-based, as editors show it. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * A problem with user input. Diagnostics are values, not exceptions, so that every problem in a
 * file is reported at once, sorted by position, before anything touches the kernel.
 */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  /** SCREAMING_SNAKE, stable: tests and scripts match on it. */
  readonly code: string;
  /** One line, no trailing period. */
  readonly message: string;
  /** What to do about it, when we know. */
  readonly hint?: string;
  readonly pos?: SourcePos;
  /** Other places involved, e.g. the first definition of a duplicate. */
  readonly related?: SourcePos;
}

export function error(code: string, message: string, pos?: SourcePos, hint?: string, related?: SourcePos): Diagnostic {
  return {
    severity: 'error',
    code,
    message,
    ...(pos ? { pos } : {}),
    ...(hint ? { hint } : {}),
    ...(related ? { related } : {}),
  };
}

export function warning(code: string, message: string, pos?: SourcePos, hint?: string, related?: SourcePos): Diagnostic {
  return { ...error(code, message, pos, hint, related), severity: 'warning' };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

export function formatPos(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/** Sorts by position (unpositioned first), then code, so output and golden files are stable. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.pos?.line ?? 0) - (b.pos?.line ?? 0) ||
      (a.pos?.col ?? 0) - (b.pos?.col ?? 0) ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
