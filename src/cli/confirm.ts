import { createRequire } from 'node:module';
import { TopoError } from '../diag/errors.js';

/** Terraform's rule: only the word "yes" approves. Without a TTY, refuse instead of hanging. */
export async function confirm(question: string, opts: { autoApprove: boolean; input: () => NodeJS.ReadStream; output: NodeJS.WritableStream }): Promise<boolean> {
  if (opts.autoApprove) return true;
  const input = opts.input();
  if (!input.isTTY) {
    throw new TopoError('refusing to change the kernel without confirmation: standard input is not a terminal', 'user', 'pass -y (--auto-approve) to approve non-interactively');
  }
  // Loaded only to ask (~3 ms): `apply -y` never does. A require, not import(): the bundle runs
  // as a vm.Script, which has no loader for import() (bin.ts).
  const { createInterface } = createRequire(import.meta.url)('node:readline/promises') as typeof import('node:readline/promises');
  const rl = createInterface({ input, output: opts.output });
  try {
    const answer = await rl.question(`${question}\n  Only 'yes' will be accepted.\n\n  Enter a value: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
