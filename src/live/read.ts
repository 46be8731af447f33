import type { Driver } from '../driver/driver.js';
import { HOST, type Topology } from '../model/resources.js';
import type { KernelSnapshot } from './snapshot.js';
import { readJournal } from '../lock/journal.js';
import { othersRecorded, readRecord, writeRecord } from '../lock/netns-record.js';
import { normalize, pairingGaps, type LiveState } from './normalize.js';
import { nsidCover } from './nsid-cover.js';

/**
 * The kernel as the lab sees it: a snapshot (`early`, when one is already under way, e.g. started
 * before the file was read), plus the sysctls the lab names. Those are the only sysctls read,
 * and this is the one place that reads them. Reads take nsids only where the lab's pairs need
 * them (nsid-cover.ts); whatever pair is still unnamed after that gets its nsids read here.
 */
export async function readKernel(driver: Driver, desired: Topology, early?: Promise<KernelSnapshot>, only?: ReadonlySet<string>): Promise<KernelSnapshot> {
  const keys = new Map<string, string[]>();
  for (const r of desired.resources.values()) if (r.kind === 'sysctl') keys.set(r.ns, [...(keys.get(r.ns) ?? []), r.key]);
  const snap = await (early ?? driver.snapshot({ nsids: nsidCover(desired), ...(only ? { only } : {}) }));
  const gaps = pairingGaps(snap);
  const nsids = gaps.length > 0 ? await driver.readNsids(gaps) : new Map();
  const namespaces = await Promise.all(
    snap.namespaces.map(async (n) => {
      const k = keys.get(n.ns);
      const withIds = nsids.has(n.ns) ? { ...n, nsids: nsids.get(n.ns) } : n;
      return k && n.ns !== HOST ? { ...withIds, sysctls: await driver.readSysctls(n.ns, k) } : withIds;
    }),
  );
  return { ...snap, namespaces };
}

/** Snapshot and normalize in one go, adopting the lab's own half-made objects from its journal. */
export async function readLive(driver: Driver, desired: Topology, early?: Promise<KernelSnapshot>): Promise<LiveState> {
  return normalize(await readKernel(driver, desired, early), desired.lab, readJournal(desired.lab));
}

/**
 * What destroy needs to know, read cheaply: a namespace whose identity matches the lab's record
 * (lock/netns-record.ts) is the lab's own and is not read, since all of it goes with it; one
 * another lab recorded is not ours and is not read either. Everything else is read and judged
 * by its mark, as always. Destroying 200 namespaces then needs one process (the host's read)
 * instead of one per namespace.
 */
export async function readLiveForDestroy(driver: Driver, desired: Topology): Promise<LiveState> {
  const mine = readRecord(desired.lab);
  const others = othersRecorded(desired.lab);
  const trusted = new Set<string>();
  const only = new Set([HOST]);
  for (const [name, id] of driver.netnsIdentities()) {
    if (mine.get(name) === id) trusted.add(name);
    else if (!others.has(id)) only.add(name);
  }
  return normalize(await readKernel(driver, desired, undefined, only), desired.lab, readJournal(desired.lab), trusted);
}

/** Records the identities of the lab's namespaces, after an apply was verified (so they are its own and marked). */
export function recordNamespaces(driver: Driver, desired: Topology): void {
  const names = new Set([...desired.resources.values()].flatMap((r) => (r.kind === 'netns' ? [r.name] : [])));
  writeRecord(desired.lab, new Map([...driver.netnsIdentities()].filter(([n]) => names.has(n))));
}
