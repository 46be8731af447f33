import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { execa } from 'execa';
import { InternalError, TopoError } from '../diag/errors.js';
import type { IpAddr, IpLink, IpRoute, KernelSnapshot, NsId, NsSnapshot } from '../live/snapshot.js';
import { HOST } from '../model/resources.js';
import type { BatchResult, Driver, SnapshotRequest } from './driver.js';

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How processes start. argv only, never a shell. Injectable so tests can record or script it. */
export type Exec = (file: string, args: readonly string[], input?: string) => Promise<ExecResult>;

export const execaExec: Exec = async (file, args, input) => {
  const r = await execa(file, args, {
    ...(input !== undefined ? { input } : { stdin: 'ignore' }),
    reject: false,
    // Error texts are matched by classify.ts: keep them in English.
    env: { LC_ALL: 'C' },
    timeout: 120_000,
    stripFinalNewline: false,
  });
  if (r.exitCode === undefined) {
    const code = (r as { code?: string }).code;
    if (code === 'ENOENT') throw new TopoError(`${file} not found`, 'system', file === 'ip' ? 'install iproute2 (apt-get install iproute2)' : `install ${file}`);
    throw new TopoError(`${file} did not run: ${r.shortMessage ?? 'unknown failure'}`, 'system');
  }
  return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
};

/** The one module that starts processes: `ip` (and `sysctl` through `ip netns exec`). */
export class IpDriver implements Driver {
  /** Starts one process from an argv array; never a shell. */
  private readonly spawn: Exec;
  private readonly limit: <T>(f: () => Promise<T>) => Promise<T>;
  private readonly onCommand: ((ns: string, argv: readonly string[], input?: string) => void) | undefined;

  constructor(opts: { exec?: Exec; concurrency?: number; onCommand?: (ns: string, argv: readonly string[], input?: string) => void } = {}) {
    this.spawn = opts.exec ?? execaExec;
    this.limit = limiter(opts.concurrency ?? Math.max(2, availableParallelism()));
    this.onCommand = opts.onCommand;
  }

  private run(ns: string, args: readonly string[], input?: string): Promise<ExecResult> {
    const argv = ns === HOST ? args : ['-n', ns, ...args];
    this.onCommand?.(ns, ['ip', ...argv], input);
    return this.limit(() => this.spawn('ip', argv, input));
  }

  async snapshot(req: SnapshotRequest = {}): Promise<KernelSnapshot> {
    const list = await this.run(HOST, ['-j', 'netns', 'list']);
    const names = list.exitCode === 0 ? (parseJsonLines(list.stdout)[0] as { name: string }[] | undefined ?? []).map((n) => n.name) : [];
    const strays: { name: string; reason: string }[] = [];
    const reads = await Promise.all(
      [HOST, ...names.sort()].map(async (ns) => {
        const r = await this.readNs(ns, req.sysctls?.get(ns));
        if ('stray' in r) strays.push({ name: ns, reason: r.stray });
        return 'gone' in r || 'stray' in r ? undefined : r;
      }),
    );
    return { namespaces: reads.filter((x): x is NsSnapshot => x !== undefined), strays };
  }

  /** One process per namespace: link, addr, routes and nsids in a single `-j -batch`. */
  private async readNs(ns: string, sysctlKeys?: readonly string[]): Promise<NsSnapshot | { gone: true } | { stray: string }> {
    const r = await this.run(ns, ['-j', '-d', '-batch', '-'], 'link show\naddr show\nroute show table all\nnetns list-id\n');
    if (r.exitCode !== 0) {
      if (ns === HOST) throw new TopoError(`cannot read the host's links: ${r.stderr.trim()}`, 'system');
      // Deleted between the listing and the read: simply not there.
      if (/No such file or directory/.test(r.stderr)) return { gone: true };
      return { stray: `is not a usable network namespace (${r.stderr.trim().split('\n')[0]})` };
    }
    const parts = parseJsonLines(r.stdout);
    if (parts.length !== 4) throw new InternalError(`ip -batch for ${ns} printed ${parts.length} JSON documents, expected 4`);
    let sysctls: Record<string, string> | undefined;
    if (sysctlKeys && sysctlKeys.length > 0 && ns !== HOST) sysctls = await this.readSysctls(ns, sysctlKeys);
    return {
      ns,
      links: parts[0] as IpLink[],
      addrs: parts[1] as IpAddr[],
      routes: parts[2] as IpRoute[],
      nsids: parts[3] as NsId[],
      ...(sysctls ? { sysctls } : {}),
    };
  }

  private async readSysctls(ns: string, keys: readonly string[]): Promise<Record<string, string>> {
    const r = await this.run(HOST, ['netns', 'exec', ns, 'sysctl', '-e', ...keys]);
    const out: Record<string, string> = {};
    for (const line of r.stdout.split('\n')) {
      const eq = line.indexOf(' = ');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 3);
    }
    return out;
  }

  async runBatch(ns: string, lines: readonly (readonly string[])[]): Promise<BatchResult> {
    const input = lines.map(batchLine).join('\n') + '\n';
    const r = await this.run(ns, ['-batch', '-'], input);
    const m = /Command failed -:(\d+)/.exec(r.stderr);
    return { exitCode: r.exitCode, stderr: r.stderr, ...(m ? { failedLine: Number(m[1]) } : {}) };
  }

  /**
   * Whether the kernel can make these link kinds: made and deleted inside a scratch namespace of
   * our own, so the machine's namespaces never see a probe. Returns the kinds that failed, with
   * the kernel's words.
   */
  async probeKinds(kinds: readonly ('bridge' | 'veth')[]): Promise<{ kind: string; error: string }[]> {
    if (kinds.length === 0) return [];
    const scratch = `topo-probe-${process.pid}`;
    const add = await this.run(HOST, ['netns', 'add', scratch]);
    if (add.exitCode !== 0) return kinds.map((kind) => ({ kind, error: add.stderr.trim() }));
    try {
      const failed: { kind: string; error: string }[] = [];
      for (const kind of kinds) {
        const args = kind === 'veth' ? ['link', 'add', 'name', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'] : ['link', 'add', 'name', 'probe2', 'type', 'bridge'];
        const r = await this.run(scratch, args);
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
    const out: { tool: string; policy: string }[] = [];
    for (const tool of ['iptables', 'ip6tables']) {
      try {
        const r = await this.limit(() => this.spawn(tool, ['-S', 'FORWARD']));
        const m = /^-P FORWARD (\w+)/m.exec(r.stdout);
        if (r.exitCode === 0 && m) out.push({ tool, policy: m[1]! });
      } catch {
        // not installed: nothing to check
      }
    }
    return out;
  }

  netnsIds(names: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const n of names) {
      try {
        out.set(n, statSync(`/run/netns/${n}`).ino);
      } catch {
        // already gone
      }
    }
    return out;
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

  async existing(ns: string, names: readonly string[]): Promise<string[]> {
    const r = await this.run(ns, ['-j', 'link', 'show']);
    if (r.exitCode !== 0) return [];
    const present = new Set(((parseJsonLines(r.stdout)[0] ?? []) as IpLink[]).map((l) => l.ifname));
    return names.filter((n) => present.has(n));
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
 * a raw control character can only occur inside a string, so escaping them all is safe.
 */
export function parseJsonLines(text: string): unknown[] {
  const clean = text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

function limiter(n: number): <T>(f: () => Promise<T>) => Promise<T> {
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
