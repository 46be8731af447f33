import { describe } from '../model/describe.js';
import { execute, type ApplyResult } from '../apply/executor.js';
import { verify } from '../apply/verify.js';
import { loadLab } from '../config/load-lab.js';
import type { Driver } from '../driver/driver.js';
import { TopoError, InputError } from '../diag/errors.js';
import { readLive } from '../live/read.js';
import { emptyLab, plan as makePlan } from '../plan/planner.js';
import { summarize, type Plan } from '../plan/types.js';
import { renderPlan } from '../render/plan-text.js';
import type { Style } from '../render/style.js';
import type { CommandOptions } from './args.js';
import { confirm } from './confirm.js';
import { requirePrivileges } from './preflight.js';

/** What a command needs from the outside world; main.ts wires the real ones. */
export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly style: Style;
  readonly errStyle: Style;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly driver: () => Driver;
  /** True once the user pressed Ctrl-C. */
  readonly interrupted: () => boolean;
}

export async function runValidate(o: CommandOptions, io: Io): Promise<number> {
  const { topology } = loadLab(o.file);
  const counts = new Map<string, number>();
  for (const r of topology.resources.values()) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  const plural: Record<string, string> = { netns: 'namespaces', address: 'addresses' };
  const parts = [...counts].map(([k, n]) => `${n} ${n === 1 ? k : plural[k] ?? `${k}s`}`);
  io.out(`${io.style.green('Valid.')} ${o.file}: lab '${topology.lab}' with ${parts.join(', ')}.\n`);
  return 0;
}

/** Loads the lab, reads the kernel and plans. Conflicts with foreign objects are input errors. */
async function planFor(o: CommandOptions, io: Io, mode: Plan['mode']) {
  const { topology, text } = loadLab(o.file);
  requirePrivileges(o.command);
  const driver = io.driver();
  const live = await readLive(driver, topology);
  const { plan, conflicts } = makePlan(mode === 'destroy' ? emptyLab(topology.lab) : topology, live, mode);
  if (conflicts.length > 0) throw new InputError(conflicts, text);
  return { topology, plan, driver };
}

export async function runPlan(o: CommandOptions, io: Io): Promise<number> {
  const { plan } = await planFor(o, io, 'apply');
  io.out(renderPlan(plan, io.style));
  return 0;
}

export async function runApply(o: CommandOptions, io: Io): Promise<number> {
  return applyLike(o, io, 'apply');
}

export async function runDestroy(o: CommandOptions, io: Io): Promise<number> {
  return applyLike(o, io, 'destroy');
}

async function applyLike(o: CommandOptions, io: Io, mode: Plan['mode']): Promise<number> {
  const { topology, plan, driver } = await planFor(o, io, mode);
  const verb = mode === 'apply' ? 'Apply' : 'Destroy';
  if (plan.changes.length === 0) {
    io.out(mode === 'apply' ? renderPlan(plan, io.style) : `${io.style.green(io.style.bold('No changes.'))} Nothing of lab '${plan.lab}' exists.\n`);
    return 0;
  }
  io.out(renderPlan(plan, io.style));
  const question =
    mode === 'apply'
      ? `\nDo you want to perform these actions on lab '${plan.lab}'?`
      : `\nDo you really want to destroy everything lab '${plan.lab}' owns?`;
  if (!(await confirm(question, { autoApprove: o.autoApprove, input: io.stdin, output: io.stdout }))) {
    io.err(`${verb} cancelled; nothing was changed.\n`);
    return 1;
  }
  const total = plan.steps.length;
  let done = 0;
  const result = await execute(plan, driver, {
    onStep: (_i, c, phase) => {
      done++;
      const r = (phase === 'destroy' ? c.before : c.after)!;
      const what = phase === 'destroy' ? 'destroyed' : c.action === 'update' ? 'updated' : 'created';
      io.err(io.errStyle.dim(`[${String(done).padStart(String(total).length)}/${total}] `) + `${what} ${describe(r)}\n`);
    },
    shouldStop: io.interrupted,
  });
  if (result.failure || result.interrupted) {
    reportPartial(plan, result, io);
    return 1;
  }
  if (result.lingering.length > 0) {
    throw new TopoError(
      `namespace teardown is incomplete: ${result.lingering.join(', ')} still exist${result.lingering.length === 1 ? 's' : ''}`,
      'system',
      'a process is probably holding the namespace (for example a shell started with `ip netns exec`); end it, then run the command again',
    );
  }
  await verify(mode === 'destroy' ? emptyLab(topology.lab) : topology, driver);
  const s = summarize(plan.changes);
  io.out(`\n${io.style.green(io.style.bold(`${verb} complete:`))} ${mode === 'apply' ? `${s.add} added, ${s.change} changed, ` : ''}${s.destroy} destroyed.\n`);
  return 0;
}

/** Honest partial failure: what ran, what failed (in plain words), what did not run. */
function reportPartial(plan: Plan, r: ApplyResult, io: Io) {
  const s = io.errStyle;
  const byId = new Map(plan.changes.map((c) => [c.id, c]));
  const label = (i: number) => {
    const st = plan.steps[i]!;
    const c = byId.get(st.id)!;
    const res = (st.phase === 'destroy' ? c.before : c.after)!;
    return `${st.phase === 'destroy' ? 'destroy' : c.action} ${describe(res)}`;
  };
  const group = (k: ApplyResult['status'][number]) => r.status.map((x, i) => (x === k ? i : -1)).filter((i) => i >= 0);
  const lines: string[] = [];
  if (r.failure) {
    lines.push(`${s.red(s.bold('Error:'))} ${label(r.failure.step)} failed: ${r.failure.message}`, `  command: ${r.failure.command}`);
    if (r.failure.hint) lines.push(`  hint: ${r.failure.hint}`);
  } else {
    lines.push(`${s.yellow(s.bold('Interrupted.'))} The running commands finished; nothing further was started.`);
  }
  for (const [title, k] of [['Applied', 'applied'], ['Failed', 'failed'], ['Started, not finished', 'partial'], ['Not attempted', 'not-attempted']] as const) {
    const ids = group(k);
    if (k === 'partial' && ids.length === 0) continue;
    lines.push(`${title} (${ids.length}):`);
    for (const i of ids) lines.push(`  ${label(i)}`);
  }
  lines.push('Nothing was rolled back. Run `topo apply` again to resume: the plan is recomputed from the kernel.');
  io.err(lines.join('\n') + '\n');
}
