import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { TopoError } from '../diag/errors.js';

/** Where locks live: tmpfs, so a reboot clears them together with the namespaces. */
export const LOCK_DIR = '/run/topo';

export interface LockHolder {
  readonly pid: number;
  /** /proc/PID/stat starttime: tells a live holder from a recycled pid. */
  readonly start: string;
  readonly command: string;
  readonly since: string;
}

export class LockError extends TopoError {
  constructor(message: string, readonly holder: LockHolder, hint: string) {
    super(message, 'system', hint);
  }
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(h: LockHolder): boolean {
  return startTime(h.pid) === h.start;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined; // being written, or gone
  }
}

/**
 * Takes the lab's lock, so that two apply or destroy runs can never interleave (the kernel
 * would accept both: kernel-facts 2.16). A lock whose holder is dead (killed, crashed) is taken
 * over. Fails at once naming the holder, or waits up to `timeoutMs`. Returns the release.
 */
export async function acquireLock(lab: string, command: string, timeoutMs = 0, dir = LOCK_DIR): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = tryLock(lab, command, dir);
    if ('release' in got) return got.release;
    if (Date.now() >= deadline) {
      const h = got.holder ?? { pid: 0, start: '', command: 'unknown', since: '' };
      throw new LockError(
        `lab '${lab}' is locked by pid ${h.pid} (${h.command}, since ${h.since || 'unknown'})`,
        h,
        `wait for it to finish, or pass --lock-timeout 60s to wait; the lock is ${lockPath(lab, dir)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lockPath = (lab: string, dir: string) => `${dir}/${lab}.lock`;

/**
 * One go at the lab's lock, without waiting (the bin's head start takes it so: cli/early-destroy.ts).
 * The release, or the live holder (undefined: it was going as we looked).
 */
export function tryLock(lab: string, command: string, dir = LOCK_DIR): { release: () => void } | { holder: LockHolder | undefined } {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = lockPath(lab, dir);
  const me: LockHolder = { pid: process.pid, start: startTime(process.pid) ?? '', command, since: new Date().toISOString() };
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      const release = () => {
        if (readHolder(path)?.pid === me.pid) unlinkSync(path);
        process.off('exit', release);
      };
      process.on('exit', release);
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(path);
    if (holder && !alive(holder)) {
      // Dead holder: take over, but only the lock we judged (another taker may have been faster).
      const again = readHolder(path);
      if (again && again.pid === holder.pid && again.start === holder.start) {
        try {
          unlinkSync(path);
        } catch {
          // someone else removed it first: just try again
        }
        continue;
      }
    }
    return { holder };
  }
}

/** "30s", "2m", "500ms", "1h" or plain seconds → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
