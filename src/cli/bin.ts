#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS TOPO_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
// The `topo` bin: runs the bundle of topo (topo-main.cjs, made by scripts/bundle.mjs) with V8's
// code cache. No V8 flags on the line above: Node 20's V8 hashes its flags into the check of the
// code cache its own modules ship with, so any flag has Node compile them all from source (~15
// ms of every command). NODE_EXTRA_CA_CERTS is set aside while Node starts, and put back first
// thing: util/node-env.ts. (env -S: coreutils 8.30+.)
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { buildId } from '../config/build-id.js';
import { CACHE_DIR } from '../config/cache-dir.js';
import { COMMANDS } from './command-names.js';
import { beginEarlyDestroy } from './early-destroy.js';
import { privateDir } from '../util/private-dir.js';
import { shortHash } from '../util/short-hash.js';
import { writeWhole } from '../util/write-whole.js';

/**
 * Why a code cache: Node 20 compiles topo's JavaScript afresh in every process, its ~40 ESM
 * files and each function at its first call. With the cache a 200-star's apply starts its first
 * `ip` 24 ms after Node's first line of JavaScript instead of 56, and a no-op plan ends at 354
 * ms instead of 410 (spawn timelines, 8 rounds; README, Speed). V8 can save the
 * bytecode of everything a run compiled (Script#createCachedData) and take it back in the next
 * run, as Node 22 does for modules (module.enableCompileCache), which Node 20 lacks; a vm.Script
 * needs one script, hence the bundle.
 *
 * One cache file per command (an apply compiles other functions than a plan), written once, at
 * the end of a run that succeeded and had no usable cache. Its name keys on everything V8 checks
 * only in part: V8 takes a cache for a source of the same length, Node version and flags, so the
 * name holds topo's build id, the bundle's size and mtime, Node's version and architecture, and
 * the flags Node got. It lives in topo's private cache directory (cache-dir.ts): code that runs
 * as root is read only from where no one else could have put it. Any problem means no cache.
 */
/** Cache files kept per command: a few builds in use side by side (bench --compare: two) each keep theirs. */
const KEEP = 4;
try {
  // Before topo's bundle is read: destroy -y's namespaces start going meanwhile (early-destroy.ts).
  beginEarlyDestroy(process.argv.slice(2));
} catch {
  // a head start is only a head start: the command does it all
}
const here = fileURLToPath(new URL('.', import.meta.url));
const bundle = `${here}topo-main.cjs`;
const source = readFileSync(bundle, 'utf8');
const slot = cacheSlot(process.argv.slice(2));
let cachedData: Buffer | undefined;
try {
  if (slot) cachedData = readFileSync(slot);
} catch {
  // none yet
}
// The bundle is one function expression already (scripts/bundle.mjs says why).
const script = new Script(source, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
if (slot && (cachedData === undefined || script.cachedDataRejected)) {
  process.once('exit', (code) => {
    if (code !== 0) return; // a failed run compiled too little to be worth keeping
    try {
      writeWhole(slot, script.createCachedData(), 0o600);
      prune(slot);
    } catch {
      // a cache that cannot be written is only a cache
    }
  });
}
const module = { exports: {} };
(script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, here.slice(0, -1));

/** Each build leaves its own files (a reboot clears them): keep the newest few of this command's. */
function prune(slot: string): void {
  const dir = dirname(slot);
  const prefix = basename(slot).replace(/-[0-9a-f]+\.v8$/, '-');
  const older = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.v8'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .slice(KEEP);
  for (const { f } of older) unlinkSync(join(dir, f));
}

function cacheSlot(argv: readonly string[]): string | undefined {
  try {
    const build = buildId();
    const dir = build && privateDir(CACHE_DIR);
    if (!dir) return undefined;
    // The first word that is a command (`topo -v apply`); help, version and mistakes share one.
    const command = argv.find((a) => (COMMANDS as readonly string[]).includes(a)) ?? 'other';
    const st = statSync(bundle);
    const key = [build, st.size, st.mtimeMs, process.version, process.arch, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? ''].join('\0');
    return `${dir}/code-${command}-${shortHash(key)}.v8`;
  } catch {
    return undefined;
  }
}
