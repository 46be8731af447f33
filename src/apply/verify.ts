import type { Driver } from '../driver/driver.js';
import { VerificationError } from '../diag/errors.js';
import type { Topology } from '../model/resources.js';
import { plan } from '../plan/planner.js';
import { describe } from '../model/describe.js';
import { HOST_ONLY, readLive } from '../live/read.js';
import type { KernelSnapshot, NsId, NsSnapshot } from '../live/snapshot.js';
import type { Plan } from '../plan/types.js';
import { HOST, namespacesOf } from '../model/resources.js';

/** What apply may have changed: only these namespaces are read again; the rest is kept from before. */
export interface VerifyScope {
  readonly before: KernelSnapshot;
  readonly touched: ReadonlySet<string>;
  /** Touched namespaces already read at the end of apply's own batches (first attempt only). */
  readonly observed?: ReadonlyMap<string, NsSnapshot>;
  /** Namespaces apply made or deleted: the host's nsids for them in `before` may be stale. */
  readonly remade?: ReadonlySet<string>;
}

/**
 * Every namespace a plan's changes live in (both ends of a veth; the host as 'host'), or
 * undefined when a veth end's namespace is unknown: then everything is read again.
 */
export function touchedBy(plan: Plan): Set<string> | undefined {
  const out = new Set<string>();
  for (const c of plan.changes) for (const r of [c.before, c.after]) if (r) for (const n of namespacesOf(r)) out.add(n);
  return out.has('?') ? undefined : out;
}

async function rereadTouched(driver: Driver, scope: VerifyScope, first: boolean): Promise<KernelSnapshot> {
  const seen = first ? (scope.observed ?? new Map<string, NsSnapshot>()) : new Map<string, NsSnapshot>();
  const rest = new Set([...scope.touched].filter((n) => !seen.has(n)));
  const fresh = rest.size > 0 ? await driver.snapshot({ only: rest, nsids: HOST_ONLY }) : { namespaces: [], strays: [] };
  // A kept host may name a namespace apply made again by its old nsid; live/read.ts asks the
  // host about namespaces by nsid (IpDriver.nsidsViaHost) and looks up those it lacks afresh.
  const remade = scope.remade ?? new Set<string>();
  const kept = scope.before.namespaces
    .filter((n) => !scope.touched.has(n.ns) && !seen.has(n.ns))
    .map((n) => (n.ns === HOST && n.nsids && remade.size > 0 ? { ...n, nsids: n.nsids.filter((x) => x.name === undefined || !remade.has(x.name)) } : n));
  const strays = scope.before.strays.filter((s) => !scope.touched.has(s.name));
  return { namespaces: [...kept, ...seen.values(), ...fresh.namespaces].sort((a, b) => (a.ns === HOST ? -1 : b.ns === HOST ? 1 : a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0)), strays: [...strays, ...fresh.strays] };
}

/**
 * Whether a destroy is done, seen by name, with no process: when all it deleted was namespaces
 * and the host's own links (the rest went with them), none of those names may be left in
 * /run/netns or /proc/self/net/dev. A host read here would queue behind the kernel's teardown of
 * the namespaces, which holds rtnl: 20-39 ms of a 200-star's destroy went to that read. Anything
 * else a destroy removes (a host route through a gateway) is read and planned again, as after
 * an apply; so is anything still there (false: verify then says what).
 */
export async function goneByName(plan: Plan, driver: Driver): Promise<boolean> {
  const namespaces: string[] = [];
  const hostLinks: string[] = [];
  for (const c of plan.changes) {
    const r = c.before;
    if (c.action !== 'delete' || !r) return false;
    if (r.kind === 'netns') namespaces.push(r.name);
    else if (r.kind === 'bridge' && r.ns === HOST) hostLinks.push(r.name);
    else if (r.kind === 'veth' && (r.a.ns === HOST || r.b.ns === HOST)) hostLinks.push(...[r.a, r.b].filter((e) => e.ns === HOST).map((e) => e.name));
    else if (!c.impliedBy) return false;
  }
  const left = driver.netnsIdentities();
  if (namespaces.some((n) => left.has(n))) return false;
  return (await driver.existing(HOST, hostLinks)).length === 0;
}

/**
 * Re-reads the kernel and re-plans until the plan is empty, with bounded retries for what the
 * kernel finishes asynchronously. A difference left over, or an IPv6 DAD failure, is an error that
 * names what differs.
 *
 * IPv6: lab addresses are added with nodad, but each interface's fe80:: address still runs DAD
 * for ~1.2 s after link-up, and until it ends the first neighbour lookup fails (measured: the
 * first ping fails at once, the next succeeds). So for interfaces that carry IPv6 addresses in the
 * file, apply returns only when nothing on them is tentative. IPv4-only labs do not wait.
 */
export async function verify(desired: Topology, driver: Driver, opts: { budgetMs?: number; scope?: VerifyScope; ahead?: Promise<Map<string, NsId[]>> } = {}): Promise<void> {
  const deadline = Date.now() + (opts.budgetMs ?? 5000);
  const v6Ifaces = new Set<string>();
  for (const r of desired.resources.values()) if (r.kind === 'address' && r.cidr.includes(':')) v6Ifaces.add(`${r.ns}:${r.ifname}`);
  let residual: string[] = [];
  let first = true;
  for (let delay = 25; ; delay = Math.min(delay * 2, 400)) {
    const live = await readLive(driver, desired, { early: opts.scope && rereadTouched(driver, opts.scope, first), ahead: first ? opts.ahead : undefined });
    first = false;
    if (live.problems.length > 0) throw new VerificationError(`verification failed: ${live.problems.join('; ')}`, [...live.problems]);
    const { plan: p } = plan(desired, live);
    residual = p.changes.map((c) => {
      const r = (c.after ?? c.before)!;
      const attrs = c.attrs?.map((a) => `${a.path} is ${String(a.before)}, want ${String(a.after)}`).join(', ');
      return `${c.action} ${describe(r)}${attrs ? ` (${attrs})` : ''}`;
    });
    const settling = [...live.tentative].filter((i) => v6Ifaces.has(i));
    if (residual.length === 0 && settling.length === 0) return;
    if (Date.now() + delay > deadline) {
      if (residual.length === 0) residual = settling.map((i) => `IPv6 addresses on ${i} are still tentative (duplicate address detection has not finished)`);
      break;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new VerificationError(`verification failed: the kernel still differs from the file after apply:\n  ${residual.join('\n  ')}`, residual);
}
