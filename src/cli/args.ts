import { parseArgs } from 'node:util';

export type CommandName = 'validate' | 'plan' | 'apply' | 'destroy';
export const COMMANDS: readonly CommandName[] = ['validate', 'plan', 'apply', 'destroy'];

export interface CommandOptions {
  readonly command: CommandName | 'help' | 'version';
  readonly file: string;
  readonly autoApprove: boolean;
  readonly noColor: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
  /** For `help <command>`. */
  readonly topic?: string;
}

/** argv → options, or a usage error message. Pure. */
export function parseCommandLine(argv: readonly string[]): CommandOptions | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'auto-approve': { type: 'boolean', short: 'y', default: false },
        'no-color': { type: 'boolean', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
  const { values, positionals } = parsed;
  const base = { autoApprove: values['auto-approve']!, noColor: values['no-color']!, verbose: values.verbose!, help: values.help! };
  if (values.version) return { ...base, command: 'version', file: '' };
  const [cmd, ...rest] = positionals;
  if (cmd === undefined) return { ...base, command: 'help', file: '' };
  if (cmd === 'help') return { ...base, command: 'help', file: '', ...(rest[0] ? { topic: rest[0] } : {}) };
  if (!(COMMANDS as readonly string[]).includes(cmd)) return { error: `unknown command '${cmd}'` };
  if (rest.length > 1) return { error: `${cmd} takes one lab file, got ${rest.length}` };
  if (values['auto-approve'] && cmd !== 'apply' && cmd !== 'destroy') return { error: `--auto-approve applies only to apply and destroy` };
  return { ...base, command: cmd as CommandName, file: rest[0] ?? 'lab.yaml' };
}
