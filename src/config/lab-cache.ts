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

type Options = { dir?: string; fresh?: boolean; build?: string };

export async function loadLabCached(path: string, opts: Options = {}): Promise<LoadedLab> {
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
export function peekLabCached(path: string, opts: Options = {}): LoadedLab['topology'] | undefined {
  try {
    return lookUp(path, opts).hit?.topology;
  } catch {
    return undefined; // the real load reports it
  }
}

function lookUp(path: string, opts: Options) {
  const source = loadLabFile(path);
  const build = opts.fresh ? undefined : opts.build ?? buildId();
  const dir = build !== undefined ? privateDir(opts.dir ?? CACHE_DIR) : undefined;
  // One slot per (working directory, path as given): paths appear in positions and diagnostics.
  // Two that share a slot by chance only take turns in it: an entry is checked in full.
  const slot = dir !== undefined ? join(dir, shortHash(`${process.cwd()}\0${path}`)) : undefined;
  const entry = slot !== undefined && build !== undefined ? readSlot(slot, { build, path, text: source.text }) : undefined;
  return { source, slot, build, hit: entry ? { ...entry, text: source.text } : undefined };
}

function readSlot(slot: string, want: Pick<Entry, 'build' | 'path' | 'text'>): Omit<LoadedLab, 'text'> | undefined {
  try {
    const e = JSON.parse(readFileSync(slot, 'utf8')) as Entry;
    if (e.build !== want.build || e.path !== want.path || e.text !== want.text) return undefined;
    return { topology: { lab: e.lab, resources: new Map(e.resources) }, tests: e.tests, warnings: e.warnings };
  } catch {
    return undefined;
  }
}

function writeSlot(slot: string, e: Entry): void {
  try {
    writeWhole(slot, JSON.stringify(e), 0o600);
  } catch {
    // A cache that cannot be written is only a cache.
  }
}
