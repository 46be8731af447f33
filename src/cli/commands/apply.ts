import { readFileSync } from 'node:fs';
import { execute, parseFault, type ApplyResult, type Fault } from '../../apply/executor.js';
import { goneByName, touchedBy, verify } from '../../apply/verify.js';
import type { LiveState } from '../../live/normalize.js';
import { parseSavedPlan } from '../../config/load-plan.js';
import { TopoError } from '../../diag/errors.js';
import type { Driver } from '../../driver/driver.js';
import { nsidsAhead, readLive, readLiveForDestroy, recordNamespaces, type HeadStart } from '../../live/read.js';
import { clearJournal, recordIntent } from '../../lock/journal.js';
import { clearRecord } from '../../lock/netns-record.js';
import { acquireLock } from '../../lock/lock.js';
import { describe } from '../../model/describe.js';
import { emptyLab } from '../../plan/planner.js';
import { stateDigest, type SavedPlan } from '../../plan/saved.js';
import { sha256 } from '../../util/sha256.js';
import { summarize, type Plan } from '../../plan/types.js';
import { applyDoc, toJson, type Outcome } from '../../render/json.js';
import { renderPlan } from '../../render/plan-text.js';
import type { CommandOptions } from '../args.js';
import { confirm } from '../confirm.js';
import type { Io } from '../io.js';
import { desiredFrom, planAgainstKernel, type Desired } from '../pipeline.js';
import { linkKinds, netfilterCheck, NSID_HINT, type Check } from './doctor.js';
import { knownKinds, rememberKinds } from '../../lock/kinds-cache.js';
import { requirePrivileges } from '../preflight.js';
import { headStartAllowed, takeEarlyDestroy } from '../early-destroy.js';

/** `topo apply FILE` where FILE is a lab file or a saved plan, and `topo destroy`. */
export async function runApply(o: CommandOptions, io: Io): Promise<number> {
  const saved = o.command === 'apply' ? savedPlanAt(o.file) : undefined;
  if (saved) return applySaved(saved, o, io);
  return applyFresh(await desiredFrom(o.file, o.lab, io), o.command === 'destroy' ? 'destroy' : 'apply', o, io);
}

function savedPlanAt(file: string): SavedPlan | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // not readable: let the lab loader say so properly
  }
  return parseSavedPlan(file, text);
}

async function applyFresh(desired: Desired, mode: Plan['mode'], o: CommandOptions, io: Io): Promise<number> {
  requirePrivileges(o.command);
  // destroy -y's head start, where the bin began it (cli/early-destroy.ts), holds the lock already.
  const early = headStartAllowed(o) ? await takeEarlyDestroy(o.file, desired.topology.lab) : undefined;
  // The lock comes before the read: a plan made from a state another run is changing is worthless.
  const release = early?.release ?? (await acquireLock(desired.topology.lab, `topo ${o.command}`, o.lockTimeoutMs));
  let headStart: HeadStart | undefined;
  try {
    const driver = io.driver();
    // The firewall check needs nothing from the plan. Its warning belongs before the question,
    // so it runs while the kernel is read. With -y nobody is asked: it waits until the first wave
    // runs, and warns after the last. Its two processes cost Node 4-9 ms of main thread each
    // (--cpu-prof), ahead of the first batch otherwise.
    const late = mode === 'apply' && o.autoApprove;
    const nf = mode === 'apply' && !late ? settled(netfilterCheck(desired.topology, driver)) : undefined;
    // destroy -y: the namespaces the lab's record proves its own go while the plan is made (live/read.ts, HeadStart).
    const made = await planAgainstKernel(desired, driver, mode, undefined, { headStart: headStartAllowed(o), ...(early ? { early } : {}) });
    const { plan, live } = made;
    headStart = made.headStart;
    if (mode === 'apply') await preflight(desired, plan, driver, io, nf);
    const show = o.json ? io.err : io.out;
    if (plan.changes.length === 0) {
      // Nothing to do, and the read just showed the lab's namespaces as its own: record them.
      if (mode === 'apply') recordNamespaces(driver, desired.topology);
      show(mode === 'apply' ? renderPlan(plan, o.json ? io.errStyle : io.style) : `No changes. Nothing of lab '${plan.lab}' exists.\n`);
      if (o.json) io.out(toJson(applyDoc(plan, 'no-changes')));
      return 0;
    }
    show(renderPlan(plan, o.json ? io.errStyle : io.style));
    const question = mode === 'apply' ? `\nDo you want to perform these actions on lab '${plan.lab}'?` : `\nDo you really want to destroy everything lab '${plan.lab}' owns?`;
    if (!(await confirm(question, { autoApprove: o.autoApprove, input: () => io.stdin, output: o.json ? io.stderr : io.stdout }))) {
      io.err(`${mode === 'apply' ? 'Apply' : 'Destroy'} cancelled; nothing was changed.\n`);
      if (o.json) io.out(toJson(applyDoc(plan, 'cancelled')));
      return 1;
    }
    return await run(plan, desired, driver, o, io, live, late ? () => netfilterCheck(desired.topology, driver) : undefined, headStart);
  } finally {
    await headStart?.ran.catch(() => undefined); // its `ip` ends before the lock goes
    release();
  }
}

/**
 * doctor's checks that need the kernel, before anything changes: link kinds (those this boot
 * already made are not probed again: lock/kinds-cache.ts), then the firewall.
 */
async function preflight(desired: Desired, plan: Plan, driver: Driver, io: Io, firewall: Promise<() => Check | undefined> | undefined): Promise<void> {
  const creates = plan.changes.some((c) => c.action === 'create' || c.action === 'replace');
  const makesNetns = plan.changes.some((c) => c.kind === 'netns' && (c.action === 'create' || c.action === 'replace'));
  const known = knownKinds();
  const kinds = creates ? [...linkKinds(desired.topology), ...(makesNetns ? (['nsid'] as const) : [])].filter((k) => !known.has(k)) : [];
  const failed = kinds.length > 0 ? await driver.probeKinds(kinds) : [];
  if (failed.length > 0) throw probeError(failed);
  rememberKinds(kinds);
  if (firewall) warnFirewall(io, (await firewall)());
}

/** What a failed probe means, with what to do; nothing was changed yet. */
export function probeError(failed: readonly { kind: string; error: string }[]): TopoError {
  const links = failed.filter((f) => f.kind !== 'nsid');
  if (links.length > 0) {
    return new TopoError(`this kernel cannot create ${links.map((f) => `${f.kind} links (${f.error})`).join(' or ')}; nothing was changed`, 'system', `load the module (modprobe ${links.map((f) => f.kind).join(' ')}); \`topo doctor\` checks the machine`);
  }
  const nsid = failed.find((f) => f.kind === 'nsid')!;
  return new TopoError(
    `ip cannot give a new namespace an id in the host (ip netns set NAME auto: ${nsid.error}); nothing was changed`,
    'system',
    NSID_HINT,
  );
}

function warnFirewall(io: Io, nf: Check | undefined): void {
  if (nf?.status === 'warn') io.err(`${io.errStyle.yellow('warning:')} ${nf.detail}\n  fix: ${nf.hint}\n`);
}

/** A promise started early whose outcome (value or error) is taken later, where it belongs. */
function settled<T>(p: Promise<T>): Promise<() => T> {
  return p.then(
    (v) => () => v,
    (e: unknown) => () => {
      throw e;
    },
  );
}

/** A saved plan runs exactly as saved, and only if neither the lab file nor the kernel moved since. */
async function applySaved(saved: SavedPlan, o: CommandOptions, io: Io): Promise<number> {
  const desired = saved.origin.labFile !== undefined ? await desiredFrom(saved.origin.labFile) : { topology: emptyLab(saved.lab), tests: [] };
  if (desired.text !== undefined && sha256(desired.text) !== saved.origin.labSha256) {
    throw new TopoError(`saved plan ${o.file} is stale: the lab file ${saved.origin.labFile} changed since the plan was made`, 'user', 'run `topo plan --out FILE` again, review it, and apply the new plan');
  }
  requirePrivileges('apply');
  const release = await acquireLock(saved.lab, 'topo apply (saved plan)', o.lockTimeoutMs);
  try {
    const driver = io.driver();
    const live = saved.mode === 'destroy' ? (await readLiveForDestroy(driver, desired.topology)).live : await readLive(driver, desired.topology);
    if (stateDigest(desired.topology, live) !== saved.origin.stateSha256) {
      throw new TopoError(`saved plan ${o.file} is stale: the kernel changed since the plan was made`, 'user', 'run `topo plan --out FILE` again, review it, and apply the new plan; nothing was changed');
    }
    (o.json ? io.err : io.out)(renderPlan(saved, o.json ? io.errStyle : io.style));
    if (saved.changes.length === 0) {
      if (o.json) io.out(toJson(applyDoc(saved, 'no-changes')));
      return 0;
    }
    return await run(saved, desired, driver, o, io, live);
  } finally {
    release();
  }
}

async function run(plan: Plan, desired: Desired, driver: Driver, o: CommandOptions, io: Io, before: LiveState, firewall?: () => Promise<Check | undefined>, headStart?: HeadStart): Promise<number> {
  recordIntent(plan);
  const total = plan.steps.length;
  let done = 0;
  // A wave's steps finish together: their lines go out in one write, not one each (1,313 writes
  // were ~10 ms of a 200-namespace mesh's apply), before anything else can be written.
  const pending: string[] = [];
  const flush = () => {
    if (pending.length > 0) io.err(pending.splice(0).join(''));
  };
  let nf: Promise<() => Check | undefined> | undefined;
  let ahead: ReturnType<typeof nsidsAhead>;
  const result = await execute(plan, driver, {
    onStep: (_i, c, phase) => {
      done++;
      const r = (phase === 'destroy' ? c.before : c.after)!;
      const what = phase === 'destroy' ? 'destroyed' : c.action === 'update' ? 'updated' : 'created';
      pending.push(io.errStyle.dim(`[${String(done).padStart(String(total).length)}/${total}] `) + `${what} ${describe(r)}\n`);
      if (pending.length === 1) queueMicrotask(flush);
    },
    shouldStop: io.interrupted,
    onWaveStarted: (wave, phase) => {
      // The late firewall check (apply -y) starts once the first wave's processes have.
      nf ??= firewall && settled(firewall());
      // Once the first create wave (the host's: namespaces and veths) is done, verification's
      // questions to the host about the lab's pairs can be asked while the rest runs.
      if (phase === 'create' && wave === 1 && plan.mode !== 'destroy') ahead = nsidsAhead(driver, desired.topology, true);
    },
    ...faultHook(flush),
    ...(headStart ? { headStart } : {}),
  });
  flush();
  nf ??= firewall && settled(firewall());
  if (nf) warnFirewall(io, (await nf)());
  const finish = (outcome: Outcome) => {
    if (o.json) io.out(toJson(applyDoc(plan, outcome, result.status, result.failure)));
  };
  if (result.failure || result.interrupted) {
    reportPartial(plan, result, io);
    finish(result.failure ? 'failed' : 'interrupted');
    return 1;
  }
  if (result.lingering.length > 0) {
    finish('failed');
    const held = result.holders.map((h) => `netns ${h.netns} is still held by pid ${h.pid} (${h.command})`);
    throw new TopoError(
      `namespace teardown is incomplete: ${result.lingering.join(', ')} still exist${result.lingering.length === 1 ? 's' : ''}${held.length ? `; ${held.join('; ')}` : ''}`,
      'system',
      held.length
        ? `end ${held.length === 1 ? 'that process' : 'those processes'} (a shell started with \`ip netns exec\`?); the namespace and its interfaces then vanish by themselves`
        : 'a process is probably holding the namespace (for example a shell started with `ip netns exec`); end it, then run the command again',
    );
  }
  // What apply changed is read again; so is any interface still in IPv6 DAD before it started.
  const touched = touchedBy(plan);
  for (const t of before.tentative) touched?.add(t.slice(0, t.indexOf(':')));
  const remade = new Set(plan.changes.filter((c) => c.kind === 'netns' && c.action !== 'update').map((c) => c.id.slice('netns/'.length)));
  if (!(plan.mode === 'destroy' && (await goneByName(plan, driver)))) {
    await verify(plan.mode === 'destroy' ? emptyLab(plan.lab) : desired.topology, driver, touched ? { scope: { before: before.source, touched, observed: result.observed, remade }, ...(ahead ? { ahead } : {}) } : {});
  }
  clearJournal(plan.lab);
  if (plan.mode === 'destroy') clearRecord(plan.lab);
  else recordNamespaces(driver, desired.topology);
  const s = summarize(plan.changes);
  const verb = plan.mode === 'apply' ? 'Apply' : 'Destroy';
  (o.json ? io.err : io.out)(`\n${io.style.green(io.style.bold(`${verb} complete:`))} ${plan.mode === 'apply' ? `${s.add} added, ${s.change} changed, ` : ''}${s.destroy} destroyed.\n`);
  finish('applied');
  return 0;
}

/**
 * TOPO_FAULT: a testing hook that kills topo or fails a command at a chosen point (see
 * parseFault). `beforeKill` writes out what topo has to say first (its pending progress lines).
 */
function faultHook(beforeKill: () => void): { fault?: Fault & { kill: () => void } } {
  const f = parseFault(process.env.TOPO_FAULT);
  const kill = () => {
    beforeKill();
    process.kill(process.pid, 'SIGKILL');
  };
  return f ? { fault: { ...f, kill } } : {};
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
  lines.push(`Nothing was rolled back. Run \`topo ${plan.mode === 'destroy' ? 'destroy' : 'apply'}\` again to resume: the plan is recomputed from the kernel.`);
  io.err(lines.join('\n') + '\n');
}
