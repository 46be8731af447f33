import { parseCommandLine, type CommandOptions } from './args.js';
import { effectiveCaps, hasPrivileges } from './preflight.js';
import { cachedLabName, type CacheOptions } from '../config/lab-cache.js';
import { beginHostThen, type Exec } from '../driver/ip-driver.js';
import type { BegunDeletion } from '../live/read.js';
import { netnsIdentities } from '../driver/netns-dir.js';
import { LOCK_DIR, tryLock } from '../lock/lock.js';
import { deletionLines, sortForDestroy } from '../lock/netns-record.js';

/**
 * destroy -y's head start (live/read.ts, HeadStart), begun by the bin (bin.ts) before the rest
 * of topo loads: the lab's namespaces that its record proves its own start going while Node
 * reads, compiles and runs topo's 0.6 MB bundle and loads the lab: a 200-chain's first
 * `netns del` came ~30 ms sooner on a 2-core VM (perf timelines; README, Speed). The kernel's
 * teardown after the dels takes 120-200 ms whoever asked, so the whole destroy ends sooner too.
 *
 * It needs little: the lab's name from the lab cache (an exact hit for the file as it is now,
 * so the file is known to be valid), the lab's lock, taken without waiting, and one stat per
 * namespace. It begins only where the command itself would have begun the same head start with
 * the same lines: `destroy -y` (--lab, and TOPO_FAULT, never), with the privileges, and every
 * namespace there either proven the lab's own or another lab's. Anything else, and it leaves it
 * all (the lock too) to the command, which then runs as it always did and reports any problem.
 * The command takes over what it began (takeEarlyDestroy): the lock, and the `ip` process,
 * whose outcome is reported as that of the plan's own steps. (That process was started by the
 * bin's copy of ip-driver.ts, so a second Ctrl-C, which ends the command's own, does not reach
 * it: it has only its host read and its dels to do, and ends on its own.)
 */
export interface EarlyDestroy extends BegunDeletion {
  readonly file: string;
  readonly lab: string;
  readonly release: () => void;
}

/** The bin and the bundle each have their own copy of this module: what one leaves the other finds here. */
const KEY = Symbol.for('topo.early-destroy');
type Holder = { [KEY]?: EarlyDestroy };

/** What the head start reads and runs, injectable for tests: by default the machine's own. */
export interface EarlyDeps {
  readonly exec?: Exec;
  readonly lockDir?: string;
  readonly cache?: CacheOptions;
  /** The namespaces there, name → identity. */
  readonly identities?: () => Map<string, string>;
  readonly privileged?: boolean;
}

/**
 * Whether a command may have destroy -y's head start, begun here or by the command itself
 * (live/read.ts): with -y nobody reviews the plan first; not with TOPO_FAULT, whose counts
 * follow the plan.
 */
export function headStartAllowed(o: Pick<CommandOptions, 'command' | 'autoApprove'>): boolean {
  return o.command === 'destroy' && o.autoApprove && process.env.TOPO_FAULT === undefined;
}

/** Begins destroy -y's head start if argv asks for exactly that (see above); anything in the way means it does not. */
export function beginEarlyDestroy(argv: readonly string[], deps: EarlyDeps = {}): void {
  const o = parseCommandLine(argv);
  if ('error' in o || !headStartAllowed(o) || o.lab !== undefined) return;
  if (!(deps.privileged ?? hasPrivileges(effectiveCaps()))) return;
  const lab = cachedLabName(o.file, deps.cache);
  if (lab === undefined) return;
  const lockDir = deps.lockDir ?? LOCK_DIR;
  let release: () => void;
  try {
    const got = tryLock(lab, `topo ${o.command}`, lockDir);
    if (!('release' in got)) return; // held: the command says by whom, or waits for it
    release = got.release;
  } catch {
    return;
  }
  try {
    const { own, unknown } = sortForDestroy(lab, (deps.identities ?? netnsIdentities)(), lockDir);
    if (unknown.length > 0 || own.size === 0) return release();
    const begun = beginHostThen(deletionLines(own), `${lockDir}/${lab}.head.json`, deps.exec);
    (globalThis as Holder)[KEY] = { file: o.file, lab, release, own, begun };
  } catch {
    release();
  }
}

/**
 * The head start the bin began for this file and lab, taken over by the command (once). One
 * for another lab (the file was edited in between) is let finish, and its lock let go.
 */
export async function takeEarlyDestroy(file: string, lab: string): Promise<EarlyDestroy | undefined> {
  const e = (globalThis as Holder)[KEY];
  if (e?.file === file && e.lab === lab) {
    delete (globalThis as Holder)[KEY];
    return e;
  }
  await dropEarlyDestroy();
  return undefined;
}

/** A head start nothing took over (the command failed first): its `ip` ends before its lock goes. */
export async function dropEarlyDestroy(): Promise<void> {
  const e = (globalThis as Holder)[KEY];
  if (!e) return;
  delete (globalThis as Holder)[KEY];
  await e.begun.result.catch(() => undefined);
  e.release();
}
