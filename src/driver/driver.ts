import type { KernelSnapshot, NsId, NsSnapshot } from '../live/snapshot.js';
import type { Begun } from './ip-driver.js';

export interface BatchResult {
  readonly exitCode: number;
  /** 1-based line that failed, when `ip` said so (`Command failed -:N`). */
  readonly failedLine?: number;
  readonly stderr: string;
  /** Not started: an earlier batch that shared its process failed. */
  readonly notRun?: boolean;
  /** With readAfter: the namespace as it stood right after the batch (no sysctls). */
  readonly state?: NsSnapshot;
  /**
   * Lines after failedLine that ran all the same, and how each went: commands that do not
   * depend on each other, run to the end (IpDriver runs a namespace batch's trailing sysctls
   * after its `ip`, whether that failed or not, when they share an xargs process).
   */
  readonly alsoRan?: readonly { readonly line: number; readonly ok: boolean }[];
}

/** One namespace's commands for `ip -batch`. */
export interface Batch {
  readonly ns: string;
  readonly lines: readonly (readonly string[])[];
  /**
   * Read the namespace at the end of the same process (what a snapshot reads), when nothing
   * else will change it afterwards: verification then needs no process of its own for it.
   */
  readonly readAfter?: boolean;
  /** With readAfter: read the namespace's nsids too. */
  readonly nsids?: boolean;
}

export interface SnapshotRequest {
  /** Read only these namespaces ('host' included or not); default all. */
  readonly only?: ReadonlySet<string>;
  /** Namespaces whose nsids are read (the host's always are); default all. */
  readonly nsids?: ReadonlySet<string>;
}

/** What apply probes before it changes anything: link kinds, and host nsids for new namespaces. */
export type Probed = 'bridge' | 'veth' | 'nsid';

/** The kernel, as topo sees it. The real one is IpDriver; tests may script their own. */
export interface Driver {
  snapshot(req?: SnapshotRequest): Promise<KernelSnapshot>;
  /** Runs `ip [-n ns] -batch -` with these commands; stops at the first failing line. */
  runBatch(ns: string, lines: readonly (readonly string[])[]): Promise<BatchResult>;
  /** `netns list-id` of each named namespace (for pairing veth ends the first read left open). */
  readNsids(names: readonly string[]): Promise<Map<string, NsId[]>>;
  /**
   * For each pair [X, Y] of namespaces: X's nsid for Y, asked of the kernel from the host, which
   * can only ask about namespaces it has nsids for (the host's `netns list-id`, given or read).
   * Pairs it cannot answer are left out; a namespace's list holds only the nsids asked about.
   */
  nsidsViaHost(pairs: readonly (readonly [string, string])[], hostNsids?: readonly NsId[]): Promise<Map<string, NsId[]>>;
  /** For each namespace, these sysctls' values inside it (absent keys are left out). */
  readSysctls(want: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Record<string, string>>>;
  /** A wave: batches for different namespaces, run in parallel, each stopping at its first failing line. */
  runBatches(batches: readonly Batch[]): Promise<BatchResult[]>;
  /**
   * Optional: get these batches ready (while another wave runs) for a later runBatches call with
   * them; release() lets go of them if that call will not come.
   */
  prepare?(batches: readonly Batch[]): void;
  release?(): void;
  /**
   * Which of these interfaces still exist in ns (for waiting out asynchronous teardown). For the
   * host it must start no process: destroy polls it every few milliseconds.
   */
  existing(ns: string, names: readonly string[]): Promise<string[]>;
  /** Each named namespace's identity (its nsfs inode), read without starting a process. */
  netnsIds(names: readonly string[]): Map<string, number>;
  /**
   * Every namespace in /run/netns with its full identity, `INODE:CTIME_NS` (lock/netns-record.ts
   * says why the inode alone is not enough), read without starting a process.
   */
  netnsIdentities(): Map<string, string>;
  /** Processes whose network namespace has this identity: what keeps a deleted namespace alive. */
  holders(id: number): { pid: number; command: string }[];
  /**
   * Link kinds the kernel cannot create (probed in a scratch namespace), with its words; 'nsid'
   * is whether `ip netns set NAME auto` can give a namespace an nsid in the host.
   */
  probeKinds(kinds: readonly Probed[]): Promise<{ kind: string; error: string }[]>;
  /** iproute2's version, and whether it prints JSON. */
  ipVersion(): Promise<{ version: string; json: boolean }>;
  /** iptables/ip6tables FORWARD policies, where those tools exist. */
  forwardPolicies(): Promise<{ tool: string; policy: string }[]>;
  /**
   * Optional: the host's read, as snapshot({ only: host }) gives it, and then these host lines
   * in the same process (destroy -y's head start: live/read.ts). `read` settles once the read is
   * in, while the lines still run; `ran` once they have, numbered as they are given (notRun:
   * the read failed, and none of them started). begun: that process, already started for these
   * lines by the bin (cli/early-destroy.ts).
   */
  readHostThen?(lines: readonly (readonly string[])[], begun?: Begun): { read: Promise<KernelSnapshot>; ran: Promise<BatchResult> };
  /** How fan-out shares enter namespaces (IpDriver's Entry); undefined: `ip -batch` shares of `netns exec` lines. */
  entry?(): 'ip' | 'nsenter' | undefined;
}
