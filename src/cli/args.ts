import { parseArgs } from 'node:util';
import { parseDuration } from '../lock/lock.js';

export type CommandName = 'validate' | 'plan' | 'apply' | 'destroy' | 'show' | 'drift' | 'ls' | 'doctor';
export const COMMANDS: readonly CommandName[] = ['validate', 'plan', 'apply', 'destroy', 'show', 'drift', 'ls', 'doctor'];

export interface CommandOptions {
  readonly command: CommandName | 'help' | 'version';
  /** The lab file (or, for apply, possibly a saved plan). */
  readonly file: string;
  readonly autoApprove: boolean;
  readonly noColor: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
  readonly json: boolean;
  readonly detailedExitcode: boolean;
  readonly destroy: boolean;
  readonly out?: string;
  readonly lab?: string;
  readonly lockTimeoutMs: number;
  /** For `help <command>`. */
  readonly topic?: string;
}

/** Which command takes which flag: anything else is a usage error, not silently ignored. */
const ALLOWED: Record<string, readonly CommandName[]> = {
  'auto-approve': ['apply', 'destroy'],
  json: ['plan', 'apply', 'destroy', 'show', 'drift', 'ls'],
  'detailed-exitcode': ['plan', 'drift'],
  out: ['plan'],
  destroy: ['plan'],
  lab: ['destroy'],
  'lock-timeout': ['apply', 'destroy'],
};

/** argv → options, or a usage error message. Pure. */
export function parseCommandLine(argv: readonly string[]): CommandOptions | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'auto-approve': { type: 'boolean', short: 'y' },
        'no-color': { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        json: { type: 'boolean' },
        'detailed-exitcode': { type: 'boolean' },
        out: { type: 'string' },
        destroy: { type: 'boolean' },
        lab: { type: 'string' },
        'lock-timeout': { type: 'string' },
      },
    });
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
  const { values: v, positionals } = parsed;
  const base = {
    autoApprove: v['auto-approve'] ?? false,
    noColor: v['no-color'] ?? false,
    verbose: v.verbose ?? false,
    help: v.help ?? false,
    json: v.json ?? false,
    detailedExitcode: v['detailed-exitcode'] ?? false,
    destroy: v.destroy ?? false,
    lockTimeoutMs: 0,
    ...(v.out !== undefined ? { out: v.out } : {}),
    ...(v.lab !== undefined ? { lab: v.lab } : {}),
  };
  if (v.version) return { ...base, command: 'version', file: '' };
  const [cmd, ...rest] = positionals;
  if (cmd === undefined) return { ...base, command: 'help', file: '' };
  if (cmd === 'help') return { ...base, command: 'help', file: '', ...(rest[0] ? { topic: rest[0] } : {}) };
  if (!(COMMANDS as readonly string[]).includes(cmd)) return { error: `unknown command '${cmd}'` };
  const command = cmd as CommandName;
  for (const [flag, cmds] of Object.entries(ALLOWED)) {
    if ((v as Record<string, unknown>)[flag] !== undefined && !cmds.includes(command)) return { error: `--${flag} does not apply to ${command}` };
  }
  if (command === 'ls' && rest.length > 0) return { error: 'ls takes no file: it lists every lab on this machine' };
  if (rest.length > 1) return { error: `${command} takes one file, got ${rest.length}` };
  if (v.lab !== undefined && rest.length > 0) return { error: 'give either a lab file or --lab NAME, not both' };
  if (v.lab !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v.lab)) return { error: `invalid lab name '${v.lab}'` };
  let lockTimeoutMs = 0;
  if (v['lock-timeout'] !== undefined) {
    const ms = parseDuration(v['lock-timeout']);
    if (ms === undefined) return { error: `--lock-timeout takes a duration such as 30s, 2m or 500ms, not '${v['lock-timeout']}'` };
    lockTimeoutMs = ms;
  }
  return { ...base, lockTimeoutMs, command, file: rest[0] ?? 'lab.yaml' };
}
