import type { Batch, BatchResult, Driver } from '../driver/driver.js';
import type { NsSnapshot } from '../live/snapshot.js';
import { explainIpError } from '../driver/classify.js';
import { HOST } from '../model/resources.js';
import type { Change, Plan } from '../plan/types.js';
import { compilePlan } from './compile.js';
import { schedule, type PlacedOp, type Wave } from './schedule.js';

/** `partial`: some of the step's commands ran, but not all (another step's failure stopped it). */
export type StepStatus = 'applied' | 'failed' | 'partial' | 'not-attempted';

export interface StepFailure {
  readonly step: number;
  readonly command: string;
  readonly message: string;
  readonly hint?: string;
}

export interface ApplyResult {
  readonly status: readonly StepStatus[];
  readonly failure?: StepFailure;
  /** Interfaces that should have vanished with a deleted namespace but did not. */
  readonly lingering: readonly string[];
  /** Processes still inside deleted namespaces, keeping them (and `lingering`) alive. */
  readonly holders: readonly { readonly netns: string; readonly pid: number; readonly command: string }[];
  /** Set when a stop was requested (Ctrl-C): the running wave finished, the rest was not started. */
  readonly interrupted: boolean;
  /** Namespaces read at the end of their last batch, when nothing changed them afterwards. */
  readonly observed: ReadonlyMap<string, NsSnapshot>;
}

export interface ExecuteHooks {
  /** A step finished: all its ops ran. */
  onStep?(index: number, change: Change, phase: 'destroy' | 'create'): void;
  /** Polled between waves: true stops before the next wave. */
  shouldStop?(): boolean;
  /** A wave's processes have started (and the next wave's are being prepared); waves count from 0 in each phase. */
  onWaveStarted?(wave: number, phase: 'destroy' | 'create'): void;
  /** How long to wait for asynchronous netns teardown (ms). */
  settleMs?: number;
  /** Fault injection for the crash-safety tests (TOPO_FAULT); see parseFault. */
  fault?: Fault & { kill: () => void };
  /**
   * Host lines that started before the plan was made (destroy -y's head start, live/read.ts):
   * they are the ops of some of its destroy steps, taken out of the waves and run first; `ids`
   * are their namespaces' identities from before.
   */
  headStart?: { readonly lines: readonly (readonly string[])[]; readonly ids: ReadonlyMap<string, number>; readonly ran: Promise<BatchResult> };
}

/**
 * A fault at a position in the run's ip commands, counted from 0 in execution order (waves,
 * then batches, then lines): `kill-after:N` runs exactly N commands and then kills topo with
 * SIGKILL; `fail-at:N` replaces command N with one the kernel rejects.
 */
export type Fault = { killAfter: number } | { failAt: number };

export function parseFault(text: string | undefined): Fault | undefined {
  const m = /^(kill-after|fail-at):(\d+)$/.exec(text ?? '');
  if (!m) return undefined;
  return m[1] === 'kill-after' ? { killAfter: Number(m[2]) } : { failAt: Number(m[2]) };
}

/**
 * Runs a plan: destroy waves, a wait for the kernel's asynchronous teardown, then create waves.
 * Each wave is one `ip -batch` per namespace, run in parallel. It stops after the first wave with
 * a failure and says exactly which steps ran, which failed and which were not attempted; since
 * plans are recomputed from the kernel, `topo apply` again resumes.
 */
export async function execute(plan: Plan, driver: Driver, hooks: ExecuteHooks = {}): Promise<ApplyResult> {
  const ops = compilePlan(plan);
  const { destroy, create } = schedule(plan, ops);
  const byId = new Map(plan.changes.map((c) => [c.id, c]));
  const remaining = ops.map((o) => o.length);
  const status: StepStatus[] = plan.steps.map(() => 'not-attempted');
  // Steps that compile to nothing (e.g. a sysctl's destroy half) are done by definition.
  remaining.forEach((n, i) => {
    if (n === 0) status[i] = 'applied';
  });
  let failure: StepFailure | undefined;
  let interrupted = false;

  /** A batch's outcome, op by op (`list`: its ops in line order; a hole is a line of no step). */
  const account = (ns: string, list: readonly (PlacedOp | undefined)[], r: BatchResult) => {
    if (r.notRun) return;
    if (r.state) observed.set(ns, r.state);
    // Without a line number (should not happen: lines are pre-validated) nothing in the batch is trusted.
    const failedAt = r.exitCode === 0 ? list.length : (r.failedLine ?? 1) - 1;
    const done = (o: PlacedOp) => {
      if (--remaining[o.step]! === 0 && status[o.step] !== 'failed') {
        status[o.step] = 'applied';
        const s = plan.steps[o.step]!;
        hooks.onStep?.(o.step, byId.get(s.id)!, s.phase);
      }
    };
    // Lines after the failing one that ran all the same (commands independent of each other).
    const alsoRan = new Map((r.alsoRan ?? []).map((x) => [x.line - 1, x.ok]));
    list.forEach((o, k) => {
      if (!o) return;
      if (k < failedAt || alsoRan.get(k) === true) {
        done(o);
      } else if (alsoRan.get(k) === false) {
        status[o.step] = 'failed';
      } else if (k === failedAt) {
        status[o.step] = 'failed';
        if (!failure) {
          const { message, hint } = explainIpError(r.stderr);
          failure = { step: o.step, command: `ip ${o.ns === HOST || o.args[0] === 'netns' ? '' : `-n ${o.ns} `}${o.args.join(' ')}`, message, ...(hint ? { hint } : {}) };
        }
      }
    });
  };

  // Verification comes for free for a namespace whose last batch nothing else follows: that
  // batch reads the namespace at its end, in the same process (no exec, no namespace switch).
  const readAfter = lastReads(create);
  const observed = new Map<string, NsSnapshot>();
  let opIndex = 0;
  const runWaves = async (waves: Wave[]): Promise<boolean> => {
    // Every wave's batches are known before the first runs (faults and reads included), so the
    // driver can prepare the next wave (its batch files and processes) while this one runs.
    const planned = waves.map((wave, w) => {
      let batches = [...wave.entries()];
      const first = opIndex;
      opIndex += batches.reduce((n, [, l]) => n + l.length, 0);
      const f = hooks.fault;
      let killAfterWave = false;
      if (f && 'failAt' in f && f.failAt >= first && f.failAt < opIndex) {
        let i = first;
        // A sysctl stays a sysctl (IpDriver runs them apart, after the batch's `ip` lines).
        const fault = (o: PlacedOp) => (o.args[3] === 'sysctl' ? [...o.args.slice(0, -1), `net.topo.fault${f.failAt}=1`] : ['link', 'set', 'dev', `topo-fault-${f.failAt}`, 'up']);
        batches = batches.map(([ns, list]) => [ns, list.map((o) => (i++ === f.failAt ? { ...o, args: fault(o) } : o))]);
      }
      if (f && 'killAfter' in f && f.killAfter < opIndex && f.killAfter >= first) {
        let i = first;
        batches = batches.map(([ns, list]): [string, readonly PlacedOp[]] => [ns, list.filter(() => i++ < f.killAfter)]).filter(([, l]) => l.length > 0);
        killAfterWave = true;
      }
      const reads = waves === create && !killAfterWave ? readAfter.get(w) : undefined;
      const input: Batch[] = batches.map(([ns, list]) => ({ ns, lines: list.map((o) => o.args), ...(reads?.has(ns) ? { readAfter: true, nsids: ns === HOST } : {}) }));
      return { batches, input, killAfterWave };
    });
    for (const [w, { batches, input, killAfterWave }] of planned.entries()) {
      if (hooks.shouldStop?.()) {
        interrupted = true;
        driver.release?.();
        return false;
      }
      const running = driver.runBatches(input);
      const next = planned[w + 1];
      if (next && !killAfterWave) driver.prepare?.(next.input);
      hooks.onWaveStarted?.(w, waves === create ? 'create' : 'destroy');
      const results = await running;
      batches.forEach(([ns, list], b) => account(ns, list, results[b]!));
      if (killAfterWave) hooks.fault!.kill();
      if (failure) {
        driver.release?.();
        return false;
      }
    }
    return true;
  };

  let lingering: string[] = [];
  let holders: ApplyResult['holders'] = [];
  // Identify the namespaces before deleting them: afterwards their names are gone.
  // (Those the head start took were identified before it began, and may be gone already.)
  const early = hooks.headStart?.ids ?? new Map<string, number>();
  const deleted = plan.changes.flatMap((c) => (c.kind === 'netns' && c.action === 'delete' ? [c.id.slice('netns/'.length)] : []));
  const doomed = new Map([...driver.netnsIds(deleted.filter((n) => !early.has(n))), ...early]);
  // A head start that never started (its read failed) leaves its lines to the waves.
  const ran = await hooks.headStart?.ran;
  const head = hooks.headStart && !ran!.notRun ? takeOut(destroy, hooks.headStart.lines) : undefined;
  if (head) account(HOST, head.ops, ran!);
  if (!failure && (await runWaves(head ? head.rest : destroy))) {
    lingering = await settle(plan, driver, hooks.settleMs ?? 3000);
    if (lingering.length > 0) holders = [...doomed].flatMap(([netns, id]) => driver.holders(id).map((h) => ({ netns, ...h })));
    if (lingering.length === 0 || create.length === 0) await runWaves(create);
  }
  // A step whose ops ran only in part is neither applied nor untouched.
  status.forEach((s, i) => {
    if (s === 'not-attempted' && remaining[i]! < ops[i]!.length) status[i] = 'partial';
  });
  return { status, ...(failure ? { failure } : {}), lingering, holders, interrupted, observed };
}

/**
 * The head start's lines as the plan's ops (in line order; a line the plan has no op for, which
 * its making should rule out, is a hole), and the destroy waves without them.
 */
function takeOut(waves: readonly Wave[], lines: readonly (readonly string[])[]): { ops: (PlacedOp | undefined)[]; rest: Wave[] } {
  const at = new Map(lines.map((l, k) => [l.join(' '), k]));
  const ops: (PlacedOp | undefined)[] = lines.map(() => undefined);
  const rest = waves
    .map((wave) => {
      const host = wave.get(HOST)?.filter((o) => {
        const k = at.get(o.args.join(' '));
        if (k === undefined || ops[k]) return true;
        ops[k] = o;
        return false;
      });
      const left = new Map(wave);
      if (host && host.length > 0) left.set(HOST, host);
      else left.delete(HOST);
      return left as Wave;
    })
    .filter((w) => w.size > 0);
  return { ops, rest };
}

/**
 * For each create wave, the namespaces whose batch in it can read the namespace at its end:
 * their last batch, when no op running in another namespace (a veth made from the host with an
 * end here) touches them in that wave or later.
 */
export function lastReads(create: readonly Wave[]): Map<number, Set<string>> {
  const lastOwn = new Map<string, number>();
  const lastForeign = new Map<string, number>();
  create.forEach((wave, w) => {
    for (const [ns, list] of wave) {
      lastOwn.set(ns, w);
      for (const o of list) for (const t of reachedBy(o.args)) if (t !== ns) lastForeign.set(t, w);
    }
  });
  const out = new Map<number, Set<string>>();
  for (const [ns, w] of lastOwn) {
    if ((lastForeign.get(ns) ?? -1) >= w) continue;
    out.set(w, (out.get(w) ?? new Set()).add(ns));
  }
  return out;
}

/**
 * `ip netns del` returns before the kernel tears the namespace down; the host ends of its veths
 * linger for tens of milliseconds (kernel-facts 2.6). Wait, polling cheaply, until they are gone,
 * so that an apply right after a destroy can reuse the names. If they stay, a process holds the
 * namespace: report them.
 */
async function settle(plan: Plan, driver: Driver, budgetMs: number): Promise<string[]> {
  const deletedNs = new Set(plan.changes.filter((c) => c.kind === 'netns' && c.action === 'delete').map((c) => c.id.slice('netns/'.length)));
  const waitFor = new Map<string, string[]>();
  for (const c of plan.changes) {
    if (c.action !== 'delete' || c.before?.kind !== 'veth' || !c.impliedBy?.startsWith('netns/')) continue;
    for (const e of [c.before.a, c.before.b]) {
      if (e.ns !== '?' && !deletedNs.has(e.ns)) waitFor.set(e.ns, [...(waitFor.get(e.ns) ?? []), e.name]);
    }
  }
  if (waitFor.size === 0) return [];
  const start = Date.now();
  const deadline = start + budgetMs;
  let left: string[] = [];
  // The kernel tears deleted namespaces down in batches, and their host ends go nearly all at
  // once (a 200-star, 3 runs: 197-200 present at one poll and none at the next, 43-64 ms after
  // the `netns del` batch); destroy is done at the first poll after that. A poll of the host
  // starts no process (Driver.existing), so for the first half second it runs every 2 ms; a
  // poll that starts an `ip`, or a wait that goes on (a process holds a namespace), backs off
  // up to 20 ms.
  const hostOnly = [...waitFor.keys()].every((ns) => ns === HOST);
  for (let delay = hostOnly ? 2 : 5; ; delay = hostOnly && Date.now() - start < 500 ? 2 : Math.min(delay * 2, 20)) {
    left = (await Promise.all([...waitFor].map(async ([ns, names]) => (await driver.existing(ns, names)).map((n) => `${ns}:${n}`)))).flat();
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * The other namespaces an `ip` line reaches into, from its words: `netns add|del|exec NS`, and
 * `link add ... netns NS` (each end of a veth may name one). Every other line acts only where it runs.
 */
function reachedBy(args: readonly string[]): string[] {
  if (args[0] === 'netns') return args[2] !== undefined ? [args[2]] : [];
  if (args[0] !== 'link' || args[1] !== 'add') return [];
  return args.flatMap((w, i) => (w === 'netns' && args[i + 1] !== undefined ? [args[i + 1]!] : []));
}
