import type { Driver, SnapshotRequest } from '../driver/driver.js';
import type { Topology } from '../model/resources.js';
import { readJournal } from '../lock/journal.js';
import { normalize, type LiveState } from './normalize.js';

/** The sysctls a lab cares about, per namespace: only those are read. */
export function sysctlRequest(desired: Topology): SnapshotRequest {
  const m = new Map<string, string[]>();
  for (const r of desired.resources.values()) if (r.kind === 'sysctl') m.set(r.ns, [...(m.get(r.ns) ?? []), r.key]);
  return { sysctls: m };
}

/** Snapshot and normalize in one go, adopting the lab's own half-made objects from its journal. */
export async function readLive(driver: Driver, desired: Topology): Promise<LiveState> {
  return normalize(await driver.snapshot(sysctlRequest(desired)), desired.lab, readJournal(desired.lab));
}
