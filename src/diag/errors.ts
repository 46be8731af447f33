import type { Diagnostic } from './diagnostic.js';

/**
 * Base of every error topo raises on purpose. `source` tells the CLI how to present it: user and
 * system errors print their message; internal ones print a stack and ask for a bug report.
 */
export class TopoError extends Error {
  constructor(
    message: string,
    readonly source: 'user' | 'system' | 'internal',
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The lab file (or the command line) is wrong. Carries every diagnostic found. */
export class InputError extends TopoError {
  constructor(readonly diagnostics: readonly Diagnostic[], readonly sourceText?: string) {
    super(`${diagnostics.length} problem(s) in the input`, 'user');
  }
}

/** An `ip` (or sysctl) invocation failed. */
export class IpCommandError extends TopoError {
  constructor(
    message: string,
    readonly argv: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
    hint?: string,
  ) {
    super(message, 'system', hint);
  }
}

/** topo lacks the privileges it needs. */
export class PermissionError extends TopoError {
  constructor(message: string, hint: string) {
    super(message, 'system', hint);
  }
}

/** After apply, the kernel still differs from the file. */
export class VerificationError extends TopoError {
  constructor(message: string, readonly residual: readonly string[]) {
    super(message, 'system', 'run `topo plan` to see the difference; `topo apply` again may converge');
  }
}

/** A broken invariant: a bug in topo. */
export class InternalError extends TopoError {
  constructor(message: string) {
    super(message, 'internal');
  }
}
