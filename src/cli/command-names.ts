/** topo's commands: for the argument parser, and for the bin, which names a code cache after one. */
export type CommandName = 'validate' | 'plan' | 'apply' | 'destroy' | 'show' | 'drift' | 'ls' | 'doctor' | 'test' | 'exec' | 'sandbox';
export const COMMANDS: readonly CommandName[] = ['validate', 'plan', 'apply', 'destroy', 'show', 'drift', 'ls', 'doctor', 'test', 'exec', 'sandbox'];
