import type { BatchResult, Driver } from '../driver/driver.js';
import { HOST, type Topology } from '../model/resources.js';
import type { KernelSnapshot, NsId, NsSnapshot } from './snapshot.js';
import { readJournal } from '../lock/journal.js';
import { deletionLines, inodeOf, othersRecorded, sortForDestroy, writeRecord } from '../lock/netns-record.js';
import type { Begun } from '../driver/ip-driver.js';
import { normalize, pairingGaps, type LiveState } from './normalize.js';

/**
 * What a lab's reads ask of `netns list-id`: the host's nsids only. In a namespace it opens
 * every /run/netns entry to name its nsids, O(N) each and O(N²) for a lab: ~60 ms of a
 * 200-namespace chain's plan, or of its apply's verification (bash, 2 streams, 6 runs each:
 * reads of link, addr and route took 311-366 ms, with list-id in half the namespaces 377-454).
 * The pairs the reads leave open are named afterwards, mostly through the host (pairVeths).
 */
export const HOST_ONLY: ReadonlySet<string> = new Set();

export interface ReadOptions {
  /** A snapshot already under way (plan's early read, verify's re-read of what apply touched). */
  readonly early?: Promise<KernelSnapshot> | undefined;
  /** Read only these namespaces ('host' included or not). */
  readonly only?: ReadonlySet<string> | undefined;
  /** Answers about the lab's pairs asked for meanwhile (nsidsAhead). */
  readonly ahead?: Promise<Map<string, NsId[]>> | undefined;
  /** The lab's journal, when the caller has read it already (normalize needs it too). */
  readonly journal?: ReadonlySet<string> | undefined;
}

/**
 * The kernel as the lab sees it: a snapshot (`early`, when one is already under way, e.g. started
 * before the file was read), plus the sysctls the lab names. Those are the only sysctls read,
 * and this is the one place that reads them. Veth pairs between namespaces are named here too.
 */
export async function readKernel(driver: Driver, desired: Topology, opts: ReadOptions = {}): Promise<KernelSnapshot> {
  const { early, ahead } = opts;
  const keys = new Map<string, string[]>();
  for (const r of desired.resources.values()) if (r.kind === 'sysctl') keys.set(r.ns, [...(keys.get(r.ns) ?? []), r.key]);
  const only = opts.only ?? labScope(driver, desired);
  const got = await early;
  // An early read limited to less than this read needs (the kernel changed meanwhile) is read again.
  const covered = got && (!got.only || (only !== undefined && [...only].every((n) => got.only!.has(n))));
  const read = covered ? inScope(got, only) : await driver.snapshot({ nsids: HOST_ONLY, ...(only ? { only } : {}) });
  const snap = await pairVeths(driver, desired, read, opts.journal ?? readJournal(desired.lab), ahead);
  // A namespace whose sysctls came with it (apply's answers for those it set, or a read from
  // before apply that verification keeps for what apply did not touch) is not asked again,
  // unless a key is missing from them.
  const known = (n: NsSnapshot) => n.sysctls !== undefined && keys.get(n.ns)!.every((k) => k in n.sysctls!);
  const want = new Map(snap.namespaces.flatMap((n) => (n.ns !== HOST && keys.has(n.ns) && !known(n) ? [[n.ns, keys.get(n.ns)!] as const] : [])));
  const values = want.size > 0 ? await driver.readSysctls(want) : undefined;
  const namespaces = snap.namespaces.map((n) => (want.has(n.ns) ? { ...n, sysctls: values?.get(n.ns) ?? {} } : n));
  return { ...snap, namespaces };
}

/**
 * What a lab's read takes when other labs have recorded their namespaces (lock/netns-record.ts):
 * the host and every namespace, except those another lab recorded, identity and all, whose name
 * this file does not want. Nothing of this lab's is in them (topo makes a lab's veths between its
 * own namespaces and the host), and reading them was O(N) work for nothing: a 2-namespace lab's
 * apply beside a 200-namespace lab read all 202. A wanted name is read whoever holds it, so that
 * a clash is still reported as such. Undefined: no other lab recorded anything; read all.
 * plan's early read starts before the lab is parsed: it takes this scope when the lab cache
 * already knows the file and two labs or more have records (one is surely another's), and
 * everything otherwise. The scope is then cut from it, so that plan and apply see the same
 * kernel (a saved plan's digest depends on it).
 */
export function labScope(driver: Driver, desired: Topology, dir?: string): Set<string> | undefined {
  const others = othersRecorded(desired.lab, dir);
  if (others.size === 0) return undefined;
  const wanted = new Set([...desired.resources.values()].flatMap((r) => (r.kind === 'netns' ? [r.name] : [])));
  const only = new Set<string>([HOST]);
  for (const [name, id] of driver.netnsIdentities()) if (wanted.has(name) || !others.has(id)) only.add(name);
  return only;
}

/** The snapshot without the namespaces outside `only` (strays, which are not namespaces, stay). */
function inScope(snap: KernelSnapshot, only: ReadonlySet<string> | undefined): KernelSnapshot {
  return only ? { ...snap, namespaces: snap.namespaces.filter((n) => only.has(n.ns)) } : snap;
}

/**
 * Gets the snapshot the nsids its unpaired veth ends need. First from the host, one question
 * per pair the file names between two namespaces: X's nsid for Y, which the kernel answers for
 * namespaces the host has nsids for (apply gives each namespace it makes one); a process or
 * two for a chain or a grid of 200. `ahead` holds answers asked for while the kernel was still
 * being read (nsidsAhead). Whatever is still open after that (a pair the file does not name, a
 * namespace topo did not make) gets its namespaces' own `netns list-id`, as before. The host's
 * nsids come with the snapshot: they must be current (verify drops those it cannot vouch for),
 * since a stale one would ask about another namespace.
 */
async function pairVeths(driver: Driver, desired: Topology, snap: KernelSnapshot, journal: ReadonlySet<string>, ahead?: Promise<Map<string, NsId[]> | undefined>): Promise<KernelSnapshot> {
  // Only the lab's own links need a peer named (normalize pairs nothing else).
  const mine = { lab: desired.lab, journal };
  let open = new Set(pairingGaps(snap, undefined, mine));
  if (open.size === 0) return snap;
  const partial = new Set<string>();
  const take = (answers: ReadonlyMap<string, readonly NsId[]>) => {
    const use = new Map([...answers].filter(([x]) => open.has(x)));
    snap = withNsids(snap, use, partial);
    for (const x of use.keys()) partial.add(x);
    open = new Set(pairingGaps(snap, partial, mine));
  };
  const early = await ahead?.catch(() => undefined);
  if (early) take(early);
  if (open.size === 0) return snap;
  const read = new Set(snap.namespaces.map((n) => n.ns));
  const pairs = nsidQuestions(desired, open, read);
  if (pairs.length > 0) take(await driver.nsidsViaHost(pairs, snap.namespaces.find((n) => n.ns === HOST)?.nsids));
  return open.size > 0 ? withNsids(snap, await driver.readNsids([...open])) : snap;
}

/**
 * Starts asking the host for every pair the file names, while the kernel is being read: the
 * answers then wait for the read instead of the read for them (a 200-chain's are two processes,
 * ~15 ms after the read). Undefined where the file names no pair between namespaces. During an
 * apply (`bornFirst`), each pair is asked from its first end: a veth made from the host gives
 * that end's namespace an nsid for the other at once, and the other end's only once something
 * lists its links there.
 */
export function nsidsAhead(driver: Driver, desired: Topology, bornFirst = false): Promise<Map<string, NsId[]>> | undefined {
  // Only between namespaces that exist: before an apply that makes them, there is nothing to ask.
  const present = new Set(driver.netnsIdentities().keys());
  const pairs = nsidQuestions(desired, undefined, present, bornFirst);
  if (pairs.length === 0) return undefined;
  const p = driver.nsidsViaHost(pairs);
  p.catch(() => undefined); // a failure only means the questions are asked again after the read
  return p;
}

/**
 * The pairs [X, Y] to ask the host about: one per veth the file names between two namespaces,
 * asked from the end with more of them, since each process may ask about a namespace once
 * (IpDriver.nsidsViaHost) and the fewer times one is asked about, the fewer processes. With
 * `open`, only pairs with an open end (asked from it); with `read`, only between read namespaces.
 */
function nsidQuestions(desired: Topology, open?: ReadonlySet<string>, read?: ReadonlySet<string>, bornFirst = false): [string, string][] {
  const named = [...desired.resources.values()].flatMap((r) =>
    r.kind === 'veth' && r.a.ns !== r.b.ns && r.a.ns !== HOST && r.b.ns !== HOST && (!read || (read.has(r.a.ns) && read.has(r.b.ns))) ? [[r.a.ns, r.b.ns] as const] : [],
  );
  const degree = new Map<string, number>();
  for (const [a, b] of named) for (const n of [a, b]) degree.set(n, (degree.get(n) ?? 0) + 1);
  const isOpen = (n: string) => !open || open.has(n);
  const pairs = new Map<string, [string, string]>();
  for (const [a, b] of named) {
    const [x, y] = isOpen(a) && (!isOpen(b) || bornFirst || degree.get(a)! >= degree.get(b)!) ? [a, b] : [b, a];
    if (isOpen(x)) pairs.set(`${x} ${y}`, [x, y]);
  }
  return [...pairs.values()];
}

/** The snapshot with these nsids: added to what `partial` namespaces hold, in place of the rest. */
function withNsids(snap: KernelSnapshot, nsids: ReadonlyMap<string, readonly NsId[]>, partial: ReadonlySet<string> = new Set()): KernelSnapshot {
  if (nsids.size === 0) return snap;
  return {
    ...snap,
    namespaces: snap.namespaces.map((n) => {
      const ids = nsids.get(n.ns);
      return ids ? { ...n, nsids: partial.has(n.ns) ? [...(n.nsids ?? []), ...ids] : ids } : n;
    }),
  };
}

/** Snapshot and normalize in one go, adopting the lab's own half-made objects from its journal. */
export async function readLive(driver: Driver, desired: Topology, opts: Omit<ReadOptions, 'only' | 'journal'> = {}): Promise<LiveState> {
  const journal = readJournal(desired.lab);
  return normalize(await readKernel(driver, desired, { ...opts, journal }), desired.lab, journal);
}

/**
 * What destroy needs to know, read cheaply: a namespace whose identity matches the lab's record
 * (lock/netns-record.ts) is the lab's own and is not read, since all of it goes with it; one
 * another lab recorded is not ours and is not read either. Everything else is read and judged
 * by its mark, as always. Destroying 200 namespaces then needs one process (the host's read)
 * instead of one per namespace.
 */
export async function readLiveForDestroy(driver: Driver, desired: Topology, opts: { headStart?: boolean; early?: BegunDeletion } = {}): Promise<{ live: LiveState; headStart?: HeadStart }> {
  // The bin's head start sorted them as it began (with nothing unknown, or it would not have).
  const { own, unknown } = opts.early ? { own: opts.early.own, unknown: [] } : sortForDestroy(desired.lab, driver.netnsIdentities());
  const only = new Set([HOST, ...unknown]);
  const journal = readJournal(desired.lab);
  const headStart = opts.early
    ? startDeleting(driver, own, opts.early.begun)
    : opts.headStart && only.size === 1 && own.size > 0 && driver.readHostThen
      ? startDeleting(driver, own)
      : undefined;
  try {
    const snap = await readKernel(driver, desired, { only, journal, ...(headStart ? { early: headStart.read } : {}) });
    return { live: normalize(snap, desired.lab, journal, new Set(own.keys())), ...(headStart ? { headStart } : {}) };
  } catch (e) {
    await headStart?.ran.catch(() => undefined); // nothing more runs once the error is out, and the lock is still held
    throw e;
  }
}

/** A head start the bin began (cli/early-destroy.ts): the namespaces it deletes (name → identity), and its process. */
export interface BegunDeletion {
  readonly own: ReadonlyMap<string, string>;
  readonly begun: Begun;
}

/**
 * Namespaces destroy deletes before its plan is made (`destroy -y`), and how that went. The
 * plan deletes every namespace the record proves the lab's (above): they are not even read, so
 * nothing the read finds can keep them. With -y nobody reviews the plan first, so they can go
 * as soon as the host has been read, in the read's own `ip` (IpDriver.readHostThen), while Node
 * plans: on a 200-star that is ~50 ms of JSON parsing and planning, and a process start, that
 * no longer come before the kernel's teardown starts. The host is read first, in the same
 * process, so the plan still sees the host as it was before anything changed. The executor
 * takes their outcome as its own steps' (ExecuteHooks.headStart). Only where the host is all
 * there is to read: namespaces read alongside it are read by other processes, and could be
 * deleted under their read.
 */
export interface HeadStart {
  readonly lines: readonly (readonly string[])[];
  /** Their identities from before their deletion (to name what holds one that lingers). */
  readonly ids: ReadonlyMap<string, number>;
  readonly read: Promise<KernelSnapshot>;
  readonly ran: Promise<BatchResult>;
}

/** The identities were just read (netnsIdentities): their inodes need no second stat. begun: by the bin, for these. */
function startDeleting(driver: Driver, identities: ReadonlyMap<string, string>, begun?: Begun): HeadStart {
  const lines = deletionLines(identities);
  const ids = new Map([...identities].map(([n, id]) => [n, inodeOf(id)]));
  const { read, ran } = driver.readHostThen!(lines, begun);
  return { lines, ids, read, ran };
}

/** Records the identities of the lab's namespaces, after an apply was verified (so they are its own and marked). */
export function recordNamespaces(driver: Driver, desired: Topology): void {
  const names = new Set([...desired.resources.values()].flatMap((r) => (r.kind === 'netns' ? [r.name] : [])));
  writeRecord(desired.lab, new Map([...driver.netnsIdentities()].filter(([n]) => names.has(n))));
}
