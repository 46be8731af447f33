import { resolve } from 'node:path';
import { loadLabCached } from '../config/lab-cache.js';
import { renderDiagnostics } from '../render/diagnostics.js';
import type { Io } from './io.js';
import { InputError } from '../diag/errors.js';
import type { Driver } from '../driver/driver.js';
import type { LiveState } from '../live/normalize.js';
import type { KernelSnapshot } from '../live/snapshot.js';
import { nsidsAhead, readLive, readLiveForDestroy, type BegunDeletion, type HeadStart } from '../live/read.js';
import type { Topology } from '../model/resources.js';
import type { LabTest } from '../labtest/model.js';
import { emptyLab, plan as makePlan } from '../plan/planner.js';
import { stateDigest, type PlanOrigin } from '../plan/saved.js';
import { sha256 } from '../util/sha256.js';
import type { Plan } from '../plan/types.js';

/** The desired lab: from the file, or only its name for `destroy --lab NAME` (the file may be lost). */
export interface Desired {
  readonly topology: Topology;
  /** The file's `tests:`, resolved (empty for `--lab NAME`). */
  readonly tests: readonly LabTest[];
  readonly text?: string;
  readonly path?: string;
}

/**
 * Loads the lab file (through the lab cache; `fresh` parses it whatever the cache holds); its
 * warnings go to stderr at once (they never stop a command).
 */
export async function desiredFrom(file: string, lab?: string, io?: Pick<Io, 'err' | 'errStyle'>, opts: { fresh?: boolean } = {}): Promise<Desired> {
  if (lab !== undefined) return { topology: emptyLab(lab), tests: [] };
  const { topology, tests, text, warnings } = await loadLabCached(file, opts);
  if (io && warnings.length > 0) io.err(renderDiagnostics(warnings, io.errStyle, text));
  return { topology, tests, text, path: resolve(file) };
}

/** Reads the kernel and plans. A desired name held by a foreign object is an input error. */
export async function planAgainstKernel(
  desired: Desired,
  driver: Driver,
  mode: Plan['mode'],
  early?: Promise<KernelSnapshot>,
  opts: { headStart?: boolean; early?: BegunDeletion } = {},
): Promise<{ plan: Plan; live: LiveState; origin: () => PlanOrigin; headStart?: HeadStart }> {
  // With a read already under way (plan, drift), the host is asked about the lab's pairs meanwhile.
  const { live, headStart } = mode === 'destroy' ? await readLiveForDestroy(driver, desired.topology, opts) : { live: await readLive(driver, desired.topology, { early, ahead: early && nsidsAhead(driver, desired.topology) }), headStart: undefined };
  try {
    const { plan, conflicts } = makePlan(mode === 'destroy' ? emptyLab(desired.topology.lab) : desired.topology, live, mode);
    if (conflicts.length > 0) throw new InputError(conflicts, desired.text);
    // Digests only for a plan that is saved or printed as JSON: hashing the state serializes all of it.
    return { plan, live, origin: () => originOf(desired, live), ...(headStart ? { headStart } : {}) };
  } catch (e) {
    await headStart?.ran.catch(() => undefined); // what it started ends before the error is out
    throw e;
  }
}

export function originOf(desired: Desired, live: LiveState): PlanOrigin {
  return {
    ...(desired.path !== undefined ? { labFile: desired.path } : {}),
    ...(desired.text !== undefined ? { labSha256: sha256(desired.text) } : {}),
    stateSha256: stateDigest(desired.topology, live),
  };
}
