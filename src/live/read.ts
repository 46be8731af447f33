import type { Driver, SnapshotRequest } from '../driver/driver.js';
import { HOST, type Topology } from '../model/resources.js';
import type { KernelSnapshot } from './snapshot.js';
import { readJournal } from '../lock/journal.js';
import { normalize, type LiveState } from './normalize.js';

/** The sysctls a lab cares about, per namespace: only those are read. */
export function sysctlRequest(desired: Topology): SnapshotRequest {
  const m = new Map<string, string[]>();
  for (const r of desired.resources.values()) if (r.kind === 'sysctl') m.set(r.ns, [...(m.get(r.ns) ?? []), r.key]);
  return { sysctls: m };
}

/**
 * Snapshot and normalize in one go, adopting the lab's own half-made objects from its journal.
 * `early` is a snapshot already under way (started before the file was read); only the sysctls
 * the lab names are then read on top of it.
 */
export async function readLive(driver: Driver, desired: Topology, early?: Promise<KernelSnapshot>): Promise<LiveState> {
  const req = sysctlRequest(desired);
  const snap = early ? await withSysctls(await early, req, driver) : await driver.snapshot(req);
  return normalize(snap, desired.lab, readJournal(desired.lab));
}

async function withSysctls(snap: KernelSnapshot, req: SnapshotRequest, driver: Driver): Promise<KernelSnapshot> {
  const namespaces = await Promise.all(
    snap.namespaces.map(async (n) => {
      const keys = req.sysctls?.get(n.ns);
      return keys && keys.length > 0 && n.ns !== HOST ? { ...n, sysctls: await driver.readSysctls(n.ns, keys) } : n;
    }),
  );
  return { ...snap, namespaces };
}
