import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InternalError, TopoError } from '../diag/errors.js';
import type { IpAddr, IpLink, IpRoute, KernelSnapshot, NsId, NsSnapshot } from '../live/snapshot.js';
import { HOST } from '../model/resources.js';
import type { Batch, BatchResult, Driver, Probed, SnapshotRequest } from './driver.js';
import { NETNS_DIR, listNetnsDir, netnsIdentities } from './netns-dir.js';

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Asked for with `json`: stdout's documents, one per line (stdout itself is then ''); null if a line was not JSON. */
  readonly docs?: unknown[] | null;
  /** With `json`: the lines that are no JSON document (a share's sysctl answers), in order. */
  readonly texts?: string[];
}

/**
 * How processes start. argv only, never a shell. Injectable so tests can record or script it.
 * Input given as a promise: the process starts now and gets its input when the promise settles
 * (see IpDriver.prepare).
 */
export type Exec = (file: string, args: readonly string[], input?: string | Promise<string>, opts?: ExecOptions) => Promise<ExecResult>;

export interface ExecOptions {
  /** Parse stdout as `-j` documents as it arrives (ExecResult.docs). */
  readonly json?: boolean;
  readonly timeoutMs?: number;
  /**
   * Start it in a process group of its own, out of reach of the terminal's Ctrl-C: IpDriver's
   * processes, which change or read the kernel and must finish what they started. Lab tests'
   * pings and `topo exec` stay in the terminal's group, where Ctrl-C ends them as usual.
   */
  readonly ownGroup?: boolean;
  /**
   * Where stdout goes instead of a pipe (a file on tmpfs, read when the process ends, then
   * removed). A pipe holds 64 KB: a read share writes ~0.5 MB, and stalled whenever Node's main
   * thread was busy elsewhere (loading modules, parsing the lab) and did not drain it.
   */
  readonly outFile?: string;
  /**
   * With `json`: called with each document as it arrives, while the process still runs (the
   * head start's read, readHostThen). Output then always goes through a pipe.
   */
  readonly onDoc?: (doc: unknown) => void;
}

/** A process that runs longer than this is killed (and its batch reported as failed). */
const TIMEOUT_MS = 120_000;

/** What spawnExec started in process groups of their own and is still running. */
const running = new Set<ChildProcess>();

/** Ends every process spawnExec started that still runs: for a second Ctrl-C, "abort at once". */
export function stopRunning(): void {
  for (const p of running) {
    try {
      process.kill(-p.pid!, 'SIGTERM'); // its group: a share's `netns exec` children too
    } catch {
      // already gone
    }
  }
}

/**
 * node:child_process directly, not execa: on the hot path (hundreds of `ip` runs per apply) execa
 * cost about 1.7 ms of main-thread time per process on top of the fork itself, and 113 ms to
 * import (measured with --cpu-prof on a 200-namespace plan). Here we need none of what it adds.
 */
export const spawnExec: Exec = (file, args, input, opts = {}) =>
  new Promise((resolve, reject) => {
    const fd = opts.outFile !== undefined ? openQuietly(opts.outFile) : undefined;
    const outFile = fd !== undefined ? opts.outFile : undefined; // else a pipe, as ever
    const p = spawn(file, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', fd ?? 'pipe', 'pipe'],
      // Error texts are matched by classify.ts: keep them in English.
      env: { ...process.env, LC_ALL: 'C' },
      // A terminal's Ctrl-C goes to its whole foreground process group: it killed the running
      // `ip` mid-batch, and apply reported a failure and "Applied (0)" where namespaces had been
      // made. In a group of its own, topo alone gets it, and finishes the running step as it says.
      detached: opts.ownGroup === true,
    });
    if (fd !== undefined) closeSync(fd); // the child has its own copy
    // Our own timer, not spawn's `timeout`: Node clears that one on 'exit' only, which a program
    // that is not there (ENOENT) never emits, and the timer then held topo for the whole timeout
    // (120 s) after its work was done: apply with iptables missing from PATH, where br_netfilter
    // made it look at the firewall. 'close' comes in every case.
    const timer = setTimeout(() => p.kill('SIGTERM'), opts.timeoutMs ?? TIMEOUT_MS);
    p.once('close', () => clearTimeout(timer));
    if (opts.ownGroup) {
      running.add(p);
      p.on('exit', () => running.delete(p));
      p.on('error', () => running.delete(p));
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const json = opts.json ? new JsonLines(opts.onDoc) : undefined;
    if (json) p.stdout?.setEncoding('utf8').on('data', (d: string) => json.push(d));
    else p.stdout?.on('data', (d: Buffer) => out.push(d));
    p.stderr!.on('data', (d: Buffer) => err.push(d));
    p.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new TopoError(`${file} not found`, 'system', file === 'ip' ? 'install iproute2 (apt-get install iproute2)' : `install ${file}`));
      else reject(new TopoError(`${file} did not run: ${e.message}`, 'system'));
    });
    p.on('close', (code, signal) => {
      if (outFile !== undefined) {
        const text = takeFile(outFile);
        if (json) json.push(text);
        else out.push(Buffer.from(text));
      }
      resolve({
        exitCode: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(json ? { docs: json.end(), texts: json.texts } : {}),
      });
    });
    if (input !== undefined) {
      // A child that exits without reading its input must not crash us with EPIPE.
      p.stdin!.on('error', () => undefined);
      if (typeof input === 'string') p.stdin!.end(input);
      else void input.then((text) => p.stdin!.end(text));
    }
  });

/** A new file for a child's output, or undefined if it cannot be made. */
function openQuietly(path: string): number | undefined {
  try {
    return openSync(path, 'w', 0o600);
  } catch {
    return undefined;
  }
}

/** A file's text, and the file gone ('' if it is not there). */
function takeFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // never made, or gone: dispose() sweeps the directory anyway
    }
  }
}

/**
 * A process for callers that need more than its output: a listener kept running, a command on
 * the user's terminal, the sandbox's `unshare`. Every process topo starts comes from this module,
 * from argv, never through a shell.
 */
export function startProcess(file: string, args: readonly string[], opts: { stdio: 'inherit' | 'pipe' | 'output'; env?: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(file, args, { stdio: opts.stdio === 'output' ? ['ignore', 'pipe', 'pipe'] : opts.stdio, ...(opts.env ? { env: opts.env } : {}) });
}

/** A short process run to its end, for the sandbox's setup (before any event loop work matters). */
export function runToEnd(file: string, args: readonly string[]): { ok: boolean; stderr: string; error?: Error } {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  return { ok: !r.error && r.status === 0, stderr: r.stderr ?? '', ...(r.error ? { error: r.error } : {}) };
}

/**
 * What one namespace read asks `ip -j -d -batch` for: three JSON documents, in this order, and
 * a fourth, the nsids, where asked for (see NsSnapshot.nsids for why not always).
 */
const READ_STATE = 'link show\naddr show\nroute show table all\n';
const READ_NSIDS = 'netns list-id\n';
const readLines = (nsids: boolean) => READ_STATE + (nsids ? READ_NSIDS : '');

/** The -v log of a process: its namespace, argv and input, and a note where its start was unusual. */
export type OnCommand = (ns: string, argv: readonly string[], input?: string, note?: string) => void;

/** destroy -y's head start (readHostThen): the host's read, then its lines, in one process. */
const HOST_THEN_ARGS = ['-j', '-d', '-batch', '-'];
const hostThenInput = (lines: readonly (readonly string[])[]) => readLines(true) + lines.map(batchLine).join('\n') + '\n';

/** A head start's process that the bin began before the rest of topo loaded: its input, and its end. */
export interface Begun {
  readonly input: string;
  readonly result: Promise<ExecResult>;
}

/**
 * readHostThen's process, begun by the bin (cli/early-destroy.ts) for readHostThen to take on
 * later. Its output goes to outFile, not a pipe: nothing reads a pipe while topo loads, and a
 * 200-star's host read (~0.6 MB) would fill one and hold `ip` back from its lines.
 */
export function beginHostThen(lines: readonly (readonly string[])[], outFile: string, exec: Exec = spawnExec): Begun {
  const input = hostThenInput(lines);
  return { input, result: exec('ip', HOST_THEN_ARGS, input, { json: true, ownGroup: true, outFile }) };
}

/** A namespace to read, and whether its nsids are wanted. */
interface ReadSpec {
  readonly ns: string;
  readonly nsids: boolean;
}

/**
 * Namespace names that can go on a `netns exec` batch line as they are. Anything else (a foreign
 * namespace with an odd name) is read on its own with `ip -n`, which takes any name.
 */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:@+=-]*$/;

/** Below this many namespaces a fan-out saves nothing: one `ip -n` each is as cheap. */
const FAN_OUT_MIN = 6;
/**
 * The most fan-out shares at once. With N namespaces costing ~3 ms each and a share ~2.5 ms of
 * Node to start, k shares take about 3N/k + 2.5k ms: at N = 200 that is least near k = 15. This
 * VM has 2 cores, so the bound itself is reasoned, not measured.
 */
const MAX_STREAMS = 16;

/** The one module that starts processes: `ip` (and `sysctl` through `ip netns exec`). */
export class IpDriver implements Driver {
  /** Starts one process from an argv array; never a shell. */
  private readonly spawn: Exec;
  private readonly limit: Limiter;
  private readonly batchLimit: Limiter;
  /** The wave prepare started, waiting for runBatches (or release). */
  private staged: { batches: readonly Batch[]; open: (go: boolean) => void; results: Promise<BatchResult[]> } | undefined;
  private readonly streams: number;
  private readonly readStreams: number;
  private scratch: string | undefined;
  private readonly scratchFiles = new Set<string>();
  /** Batch files already written, by batch (see prepare), and a counter for their names. */
  private readonly batchFiles = new WeakMap<Batch, string>();
  private fileSeq = 0;
  private readonly onCommand: OnCommand | undefined;

  /** The names in /run/netns. Injectable so unit tests need no real directory. */
  private readonly listNetns: () => string[];
  /** The text of /proc/self/net/dev, or undefined. Injectable likewise. */
  private readonly readNetDev: () => string | undefined;
  /** How shares enter namespaces (see Entry), decided at first use. Injectable likewise. */
  private readonly chooseEntry: () => Entry | undefined;
  private entryChosen: { entry: Entry | undefined } | undefined;

  /**
   * concurrency: how many batch shares of a wave run at once (default: one per core, at least 2;
   * changes contend for the kernel's rtnl lock, and more streams measured no faster).
   * readConcurrency: how many read shares (default: twice that). Reads spend part of their time
   * asleep in the kernel (each `netns exec` child makes a mount namespace and remounts /sys), so
   * on 2 cores 200 namespaces took 0.33 s in 2 streams and 0.27 s in 4 (measured with bash).
   * Both stop at MAX_STREAMS: every share is a Node fork (2-3 ms of the main thread, one after
   * another), so on a machine with many cores more shares would cost more than they save.
   */
  constructor(
    opts: {
      exec?: Exec;
      concurrency?: number;
      readConcurrency?: number;
      onCommand?: OnCommand;
      listNetns?: () => string[];
      readNetDev?: () => string | undefined;
      /** How shares enter namespaces; false: no fan-out through xargs (`netns exec` shares). */
      entry?: Entry | false;
    } = {},
  ) {
    this.spawn = opts.exec ?? spawnExec;
    this.listNetns = opts.listNetns ?? listNetnsDir;
    this.readNetDev = opts.readNetDev ?? readProcNetDev;
    this.chooseEntry = opts.entry !== undefined ? () => opts.entry || undefined : () => defaultEntry(this.listNetns().length);
    this.streams = opts.concurrency ?? Math.min(MAX_STREAMS, Math.max(2, availableParallelism()));
    this.readStreams = opts.readConcurrency ?? Math.min(MAX_STREAMS, 2 * this.streams);
    this.limit = limiter(this.readStreams);
    this.batchLimit = limiter(this.streams);
    this.onCommand = opts.onCommand;
  }

  /** json: the output is `-j` documents, parsed as they arrive (ExecResult.docs). */
  private run(ns: string, args: readonly string[], input?: string, limit: Limiter = this.limit, json = false): Promise<ExecResult> {
    return this.start('ip', ns === HOST ? args : ['-n', ns, ...args], input, limit, undefined, json, ns);
  }

  /**
   * Every process starts here, logged (-v) as it gets its input: through the limiter, or, for a
   * prepared wave (gate), at once, with its input (or none, if the wave was let go of) when the
   * gate opens; its time then runs from its start, and it first waits out the wave before it.
   */
  private start(file: string, argv: readonly string[], input: string | undefined, limit: Limiter, gate: Gate | undefined, json: boolean, ns = HOST, onDoc?: (doc: unknown) => void): Promise<ExecResult> {
    const out = json && !onDoc ? this.outFile() : undefined;
    const opts = { json, ownGroup: true, ...(out !== undefined ? { outFile: out } : {}), ...(onDoc ? { onDoc } : {}) };
    if (!gate) {
      this.onCommand?.(ns, [file, ...argv], input);
      return limit(() => this.spawn(file, argv, input, opts));
    }
    const given = gate.then((go) => {
      if (go) this.onCommand?.(ns, [file, ...argv], input);
      return go ? (input ?? '') : '';
    });
    return this.spawn(file, argv, given, { ...opts, timeoutMs: 2 * TIMEOUT_MS });
  }

  /**
   * Where a process's JSON goes (ExecOptions.outFile): a file of its own in the scratch
   * directory, once there is one, i.e. in a fan-out (six namespaces or more), whose shares'
   * batch and read files are there (so a small lab's run leaves nothing in /dev/shm, even if
   * killed). A 200-mesh's read in 4 `xargs -L 1 nsenter` shares, with Node's main thread held
   * busy for 150 ms after it started them (as when plan's early read runs while topo loads):
   * 514-691 ms through pipes, 424-494 through files; not held, 379-592 and 363-401 (5 rounds).
   */
  private outFile(): string | undefined {
    return this.scratch !== undefined ? join(this.scratch, `o${this.fileSeq++}.json`) : undefined;
  }

  /** How this driver's shares enter namespaces: decided once, at the first share (see defaultEntry). */
  entry(): Entry | undefined {
    return (this.entryChosen ??= { entry: this.chooseEntry() }).entry;
  }

  /**
   * A fan-out share through xargs (see enterLines): one `xargs` process runs the share's
   * commands one after another, each in its namespace (the host's own for HOST), with their
   * output in order, as an `ip -batch` share's. It ends with 0 only if every one did.
   */
  private runEntering(entry: Entry, lines: readonly Entered[], limit: Limiter, gate: Gate | undefined, json: boolean, trace = false): Promise<ExecResult> {
    return this.start('xargs', [...(trace ? ['-t'] : []), '-L', '1', entry], enterLines(lines, entry), limit, gate, json);
  }

  /**
   * One command inside a namespace, on its own. Sysctls (/proc/sys/net shows the network
   * namespace of whoever reads it) need nothing but nsenter --net, without the mount namespace
   * `netns exec` copies, where shares use nsenter; else `ip netns exec`.
   */
  private runInside(ns: string, argv: readonly string[]): Promise<ExecResult> {
    return this.entry() === 'nsenter' ? this.start('nsenter', [`--net=${NETNS_DIR}/${ns}`, ...argv], undefined, this.limit, undefined, false) : this.run(HOST, ['netns', 'exec', ns, ...argv]);
  }

  async snapshot(req: SnapshotRequest = {}): Promise<KernelSnapshot> {
    // The directory itself, not `ip -j netns list`: that is a process, and it asks the kernel
    // for each entry's nsid, which a read does not need. Entries that are not namespaces are
    // found by the reads, as before.
    const all = this.listNetns();
    const names = req.only ? all.filter((n) => req.only!.has(n)) : all;
    const strays: { name: string; reason: string }[] = [];
    const nsids = (ns: string) => ns === HOST || !req.nsids || req.nsids.has(ns);
    const withHost = !req.only || req.only.has(HOST);
    const fanned = await this.readFanned(names.filter((n) => PLAIN_NAME.test(n)).map((ns) => ({ ns, nsids: nsids(ns) })), withHost);
    const reads = await Promise.all(
      [...(req.only && !req.only.has(HOST) ? [] : [HOST]), ...names.sort()].map(async (ns) => {
        const read = fanned.get(ns);
        const x = read ?? (await this.readNs(ns, nsids(ns)));
        if ('stray' in x) strays.push({ name: ns, reason: x.stray });
        return 'gone' in x || 'stray' in x ? undefined : x;
      }),
    );
    return { namespaces: reads.filter((x): x is NsSnapshot => x !== undefined), strays };
  }

  /**
   * Reads many namespaces with few processes: each of a handful of shares (two per core, see the
   * constructor) runs `ip -j -d -batch FILE` in each of its namespaces, one after another: an
   * `xargs -L 1 ip` process (enterLines), or, without GNU xargs, an `ip -batch -` of `netns
   * exec` lines (kernel-facts 2.7). Either forks far more cheaply than Node can (Node's
   * fork cost grows with its heap); reading 200 empty namespaces took 0.93 s with a spawn per
   * namespace and 0.55 s through `netns exec` shares. Output arrives in order: three JSON
   * documents per namespace, four with its nsids. The host, when asked for, is read by the first
   * share after its namespaces (by the share's own `ip` where it is one): read first, its output
   * (~0.6 MB for a 200-star: bridge ports with -d) filled the pipe while Node was still loading
   * and parsing the lab (the early read), and the share stalled; it ended 30-40 ms after the
   * others (spawn timelines), now within ~10 ms.
   * Anything unexpected in a share (a namespace deleted meanwhile, a failure) sends that share
   * back to the careful one-process-per-namespace path, which knows how to report it.
   */
  private async readFanned(specs: readonly ReadSpec[], withHost: boolean): Promise<Map<string, NsSnapshot>> {
    const out = new Map<string, NsSnapshot>();
    if (!this.canFanOut(specs.length)) return out;
    const files = [false, true].map((n) => this.scratchFile(`read${n ? '-nsids' : ''}.batch`, readLines(n)));
    const entry = this.entry();
    await Promise.all(
      shares(specs, this.readStreams).map(async (part, k) => {
        const share = k === 0 && withHost ? [...part, { ns: HOST, nsids: true }] : part;
        const entered = (s: ReadSpec) => ({ ns: s.ns, argv: ['ip', '-j', '-d', '-batch', files[Number(s.nsids)]!] });
        const r = entry
          ? await this.runEntering(entry, share.map(entered), this.limit, undefined, true)
          : await this.run(HOST, ['-j', '-d', '-batch', '-'], share.map((s) => (s.ns === HOST ? readLines(true) : batchLine(['netns', 'exec', s.ns, ...entered(s).argv]) + '\n')).join(''), this.limit, true);
        const states = r.exitCode === 0 ? this.stateFrom(share, r) : undefined;
        for (const st of states ?? []) out.set(st.ns, st);
      }),
    );
    return out;
  }

  /**
   * Fanning out pays from FAN_OUT_MIN namespaces on, and needs batch files whose path can go on
   * a batch line as it is (a TMPDIR with odd characters: no fan-out, one process per namespace).
   */
  private canFanOut(n: number): boolean {
    return n >= FAN_OUT_MIN && /^[A-Za-z0-9_.\/-]+$/.test(this.scratchDir());
  }

  private scratchDir(): string {
    if (this.scratch === undefined) {
      this.scratch = mkdtempSync(join(scratchBase(), 'topo-'));
      process.once('exit', this.onExit);
    }
    return this.scratch;
  }

  /** A file in this driver's private scratch directory, removed by dispose(). */
  private scratchFile(name: string, content: string): string {
    const path = join(this.scratchDir(), name);
    writeFileSync(path, content);
    this.scratchFiles.add(path);
    return path;
  }

  /**
   * Removes the scratch directory; also runs at exit, whatever the reason. The files it wrote are
   * known, so it unlinks them by name (~1 ms for 200 on tmpfs, where a recursive rmSync, which
   * also stats each one, took 2-4 ms); only a directory that still is not empty is swept.
   */
  dispose(): void {
    this.release();
    if (this.scratch === undefined) return;
    for (const f of this.scratchFiles) {
      try {
        unlinkSync(f);
      } catch {
        // already gone: the sweep below finds nothing of it
      }
    }
    this.scratchFiles.clear();
    try {
      rmdirSync(this.scratch);
    } catch {
      rmSync(this.scratch, { recursive: true, force: true });
    }
    this.scratch = undefined;
    process.off('exit', this.onExit);
  }

  /** Removes the scratch directory if topo exits without dispose(); dispose() takes it off again. */
  private readonly onExit = (): void => this.dispose();

  /** One process per namespace: link, addr, routes (and nsids) in a single `-j -batch`. */
  private async readNs(ns: string, nsids: boolean): Promise<NsSnapshot | { gone: true } | { stray: string }> {
    const r = await this.run(ns, ['-j', '-d', '-batch', '-'], readLines(nsids));
    if (r.exitCode !== 0) {
      if (ns === HOST) throw new TopoError(`cannot read the host's links: ${r.stderr.trim()}`, 'system');
      // Deleted between the listing and the read: simply not there.
      if (/No such file or directory/.test(r.stderr)) return { gone: true };
      return { stray: `is not a usable network namespace (${r.stderr.trim().split('\n')[0]})` };
    }
    const read = this.stateFrom([{ ns, nsids }], r)?.[0];
    if (!read) throw new InternalError(`ip -batch for ${ns} did not print the JSON documents of a read`);
    return read;
  }

  /**
   * destroy -y's head start (live/read.ts, readLiveForDestroy): the host's read, and then, in the
   * same `ip -j -d -batch -`, these host lines. The read settles as soon as its four documents
   * are in, while the lines run on; `ran` settles when they have run. Line numbers in `ran` are
   * the lines' own (the read's are taken off); a failure within the read ran none of them.
   * begun: that process, for these lines, already started by the bin (cli/early-destroy.ts).
   */
  readHostThen(lines: readonly (readonly string[])[], begun?: Begun): { read: Promise<KernelSnapshot>; ran: Promise<BatchResult> } {
    const spec = [{ ns: HOST, nsids: true }];
    const readLineCount = readLines(true).split('\n').length - 1;
    const docs: unknown[] = [];
    let got: ((s: NsSnapshot) => void) | undefined;
    const early = new Promise<NsSnapshot>((resolve) => (got = resolve));
    const onDoc = (d: unknown) => {
      docs.push(d);
      const state = docs.length === readLineCount ? this.stateFrom(spec, { exitCode: 0, stdout: '', stderr: '', docs }) : undefined;
      if (state) got!(state[0]!);
    };
    const input = hostThenInput(lines);
    if (begun && begun.input !== input) throw new InternalError('the head start the bin began has other lines than the plan');
    if (begun) this.onCommand?.(HOST, ['ip', ...HOST_THEN_ARGS], input, 'begun by the bin, before the rest of topo loaded');
    const r = begun ? begun.result : this.start('ip', HOST_THEN_ARGS, input, this.limit, undefined, true, HOST, onDoc);
    const failedAt = (x: ExecResult) => {
      const m = /Command failed -:(\d+)/.exec(x.stderr);
      return m ? Number(m[1]) : undefined;
    };
    // Settled at the process's end too: when it failed within the read, or where the documents
    // did not arrive one by one (a scripted Exec).
    const atEnd = r.then((x) => {
      const n = failedAt(x);
      const state = n === undefined || n > readLineCount ? this.stateFrom(spec, { ...x, docs: outputOf(x).docs?.slice(0, readLineCount) ?? null }) : undefined;
      if (!state) throw new TopoError(`cannot read the host's links: ${x.stderr.trim() || `ip exited with ${x.exitCode}`}`, 'system');
      return state[0]!;
    });
    const read = Promise.race([early, atEnd]).then((state) => ({ namespaces: [state], strays: [], only: new Set([HOST]) }));
    const ran = r.then((x): BatchResult => {
      const n = failedAt(x);
      // Ended with no line named (killed): if the read was done, some lines may have run.
      const readDone = n === undefined ? (outputOf(x).docs?.length ?? 0) >= readLineCount : n > readLineCount;
      if (x.exitCode !== 0 && !readDone) return { exitCode: x.exitCode, stderr: x.stderr, notRun: true };
      return { exitCode: x.exitCode, stderr: x.stderr, ...(n !== undefined ? { failedLine: n - readLineCount } : {}) };
    });
    return { read, ran };
  }

  async readNsids(names: readonly string[]): Promise<Map<string, NsId[]>> {
    const out = new Map<string, NsId[]>();
    const fan = names.filter((n) => n !== HOST && PLAIN_NAME.test(n));
    if (this.canFanOut(fan.length)) {
      await Promise.all(
        shares(fan, this.readStreams).map(async (share) => {
          const r = await this.run(HOST, ['-batch', '-'], share.map((ns) => batchLine(['netns', 'exec', ns, 'ip', '-j', 'netns', 'list-id'])).join('\n') + '\n');
          const docs = r.exitCode === 0 ? tryJsonLines(r.stdout) : undefined;
          if (docs?.length === share.length) share.forEach((ns, i) => out.set(ns, docs[i] as NsId[]));
        }),
      );
    }
    // What the fan-out did not bring back (or could not take) is read one namespace at a time.
    await Promise.all(
      names
        .filter((ns) => !out.has(ns))
        .map(async (ns) => {
          const r = await this.run(ns, ['-j', 'netns', 'list-id']);
          const doc = r.exitCode === 0 ? tryJsonLines(r.stdout)?.[0] : undefined;
          if (doc) out.set(ns, doc as NsId[]);
        }),
    );
    return out;
  }

  /**
   * Host processes with one line per pair: `netns list-id target-nsid X nsid Y` asks the kernel
   * for X's nsid of Y (kernel 4.20+). That form is a single request, not a dump: in batch mode
   * `ip` leaves strict checking off, and a dump's target-nsid is then ignored (it printed the
   * host's own list). `ip` names Y in its answer from a table it drops each name from once
   * printed, and then looks the name up by opening every /run/netns entry: so a process asks
   * about each Y once, in as many processes as that takes (a 200-namespace chain's 199
   * questions took 7 ms; 398 that asked about each namespace twice in one process, 240-280 ms).
   * The answer's current-nsid must be Y's host nsid.
   */
  async nsidsViaHost(pairs: readonly (readonly [string, string])[], hostNsids?: readonly NsId[]): Promise<Map<string, NsId[]>> {
    const out = new Map<string, NsId[]>();
    let ids = new Map(hostNsids?.flatMap((x) => (x.name !== undefined ? [[x.name, x.nsid] as const] : [])));
    if (pairs.some(([x, y]) => !ids.has(x) || !ids.has(y))) {
      // Given none, or from before apply made some of these namespaces. `netns list` (one
      // request per entry), not the dump `netns list-id`: with 200 host nsids that dump ended
      // after 134 entries when it ran alone (plain or -j, iproute2 6.1, Linux 6.18), and gave
      // all 200 only after a bigger dump in the same process, as in a read's batch.
      const r = await this.run(HOST, ['-j', 'netns', 'list'], undefined, UNLIMITED);
      const doc = r.exitCode === 0 ? tryJsonLines(r.stdout)?.[0] : undefined;
      if (!Array.isArray(doc)) return out;
      ids = new Map((doc as { name: string; id?: number }[]).flatMap((x) => (typeof x.id === 'number' ? [[x.name, x.id] as const] : [])));
    }
    // At most one process per stream: past that, a namespace asked about more often is asked
    // again in the last one, and costs a walk of /run/netns there (~1.3 ms at 200).
    const rounds: [string, string][][] = [];
    const asks = new Map<string, number>();
    for (const [x, y] of pairs) {
      if (!ids.has(x) || !ids.has(y)) continue;
      const k = asks.get(y) ?? 0;
      asks.set(y, k + 1);
      (rounds[Math.min(k, this.readStreams - 1)] ??= []).push([x, y]);
    }
    await Promise.all(
      rounds.map(async (asked) => {
        const lines = asked.map(([x, y]) => batchLine(['netns', 'list-id', 'target-nsid', String(ids.get(x)), 'nsid', String(ids.get(y))]));
        const r = await this.run(HOST, ['-j', '-batch', '-'], lines.join('\n') + '\n', UNLIMITED);
        const docs = r.exitCode === 0 ? tryJsonLines(r.stdout) : undefined;
        if (docs?.length !== asked.length) return;
        asked.forEach(([x, y], i) => {
          const e = (docs[i] as { nsid?: number; 'current-nsid'?: number }[] | null)?.[0];
          if (typeof e?.nsid === 'number' && e['current-nsid'] === ids.get(y)) out.set(x, [...(out.get(x) ?? []), { nsid: e.nsid, name: y }]);
        });
      }),
    );
    return out;
  }

  /**
   * The namespaces' sysctls, from fan-out shares like reads: `--net=/run/netns/NS sysctl -e KEYS
   * kernel.ostype` per namespace. -e leaves out keys a namespace lacks, so each one's answer ends
   * with a key every kernel has and a lab's (net.* only) never is. A 200-chain with one sysctl on
   * every node had taken ~0.5 s more to plan than without, a process started by Node for each.
   * A share whose answers do not add up is read again a namespace at a time.
   */
  async readSysctls(want: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    const fan = [...want].filter(([ns]) => ns !== HOST && PLAIN_NAME.test(ns));
    const entry = fan.length >= FAN_OUT_MIN ? this.entry() : undefined;
    if (entry) {
      await Promise.all(
        shares(fan, this.readStreams).map(async (share) => {
          const r = await this.runEntering(entry, share.map(([ns, keys]) => ({ ns, argv: ['sysctl', '-e', ...keys, SYSCTL_END] })), this.limit, undefined, false);
          const got = sysctlAnswers(r.stdout);
          if (r.exitCode === 0 && got.length === share.length) share.forEach(([ns], k) => out.set(ns, got[k]!));
        }),
      );
    }
    await Promise.all(
      [...want]
        .filter(([ns]) => !out.has(ns))
        .map(async ([ns, keys]) => {
          const r = await this.runInside(ns, ['sysctl', '-e', ...keys]);
          out.set(ns, sysctlAnswers(r.stdout + `${SYSCTL_END} = \n`)[0]!);
        }),
    );
    return out;
  }

  runBatch(ns: string, lines: readonly (readonly string[])[], readAfter = false, nsids = true): Promise<BatchResult> {
    return this.soloBatch({ ns, lines, readAfter, nsids });
  }

  /**
   * One namespace's batch in a process of its own (`ip -n NS -batch -`), and then the sysctls at
   * its tail (splitSysctls) in one more, inside the namespace, unless the batch failed.
   */
  private async soloBatch(b: Batch, gate?: Gate): Promise<BatchResult> {
    const tail = splitSysctls(b);
    const r = !tail || tail.head.length > 0 || b.readAfter ? await this.soloIp(tail ? { ...b, lines: tail.head } : b, gate) : { exitCode: 0, stderr: '' };
    if (!tail || r.exitCode !== 0 || (gate && !(await gate))) return r;
    const s = await this.runInside(b.ns, sysctlArgv(tail.settings));
    const values = sysctlAnswers(s.stdout);
    // No answer at all: it never got into the namespace (or to sysctl), and set nothing.
    return withSysctls(r, tail, values.length === 1 ? { said: s.stderr, values: values[0]! } : { said: s.stderr || `exit status ${s.exitCode}\n`, failed: true });
  }

  private async soloIp(b: Batch, gate?: Gate): Promise<BatchResult> {
    const { ns, lines, readAfter = false, nsids = true } = b;
    const input = lines.map(batchLine).join('\n') + '\n' + (readAfter ? readLines(nsids) : '');
    const r = await this.runGated(ns, readAfter ? ['-j', '-d', '-batch', '-'] : ['-batch', '-'], input, this.limit, gate, readAfter);
    const m = /Command failed -:(\d+)/.exec(r.stderr);
    // A failure in the read lines after the batch is not a failure of the batch.
    if (m && Number(m[1]) > lines.length) return { exitCode: 0, stderr: '' };
    const state = readAfter && r.exitCode === 0 ? this.stateFrom([{ ns, nsids }], r) : undefined;
    return { exitCode: r.exitCode, stderr: r.stderr, ...(m ? { failedLine: Number(m[1]) } : {}), ...(state ? { state: state[0]! } : {}) };
  }

  /** These namespaces' reads, in order (three or four JSON documents each), or undefined if that is not what came. */
  private stateFrom(specs: readonly ReadSpec[], r: ExecResult): NsSnapshot[] | undefined {
    const docs = outputOf(r).docs;
    if (docs?.length !== specs.reduce((n, s) => n + (s.nsids ? 4 : 3), 0)) return undefined;
    let i = 0;
    return specs.map((s) => {
      const [links, addrs, routes] = docs.slice(i, i + 3) as [IpLink[], IpAddr[], IpRoute[]];
      i += 3;
      return { ns: s.ns, links, addrs, routes, ...(s.nsids ? { nsids: docs[i++] as NsId[] } : {}) };
    });
  }

  /**
   * A wave: the host batch runs on its own; the namespaces' batches fan out like readFanned, one
   * share per stream, each namespace's batch from its own file. (Shares of 25 namespaces, for
   * progress, bought nothing: results are reported per wave, and each share is a Node fork, ~3 ms
   * of the main thread.) Through xargs (enterLines), every batch of the share runs, and each
   * has its own outcome (enteredOutcomes): which namespaces a failure stops no longer depends on
   * how they were cut into shares. (With nsenter, on stop 14's machine, a 200-star's namespace
   * phase from bash, 2 shares, 4 rounds: 295-356 ms against 333-443 with `netns exec` lines;
   * 500: 1.05-1.25 s against 1.62-2.02. See Entry for why `ip -n` is the default now.)
   * Through `netns exec` lines (no GNU xargs), a share stops at its first failing namespace (no
   * -force: in batch mode `ip` forks for `netns exec`, and a child that cannot enter its
   * namespace would otherwise go on running the parent's remaining lines). `Command failed
   * FILE:N` from the child names the batch and line; `Command failed -:K` from the share names
   * the child that failed, and everything after it did not run.
   */
  runBatches(batches: readonly Batch[]): Promise<BatchResult[]> {
    const staged = this.staged;
    this.staged = undefined;
    if (staged?.batches === batches) {
      staged.open(true);
      return staged.results;
    }
    staged?.open(false);
    return this.launch(batches);
  }

  private async launch(batches: readonly Batch[], gate?: Gate): Promise<BatchResult[]> {
    const all = batches.map((b, i) => [b, i] as const);
    const fanned = this.fannable(all);
    const inShares = new Set(fanned);
    const solo = all.filter((x) => !inShares.has(x));
    const results: BatchResult[] = new Array(batches.length);
    const fileOf = new Map(fanned.map(([b, i]) => [i, this.batchFile(b)]));
    const entry = fanned.length > 0 ? this.entry() : undefined;
    await Promise.all([
      ...solo.map(async ([b, i]) => {
        results[i] = await this.soloBatch(b, gate);
      }),
      ...shares(fanned, this.streams).map(async (share) => {
        const entered = ([b, i]: (typeof share)[number]) => ({ ns: b.ns, argv: ['ip', ...(b.readAfter ? ['-j', '-d'] : []), '-batch', fileOf.get(i)!] });
        const readers = share.filter(([b]) => b.readAfter);
        if (entry) {
          // Each batch is its `ip` and, after it, its sysctls in a process of their own (either
          // may be all there is).
          const commands: Entered[] = [];
          const parts = share.map((x) => {
            const tail = splitSysctls(x[0]);
            const ip = !tail || tail.head.length > 0 || x[0].readAfter ? commands.push(entered(x)) - 1 : undefined;
            const sys = tail ? commands.push({ ns: x[0].ns, argv: sysctlArgv(tail.settings) }) - 1 : undefined;
            return { tail, ip, sys };
          });
          const r = await this.runEntering(entry, commands, this.batchLimit, gate, readers.length > 0, true);
          const outcomes = enteredOutcomes(commands, r, entry);
          const ipOutcome = (k: number): BatchResult => (parts[k]!.ip === undefined ? { exitCode: 0, stderr: '' } : outcomes[parts[k]!.ip!]!);
          // Only the batches that ran to their end printed their reads, and only the sysctls
          // that got into their namespace their answers (sysctlArgv).
          const done = share.filter(([b], k) => b.readAfter && ipOutcome(k).exitCode === 0);
          const states = this.stateFrom(done.map(([b]) => ({ ns: b.ns, nsids: b.nsids ?? true })), r);
          const stateOf = new Map(states?.map((st, k) => [done[k]![1], st]));
          const answered = parts.filter((p) => p.sys !== undefined && outcomes[p.sys]!.exitCode === 0);
          const answers = sysctlAnswers(outputOf(r).texts.join('\n'));
          const answerOf = new Map(answers.length === answered.length ? answered.map((p, k) => [p, answers[k]!]) : []);
          share.forEach(([, i], k) => {
            const { tail, sys } = parts[k]!;
            const o = ipOutcome(k);
            const ran = stateOf.has(i) ? { ...o, state: stateOf.get(i)! } : o;
            if (!tail) results[i] = ran;
            else {
              const so = outcomes[sys!]!;
              const set = so.notRun ? undefined : so.exitCode !== 0 ? { said: so.stderr, failed: true } : { said: so.stderr, values: answerOf.get(parts[k]!) };
              results[i] = withSysctls(ran, tail, set);
            }
          });
          return;
        }
        const input = share.map((x) => batchLine(['netns', 'exec', x[0].ns, ...entered(x).argv])).join('\n') + '\n';
        const r = await this.runGated(HOST, ['-batch', '-'], input, this.batchLimit, gate, readers.length > 0);
        const states = r.exitCode === 0 ? this.stateFrom(readers.map(([b]) => ({ ns: b.ns, nsids: b.nsids ?? true })), r) : undefined;
        const stateOf = new Map(states?.map((st, k) => [readers[k]![1], st]));
        const failedChild = r.exitCode === 0 ? share.length : Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 1) - 1;
        // The child's own words, without the shares' bookkeeping lines.
        const stderr = r.stderr.replace(/^Command failed -:\d+\n?/gm, '');
        share.forEach(([, i], k) => {
          if (k < failedChild) results[i] = { exitCode: 0, stderr: '', ...(stateOf.has(i) ? { state: stateOf.get(i)! } : {}) };
          else if (k > failedChild) results[i] = { exitCode: -1, stderr: '', notRun: true };
          else {
            // The child names its batch file; say "-" as a lone batch would, and take its line.
            const own = stderr.split(`Command failed ${fileOf.get(i)!}:`).join('Command failed -:');
            const m = /Command failed -:(\d+)/.exec(own);
            results[i] = { exitCode: r.exitCode || 1, stderr: own, ...(m ? { failedLine: Number(m[1]) } : {}) };
          }
        });
      }),
    ]);
    return results;
  }

  /** The batches runBatches hands to fan-out shares (each runs from a file of its own). */
  private fannable<T extends readonly [Batch, ...unknown[]]>(all: readonly T[]): T[] {
    // A `netns exec` share stops at its first failing command, and sysctl's exit status does not
    // say whether a key failed: without xargs, a batch with sysctls runs on its own.
    const entering = this.entry() !== undefined;
    const fannable = all.filter(([b]) => b.ns !== HOST && PLAIN_NAME.test(b.ns) && (entering || !splitSysctls(b)));
    return this.canFanOut(fannable.length) ? fannable : [];
  }

  /**
   * Gets a wave that has yet to run ready, while the previous wave's processes run and Node has
   * nothing else to do: writes its batch files (written between the waves, they had taken ~20 ms
   * of that gap at 200 namespaces, measured with --cpu-prof) and starts the processes that
   * run in the host (the fan-out shares, at most one per stream, and the host's batch). They
   * wait on an open stdin until runBatches hands them their lines. Starting a process costs Node
   * 4-6 ms of its main thread (a fork of a 60 MB process), and the next wave's starts had sat
   * between the waves. An `ip -n NS` process cannot start early: it enters NS as it starts.
   */
  prepare(batches: readonly Batch[]): void {
    this.release();
    let open!: (go: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (open = resolve));
    const results = this.launch(batches, gate);
    results.catch(() => undefined); // a wave let go of has no one to tell; runBatches hands on a run one's failure
    this.staged = { batches, open, results };
  }

  /** Lets go of a prepared wave that will not run: its processes get no lines and exit. */
  release(): void {
    this.staged?.open(false);
    this.staged = undefined;
  }

  /** A wave's `ip` (see start); one that enters a namespace starts only once the gate opens. */
  private async runGated(ns: string, args: readonly string[], input: string, limit: Limiter, gate: Gate | undefined, json: boolean): Promise<ExecResult> {
    if (!gate) return this.run(ns, args, input, limit, json);
    // `ip -n NS` enters NS as it starts, and NS may be made by the wave before: such a process
    // starts only once the gate opens.
    if (ns !== HOST) return (await gate) ? this.run(ns, args, input, limit, json) : { exitCode: 0, stdout: '', stderr: '' };
    return this.start('ip', args, input, limit, gate, json);
  }

  /** The file a fanned-out batch runs from, written once per batch (by prepare or on first use). */
  private batchFile(b: Batch): string {
    let file = this.batchFiles.get(b);
    if (file === undefined) {
      const lines = splitSysctls(b)?.head ?? b.lines;
      file = this.scratchFile(`b${this.fileSeq++}.batch`, lines.map(batchLine).join('\n') + '\n' + (b.readAfter ? readLines(b.nsids ?? true) : ''));
      this.batchFiles.set(b, file);
    }
    return file;
  }

  /**
   * Whether the kernel can make these link kinds: made and deleted inside a scratch namespace of
   * our own, so the machine's namespaces never see a probe. Returns the kinds that failed, with
   * the kernel's words.
   */
  async probeKinds(kinds: readonly Probed[]): Promise<{ kind: string; error: string }[]> {
    if (kinds.length === 0) return [];
    const scratch = `topo-probe-${process.pid}`;
    const add = await this.run(HOST, ['netns', 'add', scratch]);
    if (add.exitCode !== 0) return kinds.map((kind) => ({ kind, error: add.stderr.trim() }));
    try {
      const failed: { kind: string; error: string }[] = [];
      for (const kind of kinds) {
        // 'nsid': apply gives each namespace it makes an nsid in the host (compile.ts); an `ip`
        // that cannot would fail that line with the namespace already made.
        const r =
          kind === 'nsid'
            ? await this.run(HOST, ['netns', 'set', scratch, 'auto'])
            : await this.run(scratch, kind === 'veth' ? ['link', 'add', 'name', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'] : ['link', 'add', 'name', 'probe2', 'type', 'bridge']);
        if (r.exitCode !== 0) failed.push({ kind, error: r.stderr.trim() });
      }
      return failed;
    } finally {
      await this.run(HOST, ['netns', 'del', scratch]);
    }
  }

  /** `ip -V`, and whether `ip -j` prints JSON (iproute2 4.13 and later). */
  async ipVersion(): Promise<{ version: string; json: boolean }> {
    const v = await this.run(HOST, ['-V']);
    const j = await this.run(HOST, ['-j', 'link', 'show', 'lo']);
    let json = false;
    try {
      json = Array.isArray(JSON.parse(j.stdout));
    } catch {
      json = false;
    }
    return { version: (v.stdout.trim().split('\n')[0] ?? '').replace(/^ip utility, /, ''), json };
  }

  /** The FORWARD policies of iptables/ip6tables, where those tools exist: DROP would eat bridged lab traffic. */
  async forwardPolicies(): Promise<{ tool: string; policy: string }[]> {
    const policies = await Promise.all(
      ['iptables', 'ip6tables'].map(async (tool) => {
        try {
          // Not through the read limiter: queued behind a plan's read shares, these started as
          // the first share ended, on the critical path (spawn timeline of a 200-star plan).
          const r = await this.spawn(tool, ['-S', 'FORWARD'], undefined, { ownGroup: true });
          const m = /^-P FORWARD (\w+)/m.exec(r.stdout);
          return r.exitCode === 0 && m ? [{ tool, policy: m[1]! }] : [];
        } catch {
          return []; // not installed: nothing to check
        }
      }),
    );
    return policies.flat();
  }

  netnsIds(names: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const n of names) {
      try {
        out.set(n, statSync(`${NETNS_DIR}/${n}`).ino);
      } catch {
        // already gone
      }
    }
    return out;
  }

  netnsIdentities(): Map<string, string> {
    return netnsIdentities(this.listNetns());
  }

  holders(id: number): { pid: number; command: string }[] {
    const out: { pid: number; command: string }[] = [];
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (readlinkSync(`/proc/${p}/ns/net`) !== `net:[${id}]`) continue;
        out.push({ pid: Number(p), command: readFileSync(`/proc/${p}/comm`, 'utf8').trim() });
      } catch {
        // exited, or not ours to read
      }
    }
    return out;
  }

  /** The interfaces of the namespace topo runs in, by name, from /proc/self/net/dev. */
  private hostInterfaces(): Set<string> | undefined {
    const text = this.readNetDev();
    if (text === undefined) return undefined;
    // Two header lines, then `  NAME: counters...`; a name can hold no ':' (dev_valid_name).
    return new Set(text.split('\n').slice(2).flatMap((l) => (l.includes(':') ? [l.slice(0, l.indexOf(':')).trim()] : [])));
  }

  /**
   * Destroy polls this until the host ends of deleted namespaces' veths are gone. For the host it
   * reads /proc/self/net/dev (this process's namespace, whatever /sys shows): no process to start
   * and no wait for rtnl, which the kernel's teardown holds, so a poll costs ~0.1 ms instead of
   * an `ip` run of 5 ms, or 30-60 ms when it queued behind the teardown (measured on a 200-star).
   */
  async existing(ns: string, names: readonly string[]): Promise<string[]> {
    const listed = ns === HOST ? this.hostInterfaces() : undefined;
    if (listed) return names.filter((n) => listed.has(n));
    const r = await this.run(ns, ['-j', 'link', 'show']);
    if (r.exitCode !== 0) return [];
    const present = new Set(((parseJsonLines(r.stdout)[0] ?? []) as IpLink[]).map((l) => l.ifname));
    return names.filter((n) => present.has(n));
  }
}

/**
 * What each command of an `xargs -t -L 1 ip` (or nsenter) share came to (a wave's batches and
 * sysctls). xargs echoes each command to stderr as it starts it (-t), and goes on past one that
 * fails with a status up to 125, ending with 123; so each command has an outcome of its own, and
 * which ones ran does not depend on how they were cut into shares. A failed `ip` names its
 * batch file and line (`Command failed FILE:N`); one that could not enter its namespace ran
 * none of it (`ip -n` and `ip netns exec` then exit with 255, which makes xargs stop; nsenter
 * says so and exits with 1); one that started and said neither ran to its end, with what it
 * said (sysctl names a key it could not set, with or without a non-zero status), unless xargs
 * itself ended otherwise (killed, a timeout, a 255) while it ran: that last one is failed with
 * no line, so that nothing of it is taken as done. Those never started did not run.
 */
export function enteredOutcomes(commands: readonly Entered[], r: { readonly exitCode: number; readonly stderr: string }, entry: Entry): BatchResult[] {
  // The echo is the command's words, some of them quoted (findutils 4.9 quotes a word with
  // '='); no word of ours holds a quote, so without them it is the line as given.
  const at = new Map(commands.map((c, k) => [`${entry} ${enterLine(c, entry)}`, k]));
  const started: { k: number; said: string[] }[] = [];
  const before: string[] = [];
  for (const line of r.stderr.split('\n')) {
    const k = line.startsWith(`${entry} `) ? at.get(line.replaceAll("'", '')) : undefined;
    if (k !== undefined) started.push({ k, said: [] });
    else if (line !== '') (started.at(-1)?.said ?? before).push(line);
  }
  const saying = (said: readonly string[]) => (said.length > 0 ? said.join('\n') + '\n' : '');
  if (r.exitCode === 0) {
    const ok: BatchResult[] = commands.map(() => ({ exitCode: 0, stderr: '' }));
    for (const { k, said } of started) ok[k] = { exitCode: 0, stderr: saying(said) };
    return ok;
  }
  const out: BatchResult[] = commands.map(() => ({ exitCode: -1, stderr: '', notRun: true }));
  // Nothing started (xargs could not run the command, or took the options badly): the first
  // command failed, with xargs's words, and the rest did not run.
  if (started.length === 0) return out.map((o, k) => (k === 0 ? { exitCode: 1, stderr: before.join('\n') + '\n' } : o));
  const normalEnd = r.exitCode === 123;
  started.forEach(({ k, said }, n) => {
    // A batch file's name stands for the batch, as `-` does for a lone one.
    const own = said.join('\n').split(`Command failed ${commands[k]!.argv.at(-1)!}:`).join('Command failed -:');
    const m = /Command failed -:(\d+)/.exec(own);
    if (m) out[k] = { exitCode: 1, stderr: own + '\n', failedLine: Number(m[1]) };
    else if (said.some(couldNotEnter) || (n === started.length - 1 && !normalEnd)) out[k] = { exitCode: 1, stderr: [...before, own].join('\n') + '\n' };
    else out[k] = { exitCode: 0, stderr: saying(said) };
  });
  return out;
}

/** `netns exec NS sysctl ...` in NS's own batch: a sysctl's op (compile.ts). */
function isOwnSysctlLine(l: readonly string[], ns: string): boolean {
  return l[0] === 'netns' && l[1] === 'exec' && l[2] === ns && l[3] === 'sysctl';
}

/** A namespace batch's trailing sysctls: the lines before them, and each one's `KEY=VALUE`. */
export interface SysctlTail {
  readonly head: readonly (readonly string[])[];
  readonly settings: readonly string[];
}

/**
 * The sysctls at the end of a namespace's batch (model/deps.ts puts them last), or undefined.
 * `ip` would run each as `netns exec`: a fork, and a copy of the mount table, per line.
 */
export function splitSysctls(b: Batch): SysctlTail | undefined {
  if (b.ns === HOST) return undefined;
  const k = b.lines.findIndex((l) => isOwnSysctlLine(l, b.ns));
  if (k < 0) return undefined;
  if (!b.lines.slice(k).every((l) => isOwnSysctlLine(l, b.ns))) throw new InternalError(`the batch for ${b.ns} has a sysctl before its other lines`);
  return { head: b.lines.slice(0, k), settings: b.lines.slice(k).map((l) => l.at(-1)!) };
}

/**
 * One `sysctl` for all of a namespace's settings, run inside it: each KEY=VALUE is set, then
 * each KEY read back (procps-ng writes a word with `=` and reads one without, in order, and goes
 * on past a failing one), then SYSCTL_END, which ends the answer and shows that it ran. The
 * answer is what verification would read: a 200-chain with ip_forward on every node spent ~0.2 s
 * in a process per namespace to read it again after apply.
 */
function sysctlArgv(settings: readonly string[]): string[] {
  return ['sysctl', '-q', ...settings, ...settings.map(keyOf), SYSCTL_END];
}

/** The key of a `KEY=VALUE` setting. */
const keyOf = (setting: string) => setting.slice(0, setting.indexOf('='));

/**
 * Which settings failed, from what sysctl said: each message names its key (`setting key
 * "K"`, `cannot stat /proc/sys/K/AS/PATH`, `permission denied on key 'K'`). Words that name none
 * are laid on the first setting, so that nothing unexplained is taken as set.
 */
export function sysctlFailures(settings: readonly string[], said: string): Map<number, string> {
  const keys = settings.map(keyOf);
  const out = new Map<number, string>();
  for (const line of said.split('\n')) {
    if (line.trim() === '') continue;
    const k = keys.findIndex((key) => line.includes(`"${key}"`) || line.includes(`'${key}'`) || line.includes(`/proc/sys/${key.replaceAll('.', '/')}:`));
    const at = k < 0 ? 0 : k;
    out.set(at, (out.get(at) ?? '') + line + '\n');
  }
  return out;
}

/**
 * A batch's result with its sysctls' (set: how their process went, undefined if it did not run).
 * Their lines come after the batch's own: a failure among them is the batch's first only when
 * the rest of it ran, and else they ran all the same (alsoRan). Their answer joins the state
 * read at the end of the batch, when everything ran.
 */
export function withSysctls(r: BatchResult, tail: SysctlTail, set: { said: string; failed?: boolean; values?: Record<string, string> | undefined } | undefined): BatchResult {
  const base = tail.head.length;
  if (!set) return r;
  const failures = set.failed ? new Map(tail.settings.map((_, k) => [k, set.said])) : sysctlFailures(tail.settings, set.said);
  const outcomes = tail.settings.map((_, k) => ({ line: base + k + 1, ok: !failures.has(k) }));
  if (r.exitCode !== 0) return set.failed ? r : { ...r, alsoRan: [...(r.alsoRan ?? []), ...outcomes] };
  const first = outcomes.findIndex((o) => !o.ok);
  if (first < 0) return { ...r, stderr: '', ...(r.state && set.values ? { state: { ...r.state, sysctls: set.values } } : {}) };
  // A process that never got into the namespace set none of them.
  const rest = set.failed ? [] : outcomes.slice(first + 1);
  return { exitCode: 1, stderr: failures.get(first)!, failedLine: base + first + 1, ...(rest.length > 0 ? { alsoRan: rest } : {}), ...(r.state ? { state: r.state } : {}) };
}

/** The key that ends each namespace's answer in a sysctl share (readSysctls). */
const SYSCTL_END = 'kernel.ostype';

/** `sysctl` output, `KEY = VALUE` lines, cut into one record per SYSCTL_END line. */
export function sysctlAnswers(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let one: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf(' = ');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (key !== SYSCTL_END) one[key] = line.slice(eq + 3);
    else {
      out.push(one);
      one = {};
    }
  }
  return out;
}

/** A command to run inside a namespace (HOST: topo's own) from a fan-out share. */
export interface Entered {
  readonly ns: string;
  readonly argv: readonly string[];
}

/**
 * How a fan-out share enters namespaces: one `xargs -L 1 ENTRY` process runs its commands.
 * - 'ip': lines `-n NS ip-args` (the host's: `ip-args`), and `netns exec NS cmd` for anything
 *   else (sysctl): one process per command. `ip -n` and `netns exec` give each a mount
 *   namespace of its own and remount /sys in it, which copies the whole mount table, where every
 *   /run/netns entry is a mount: O(N) per namespace, O(N²) for a lab.
 * - 'nsenter': lines `--net=/run/netns/NS ip ...`: nsenter only joins the network namespace,
 *   and `ip` needs nothing else (its output was byte for byte the same in every example lab but
 *   for the bridge's running timers); two processes per command, and no copy.
 * Which is faster depends on what a process start costs against that copy. On the machine
 * shares first used nsenter on (fe5fcef), reading a chain's namespaces in 4 shares from bash, 5
 * rounds each, `netns exec` lines against nsenter: 200 in 301-384 ms and 270-329; 500 in
 * 961-1058 and 640-706; 1000 in 2.9-3.3 s and 1.5-1.9 (topo plan of 200: within the noise). On
 * this kind of machine in stop 19, where a process start costs ~4 ms (~35 µs for each of its
 * page faults) and starts on two cores at once slow each other down, `xargs -L 1 ip` against
 * nsenter, 2 shares: a 200-star in 1.51-1.66 s and 2.12-2.38 (4 rounds); a 500-chain in
 * 3.6-4.4 s and 4.9-5.5 (4); a 1000-chain in 10.1-10.4 s and 10.8-11.0 (2). The batched script
 * topo is measured against (#5) enters with `ip -n` as well.
 */
export type Entry = 'ip' | 'nsenter';

/** From this many namespaces on the machine, shares enter with nsenter where it is there (see Entry). */
export const NSENTER_FROM = 1000;

/** The default Entry: undefined without GNU xargs (shares of `netns exec` lines then). */
export function defaultEntry(namespaces: number): Entry | undefined {
  if (!gnuXargs()) return undefined;
  return namespaces >= NSENTER_FROM && onPath('nsenter') ? 'nsenter' : 'ip';
}

/**
 * The share's lines for `xargs -L 1 ENTRY` (see Entry), one per command. The words are checked
 * as batch lines are (xargs reads quotes and backslashes; a name or path with them never gets
 * here: PLAIN_NAME, canFanOut).
 */
function enterLines(lines: readonly Entered[], entry: Entry): string {
  return lines.map((e) => enterLine(e, entry)).join('\n') + '\n';
}

function enterLine(e: Entered, entry: Entry): string {
  if (entry === 'nsenter') return batchLine([`--net=${e.ns === HOST ? '/proc/self/ns/net' : `${NETNS_DIR}/${e.ns}`}`, ...e.argv]);
  const [cmd, ...args] = e.argv;
  if (cmd === 'ip') return batchLine(e.ns === HOST ? args : ['-n', e.ns, ...args]);
  if (e.ns === HOST) throw new InternalError(`a share cannot run ${cmd} in the host`);
  return batchLine(['netns', 'exec', e.ns, ...e.argv]);
}

/** What a command that could not get into its namespace says: nsenter's words, or ip's (netns_switch). */
function couldNotEnter(line: string): boolean {
  return line.startsWith('nsenter: ') || line.startsWith('Cannot open network namespace ') || line.startsWith('setting the network namespace ');
}

/**
 * Whether the `xargs` on PATH is GNU's, whose `-L` and `-t` (and the way `-t` echoes a
 * command) the shares need. BusyBox's and Toybox's are links to a multi-call binary: told by
 * name, with no process started (an Alpine machine with util-linux's nsenter has BusyBox's).
 */
export function gnuXargs(path = process.env.PATH ?? '/usr/bin:/bin'): boolean {
  const at = whereOnPath('xargs', path);
  try {
    return at !== undefined && !/^(busybox|toybox)/.test(basename(realpathSync(at)));
  } catch {
    return false;
  }
}

/** Whether PATH names an executable file `tool`, as execvp would find it (no process started). */
export function onPath(tool: string, path = process.env.PATH ?? '/usr/bin:/bin'): boolean {
  return whereOnPath(tool, path) !== undefined;
}

function whereOnPath(tool: string, path: string): string | undefined {
  return path
    .split(':')
    .map((dir) => join(dir || '.', tool))
    .find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * `ip -batch` splits on blanks, honours double quotes and treats `#` as a comment. Every word is
 * checked here, so a line can never be misparsed: a parse error would abort the whole batch with
 * no line number (kernel-facts 2.7).
 */
export function batchLine(words: readonly string[]): string {
  return words
    .map((w) => {
      if (w === '' || /["'\\#\x00-\x1f\x7f]/.test(w) || w.startsWith(' ') || w.endsWith(' ') || w.includes('  ')) {
        throw new InternalError(`refusing to put ${JSON.stringify(w)} into an ip batch line`);
      }
      return w.includes(' ') ? `"${w}"` : w;
    })
    .join(' ');
}

/**
 * Parses `ip -j -batch` output: one JSON document per line. iproute2 escapes `"`, `\` and
 * newline in names but not other control characters (kernel-facts 2.2), which break JSON.parse;
 * a raw control character can only occur inside a string, so escaping them all is safe. Only a
 * line that fails to parse is escaped: a pass over every line cost ~9 ms of the 2 MB that a
 * 200-namespace mesh's apply reads back (--cpu-prof), for names that almost never have one.
 */
export function parseJsonLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const l of text.split('\n')) if (l.trim() !== '') out.push(parseJsonLine(l));
  return out;
}

function parseJsonLine(l: string): unknown {
  try {
    return JSON.parse(l);
  } catch {
    return JSON.parse(l.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
}

/**
 * parseJsonLines as the output arrives, from a pipe. A fan-out share's output comes from its
 * file when it ends (ExecOptions.outFile) and is parsed then, in one piece; reading the file as
 * it grew, every 5 ms, to parse it while the share's other namespaces were read (as from a
 * pipe) measured no faster: no-op plans of a 200-mesh, 10 interleaved rounds, 450 against 476 ms
 * median, then 531 against 504; a 200-chain 575 against 524.
 */
export class JsonLines {
  constructor(private readonly onDoc?: (doc: unknown) => void) {}

  private readonly docs: unknown[] = [];
  /** Lines that do not start as a document does (`ip -j` prints each as an array). */
  readonly texts: string[] = [];
  private rest = '';
  private failed = false;

  push(chunk: string): void {
    // A line can span many chunks (a 200-star host's links are one ~0.3 MB line): only the new
    // chunk is searched for its end.
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.rest += chunk;
      return;
    }
    this.line(this.rest + chunk.slice(0, nl));
    let from = nl + 1;
    for (nl = chunk.indexOf('\n', from); nl >= 0; nl = chunk.indexOf('\n', from)) {
      this.line(chunk.slice(from, nl));
      from = nl + 1;
    }
    this.rest = chunk.slice(from);
  }

  /** The documents, or null if some line was not one. */
  end(): unknown[] | null {
    this.line(this.rest);
    this.rest = '';
    return this.failed ? null : this.docs;
  }

  private line(l: string): void {
    if (this.failed || l.trim() === '') return;
    if (l[0] !== '[' && l[0] !== '{') {
      this.texts.push(l);
      return;
    }
    let doc: unknown;
    try {
      doc = parseJsonLine(l);
    } catch {
      this.failed = true;
      return;
    }
    this.docs.push(doc);
    this.onDoc?.(doc);
  }
}

/**
 * Where batch files go: TMPDIR when the user chose one, else /dev/shm (a tmpfs, where it is
 * writable), else the system's temporary directory. Each namespace's batch is a file that its
 * own `ip` reads; where /tmp is a disk file system (ext4 here), writing and removing the 200
 * files of a 200-namespace apply cost topo ~50 ms more CPU than on tmpfs (process.cpuUsage, 5
 * interleaved runs each), on a core the `ip` processes need.
 */
export function scratchBase(shm = '/dev/shm'): string {
  if (process.env.TMPDIR) return tmpdir();
  try {
    accessSync(shm, constants.W_OK | constants.X_OK);
    return statSync(shm).isDirectory() ? shm : tmpdir();
  } catch {
    return tmpdir();
  }
}

function readProcNetDev(): string | undefined {
  try {
    return readFileSync('/proc/self/net/dev', 'utf8');
  } catch {
    return undefined; // no procfs: ask ip
  }
}

/** A process's `-j` documents (null if one is broken) and its other lines, however it was run. */
function outputOf(r: ExecResult): { docs: unknown[] | null; texts: readonly string[] } {
  if (r.docs !== undefined) return { docs: r.docs, texts: r.texts ?? [] };
  const lines = new JsonLines();
  lines.push(r.stdout);
  return { docs: lines.end(), texts: lines.texts };
}

function tryJsonLines(text: string): unknown[] | undefined {
  try {
    return parseJsonLines(text);
  } catch {
    return undefined;
  }
}

/** Splits a list into at most n contiguous, nearly equal shares, in order. */
export function shares<T>(list: readonly T[], n: number): T[][] {
  const k = Math.min(n, list.length);
  const out: T[][] = [];
  for (let i = 0; i < k; i++) out.push(list.slice(Math.floor((i * list.length) / k), Math.floor(((i + 1) * list.length) / k)));
  return out;
}

type Limiter = <T>(f: () => Promise<T>) => Promise<T>;
/**
 * For the host's small questions (nsidsViaHost): asked while a plan's read shares still run,
 * through the limiter they waited for the first share to end (spawn timeline of a 200-chain plan).
 */
const UNLIMITED: Limiter = (f) => f();
/** Whether a prepared wave runs (true) or is let go of (false). */
type Gate = Promise<boolean>;

function limiter(n: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(f: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((res) => queue.push(res));
    active++;
    try {
      return await f();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
