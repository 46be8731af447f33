import { parseArgs } from 'node:util';
import { parseDuration } from '../lock/lock.js';
import { COMMANDS, type CommandName } from './command-names.js';

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
  /** exec: the node to run in (absent with --all). */
  readonly node?: string;
  readonly all: boolean;
  /** exec and sandbox: the command after `--`, as argv. */
  readonly run: readonly string[];
  readonly sandbox: boolean;
  readonly junit?: string;
}

/** Which command takes which flag: anything else is a usage error, not silently ignored. */
const ALLOWED: Record<string, readonly CommandName[]> = {
  'auto-approve': ['apply', 'destroy'],
  json: ['plan', 'apply', 'destroy', 'show', 'drift', 'ls', 'test'],
  junit: ['test'],
  sandbox: ['test'],
  all: ['exec'],
  'detailed-exitcode': ['plan', 'drift'],
  out: ['plan'],
  destroy: ['plan'],
  lab: ['destroy'],
  'lock-timeout': ['apply', 'destroy'],
};

/** argv → options, or a usage error message. Pure. */
export function parseCommandLine(argv: readonly string[]): CommandOptions | { error: string } {
  // Everything after the first `--` is a command to run (exec, sandbox), never topo's own options.
  const dash = argv.indexOf('--');
  const run = dash >= 0 ? argv.slice(dash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: dash >= 0 ? argv.slice(0, dash) : [...argv],
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
        junit: { type: 'string' },
        sandbox: { type: 'boolean' },
        all: { type: 'boolean' },
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
    all: v.all ?? false,
    sandbox: v.sandbox ?? false,
    run,
    ...(v.junit !== undefined ? { junit: v.junit } : {}),
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
  if (dash >= 0 && command !== 'exec' && command !== 'sandbox') return { error: `${command} takes no command after --` };
  if ((command === 'exec' || command === 'sandbox') && run.length === 0) {
    return { error: `${command} needs a command after --, e.g. topo ${command === 'exec' ? 'exec ns0 lab.yaml' : 'sandbox lab.yaml'} -- ${command === 'exec' ? 'ip -br addr' : 'bash'}` };
  }
  if (command === 'exec') {
    const [node, ...files] = v.all ? [undefined, ...rest] : rest;
    if (!v.all && node === undefined) return { error: 'exec needs a node (or --all), e.g. topo exec ns0 -- ip -br addr' };
    if (files.length > 1) return { error: `exec takes a node and one file, got ${rest.join(' ')}` };
    return { ...base, command, file: files[0] ?? 'lab.yaml', ...(node !== undefined ? { node } : {}) };
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
