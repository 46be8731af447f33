import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedLab } from './load-lab.js';
import { loadLabFile } from './load.js';
import { buildId } from './build-id.js';
import { CACHE_DIR } from './cache-dir.js';
import type { Resource } from '../model/resources.js';
import { privateDir } from '../util/private-dir.js';
import { shortHash } from '../util/short-hash.js';
import { writeWhole } from '../util/write-whole.js';

/**
 * A cache of loaded lab files: the checked model of a file, keyed by its exact text, its path
 * and the build of topo that made it.
 *
 * Why: parsing YAML with positions, validating and building the model is most of what topo does
 * on the CPU before it can plan. At 200 namespaces that was ~0.25 s of a 1.2 s no-op plan,
 * including ~0.1 s just to load the yaml library, all of it on a core the `ip` reads need
 * (measured with --cpu-prof). Users plan, apply, test and destroy the same file over and over;
 * the second time, the result is already known.
 *
 * Only files that loaded without errors are cached, so bad input always goes through the real
 * checks, and its errors are always fresh. An entry holds the text itself and is used only for
 * exactly that text, path and build, so any edit misses (no digest: node:crypto alone took
 * ~3 ms to load, ahead of apply's first `ip`).
 * It lives beside the locks in /run (tmpfs: gone with a reboot), is used only where topo can
 * write it safely (a directory owned by this user and writable by no one else), and any problem
 * with it just means a miss.
 */

interface Entry {
  readonly build: string;
  readonly path: string;
  readonly text: string;
  readonly lab: string;
  readonly resources: [string, Resource][];
  readonly tests: LoadedLab['tests'];
  readonly warnings: LoadedLab['warnings'];
}

type Head = Omit<Entry, 'resources'>;

/** Where the cache is and which build's entries count (tests); fresh: none at all. */
export type CacheOptions = { dir?: string; fresh?: boolean; build?: string };

export async function loadLabCached(path: string, opts: CacheOptions = {}): Promise<LoadedLab> {
  const { source, slot, build, hit } = lookUp(path, opts);
  if (hit) return hit;
  const { loadLabSource } = await import('./load-lab.js');
  const lab = loadLabSource(source);
  if (slot !== undefined && build !== undefined) {
    writeSlot(slot, { build, path, text: source.text, lab: lab.topology.lab, resources: [...lab.topology.resources], tests: lab.tests, warnings: lab.warnings });
  }
  return lab;
}

/** The cached model of this file as it is now, without parsing it (undefined: not cached, or unreadable). */
export function peekLabCached(path: string, opts: CacheOptions = {}): LoadedLab['topology'] | undefined {
  try {
    return lookUp(path, opts).hit?.topology;
  } catch {
    return undefined; // the real load reports it
  }
}

function lookUp(path: string, opts: CacheOptions) {
  const { source, slot, build, entry } = locate(path, opts);
  let hit: LoadedLab | undefined;
  try {
    if (entry) hit = { topology: { lab: entry.head.lab, resources: new Map(JSON.parse(entry.resources) as Entry['resources']) }, tests: entry.head.tests, warnings: entry.head.warnings, text: source.text };
  } catch {
    // a damaged slot is a miss
  }
  return { source, slot, build, hit };
}

/**
 * The file's text, where its entry would be for this build (no slot: no cache to use), and that
 * entry if it is for exactly this file as it is now (its resources not yet parsed).
 */
function locate(path: string, opts: CacheOptions) {
  const source = loadLabFile(path);
  const build = opts.fresh ? undefined : opts.build ?? buildId();
  const dir = build !== undefined ? privateDir(opts.dir ?? CACHE_DIR) : undefined;
  // One slot per (working directory, path as given): paths appear in positions and diagnostics.
  // Two that share a slot by chance only take turns in it: an entry is checked in full.
  const slot = dir !== undefined ? join(dir, shortHash(`${process.cwd()}\0${path}`)) : undefined;
  const entry = slot !== undefined && build !== undefined ? readSlot(slot, { build, path, text: source.text }) : undefined;
  return { source, slot, build, entry };
}

/** The slot's entry if it is for exactly this text, path and build: its first line, and the rest unparsed. */
function readSlot(slot: string, want: Pick<Entry, 'build' | 'path' | 'text'>): { head: Head; resources: string } | undefined {
  try {
    const [line, resources] = splitSlot(readFileSync(slot, 'utf8'));
    const head = JSON.parse(line) as Head;
    return head.build === want.build && head.path === want.path && head.text === want.text ? { head, resources } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lab's name, if the cache knows this file as it is now, from the slot's first line alone:
 * destroy -y's head start (cli/early-destroy.ts) needs no more, before topo itself has loaded.
 */
export function cachedLabName(path: string, opts: CacheOptions = {}): string | undefined {
  try {
    return locate(path, opts).entry?.head.lab;
  } catch {
    return undefined; // the real load reports it
  }
}

/**
 * A slot is two lines of JSON (JSON.stringify writes no raw newline): the entry without its
 * resources, then the resources, the bulk of it, which a caller wanting only the name does
 * not parse.
 */
function splitSlot(text: string): [string, string] {
  const nl = text.indexOf('\n');
  if (nl < 0) throw new Error('not a slot');
  return [text.slice(0, nl), text.slice(nl + 1)];
}

function writeSlot(slot: string, e: Entry): void {
  try {
    const { resources, ...head } = e;
    writeWhole(slot, `${JSON.stringify(head)}\n${JSON.stringify(resources)}`, 0o600);
  } catch {
    // A cache that cannot be written is only a cache.
  }
}
