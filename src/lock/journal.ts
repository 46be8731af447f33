import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { foreignKey } from '../live/normalize.js';
import { interfacesOf } from '../model/resources.js';
import type { Plan } from '../plan/types.js';
import { LOCK_DIR } from './lock.js';
import { removeFile } from '../util/remove-file.js';

/**
 * The write-ahead journal of an apply: the names of the namespaces and links it is about to
 * create, written (under the lab's lock) before the first command runs and removed once the
 * apply is verified.
 *
 * Why: an object is created and marked by two commands (`ip link add ... alias` ignores the
 * alias), so a run killed between them leaves an object without the mark, which the next plan
 * would have to refuse as foreign. An unmarked object whose name is in the journal is instead
 * recognised as this lab's own, and the next apply marks it. It lives in /run, so it vanishes
 * with a reboot, exactly like the objects it names.
 */
export function journalPath(lab: string, dir = LOCK_DIR): string {
  return `${dir}/${lab}.journal`;
}

/** Keys as in LiveState.foreign: `netns/NAME`, `link/NS/NAME`. */
export function readJournal(lab: string, dir = LOCK_DIR): Set<string> {
  try {
    return new Set(JSON.parse(readFileSync(journalPath(lab, dir), 'utf8')) as string[]);
  } catch {
    return new Set();
  }
}

/** Adds what this plan creates to the journal. Call with the lock held, before executing. */
export function recordIntent(plan: Plan, dir = LOCK_DIR): void {
  const keys = readJournal(plan.lab, dir);
  for (const c of plan.changes) {
    if (!c.after || c.impliedBy || (c.action !== 'create' && c.action !== 'replace')) continue;
    if (c.after.kind === 'netns') keys.add(foreignKey.netns(c.after.name));
    for (const e of interfacesOf(c.after)) keys.add(foreignKey.link(e.ns, e.name));
  }
  if (keys.size === 0) return;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(journalPath(plan.lab, dir), JSON.stringify([...keys].sort()));
}

/** The apply is verified: nothing is half-made any more. */
export function clearJournal(lab: string, dir = LOCK_DIR): void {
  removeFile(journalPath(lab, dir));
}
