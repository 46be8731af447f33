import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeWhole } from '../util/write-whole.js';
import { LOCK_DIR } from './lock.js';
import { removeFile } from '../util/remove-file.js';

/**
 * The identities of the namespaces a lab owns, recorded after an apply is verified, so that
 * `destroy` can recognise them without starting a process per namespace to read their marks.
 *
 * An identity is the nsfs inode of /run/netns/NAME *and* its ctime in nanoseconds. The inode
 * alone is not enough: the kernel hands a freed namespace's inode number to the next namespace
 * made (measured: `ip netns del a; ip netns add a` and then `ip netns add b` got the same inode
 * three times over), but the ctime of each is its own and never changes while it lives.
 *
 * The record is only ever a shortcut: a namespace whose identity does not match exactly is read
 * and judged by its mark, as before. It lives beside the journal in /run, so it goes with a reboot
 * exactly like the namespaces it names.
 */
export function recordPath(lab: string, dir = LOCK_DIR): string {
  return `${dir}/${lab}.netns`;
}

/** The inode of an identity (`INODE:CTIME_NS`): what Driver.netnsIds gives and holders take. */
export function inodeOf(identity: string): number {
  return Number(identity.slice(0, identity.indexOf(':')));
}

/** name → identity, as recorded for this lab (empty when there is no record). */
export function readRecord(lab: string, dir = LOCK_DIR): Map<string, string> {
  try {
    const o = JSON.parse(readFileSync(recordPath(lab, dir), 'utf8')) as Record<string, unknown>;
    return new Map(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new Map();
  }
}

/** Every identity some other lab recorded: namespaces this lab need not read to know they are not its own. */
export function othersRecorded(lab: string, dir = LOCK_DIR): Set<string> {
  const out = new Set<string>();
  for (const other of labsRecorded(dir)) if (other !== lab) for (const id of readRecord(other, dir).values()) out.add(id);
  return out;
}

/**
 * Destroy's sorting of the namespaces there (name → identity): those the lab's record proves
 * its own, which need no read since all of each goes with it, and those no record accounts for,
 * to be read and judged by their marks. Another lab's recorded ones are in neither.
 */
export function sortForDestroy(lab: string, identities: ReadonlyMap<string, string>, dir = LOCK_DIR): { own: Map<string, string>; unknown: string[] } {
  const mine = readRecord(lab, dir);
  const others = othersRecorded(lab, dir);
  const own = new Map<string, string>();
  const unknown: string[] = [];
  for (const [name, id] of identities) {
    if (mine.get(name) === id) own.set(name, id);
    else if (!others.has(id)) unknown.push(name);
  }
  return { own, unknown };
}

/** destroy -y's head start: these namespaces deleted, in name order (live/read.ts, HeadStart). */
export function deletionLines(own: ReadonlyMap<string, string>): string[][] {
  return [...own.keys()].sort().map((n) => ['netns', 'del', n]);
}

/** How many labs have a record: with two or more, some lab's read can leave another's namespaces out. */
export function recordedLabs(dir = LOCK_DIR): number {
  return labsRecorded(dir).length;
}

/** The labs that have a record here. */
function labsRecorded(dir: string): string[] {
  try {
    return readdirSync(dir).flatMap((f) => (f.endsWith('.netns') ? [f.slice(0, -'.netns'.length)] : []));
  } catch {
    return [];
  }
}

/** Replaces the lab's record. Call with the lab's lock held. */
export function writeRecord(lab: string, identities: ReadonlyMap<string, string>, dir = LOCK_DIR): void {
  if (identities.size === 0) return clearRecord(lab, dir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeWhole(recordPath(lab, dir), JSON.stringify(Object.fromEntries([...identities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
}

export function clearRecord(lab: string, dir = LOCK_DIR): void {
  removeFile(recordPath(lab, dir));
}
