import { writeFileSync } from 'node:fs';
import { renderPlan } from '../../render/plan-text.js';
import { planDoc, toJson } from '../../render/json.js';
import type { CommandOptions } from '../args.js';
import type { Io } from '../io.js';
import { desiredFrom, planAgainstKernel } from '../pipeline.js';
import { requirePrivileges } from '../preflight.js';
import { netfilterCheck } from './doctor.js';

export async function runPlan(o: CommandOptions, io: Io): Promise<number> {
  const desired = await desiredFrom(o.file, undefined, io);
  requirePrivileges('plan');
  const driver = io.driver();
  // The firewall check runs while the kernel is read; its outcome is taken after the plan.
  const firewall = o.destroy ? undefined : netfilterCheck(desired.topology, driver);
  firewall?.catch(() => undefined);
  const { plan, origin } = await planAgainstKernel(desired, driver, o.destroy ? 'destroy' : 'apply', io.earlyRead);
  const nf = await firewall;
  if (nf?.status === 'warn') io.err(`${io.errStyle.yellow('warning:')} ${nf.detail}\n  fix: ${nf.hint}\n`);
  // The JSON document (with digests of the file and the state) only where it is used.
  const doc = o.out !== undefined || o.json ? planDoc(plan, origin()) : undefined;
  if (doc && o.out !== undefined) {
    writeFileSync(o.out, toJson(doc));
    io.err(`Saved the plan to ${o.out}. To apply exactly this plan: topo apply ${o.out}\n`);
  }
  io.out(doc && o.json ? toJson(doc) : renderPlan(plan, io.style));
  return o.detailedExitcode && plan.changes.length > 0 ? 2 : 0;
}
