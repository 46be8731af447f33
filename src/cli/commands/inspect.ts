import { listLabs } from '../../live/labs.js';
import { readLive } from '../../live/read.js';
import { showData } from '../../live/show.js';
import { driftItems } from '../../plan/drift.js';
import { driftDoc, lsDoc, showDoc, toJson } from '../../render/json.js';
import { renderDrift, renderLabs, renderShow } from '../../render/tables.js';
import type { CommandOptions } from '../args.js';
import type { Io } from '../io.js';
import { desiredFrom, planAgainstKernel } from '../pipeline.js';
import { requirePrivileges } from '../preflight.js';

/** Read-only commands: they take no lock. */

export async function runValidate(o: CommandOptions, io: Io): Promise<number> {
  // validate always parses: checking the file is its whole job.
  const { topology, tests } = await desiredFrom(o.file, undefined, io, { fresh: true });
  const counts = new Map<string, number>();
  for (const r of topology.resources.values()) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  const plural: Record<string, string> = { netns: 'namespaces', address: 'addresses' };
  const parts = [...counts].map(([k, n]) => `${n} ${n === 1 ? k : plural[k] ?? `${k}s`}`);
  if (tests.length > 0) parts.push(`${tests.length} test${tests.length === 1 ? '' : 's'}`);
  io.out(`${io.style.green('Valid.')} ${o.file}: lab '${topology.lab}' with ${parts.join(', ')}.\n`);
  return 0;
}

export async function runShow(o: CommandOptions, io: Io): Promise<number> {
  const { topology } = await desiredFrom(o.file, undefined, io);
  requirePrivileges('show');
  const data = showData(topology, await readLive(io.driver(), topology));
  io.out(o.json ? toJson(showDoc(data)) : renderShow(data, io.style));
  return 0;
}

export async function runDrift(o: CommandOptions, io: Io): Promise<number> {
  const desired = await desiredFrom(o.file, undefined, io);
  requirePrivileges('drift');
  const { plan } = await planAgainstKernel(desired, io.driver(), 'apply', io.earlyRead);
  const items = driftItems(plan.changes);
  io.out(o.json ? toJson(driftDoc(plan.lab, items)) : renderDrift(plan.lab, items, io.style));
  return o.detailedExitcode && items.length > 0 ? 2 : 0;
}

export async function runLs(o: CommandOptions, io: Io): Promise<number> {
  requirePrivileges('ls');
  const labs = listLabs(await io.driver().snapshot());
  io.out(o.json ? toJson(lsDoc(labs)) : renderLabs(labs));
  return 0;
}
