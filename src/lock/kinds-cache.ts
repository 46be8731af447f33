import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeWhole } from '../util/write-whole.js';
import { LOCK_DIR } from './lock.js';

/**
 * Link kinds this boot of the kernel has already made for topo (and 'nsid': `ip netns set NAME
 * auto` worked). apply probes the kinds a lab
 * needs before it changes anything (four `ip` processes, ~20-40 ms, run before every apply);
 * whether the kernel can make a bridge or a veth does not change while it runs, so a kind that
 * worked once this boot is not probed again. A kind that failed is never remembered: the user
 * may load the module and try again.
 */
const PATH = `${LOCK_DIR}/kinds`;
const BOOT_ID = '/proc/sys/kernel/random/boot_id';

function bootId(): string | undefined {
  try {
    return readFileSync(BOOT_ID, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function knownKinds(path = PATH): Set<string> {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as { boot?: string; kinds?: string[] };
    return c.boot !== undefined && c.boot === bootId() ? new Set(c.kinds ?? []) : new Set();
  } catch {
    return new Set();
  }
}

export function rememberKinds(kinds: readonly string[], path = PATH): void {
  const boot = bootId();
  if (boot === undefined || kinds.length === 0) return;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeWhole(path, JSON.stringify({ boot, kinds: [...new Set([...knownKinds(path), ...kinds])].sort() }));
  } catch {
    // only a shortcut
  }
}
