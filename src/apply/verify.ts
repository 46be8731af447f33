import type { Driver } from '../driver/driver.js';
import { VerificationError } from '../diag/errors.js';
import { normalize } from '../live/normalize.js';
import type { Topology } from '../model/resources.js';
import { plan } from '../plan/planner.js';
import { describe } from './compile.js';
import { sysctlRequest } from '../live/read.js';

/**
 * Re-reads the kernel and re-plans until the plan is empty, with bounded retries for what the
 * kernel finishes asynchronously. A difference left over, or an IPv6 DAD failure, is an error that
 * names what differs.
 */
export async function verify(desired: Topology, driver: Driver, opts: { attempts?: number; delayMs?: number } = {}): Promise<void> {
  const attempts = opts.attempts ?? 6;
  let residual: string[] = [];
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, (opts.delayMs ?? 50) * 2 ** (i - 1)));
    const live = normalize(await driver.snapshot(sysctlRequest(desired)), desired.lab);
    if (live.problems.length > 0) throw new VerificationError(`verification failed: ${live.problems.join('; ')}`, [...live.problems]);
    const { plan: p } = plan(desired, live);
    residual = p.changes.map((c) => {
      const r = (c.after ?? c.before)!;
      const attrs = c.attrs?.map((a) => `${a.path} is ${String(a.before)}, want ${String(a.after)}`).join(', ');
      return `${c.action} ${describe(r)}${attrs ? ` (${attrs})` : ''}`;
    });
    if (residual.length === 0) return;
  }
  throw new VerificationError(`verification failed: the kernel still differs from the file after apply:\n  ${residual.join('\n  ')}`, residual);
}
