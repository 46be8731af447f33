import { writeFileSync } from 'node:fs';
import { renderPlan } from '../../render/plan-text.js';
import { planDoc, toJson } from '../../render/json.js';
import type { CommandOptions } from '../args.js';
import type { Io } from '../io.js';
import { desiredFrom, planAgainstKernel } from '../pipeline.js';
import { requirePrivileges } from '../preflight.js';

export async function runPlan(o: CommandOptions, io: Io): Promise<number> {
  const desired = desiredFrom(o.file);
  requirePrivileges('plan');
  const { plan, origin } = await planAgainstKernel(desired, io.driver(), o.destroy ? 'destroy' : 'apply');
  const doc = planDoc(plan, origin);
  if (o.out !== undefined) {
    writeFileSync(o.out, toJson(doc));
    io.err(`Saved the plan to ${o.out}. To apply exactly this plan: topo apply ${o.out}\n`);
  }
  io.out(o.json ? toJson(doc) : renderPlan(plan, io.style));
  return o.detailedExitcode && plan.changes.length > 0 ? 2 : 0;
}
