import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach } from 'vitest';

const HOLDER = fileURLToPath(new URL('./sandbox-holder.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The bin, as `npm ci` builds it and a user runs it (bundled, with its code cache: src/cli/bin.ts). */
export const CLI = `${REPO}dist/cli/topo.cjs`;

export interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const rootless = process.getuid?.() !== 0;

/** Bridge and port timers (gc_timer, forward_delay_timer, ...) tick by themselves: they are not state. */
export function withoutTimers<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k.endsWith('_timer') ? undefined : v))) as T;
}
export const nsArgs = (pid: number) => ['-t', String(pid), ...(rootless ? ['-U', '--preserve-credentials'] : []), '-n', '-m', `--wd=${REPO}`, '--'];

/** Why sandboxes cannot be made here, or undefined when they can (probed once). */
export const sandboxUnavailable: string | undefined = (() => {
  const r = spawnSync('unshare', [...(rootless ? ['-Ur'] : []), '--net', '--mount', '--propagation', 'private', '--', 'ip', 'link', 'show', 'lo'], { encoding: 'utf8' });
  if (r.error) return `unshare is not available (${r.error.message})`;
  if (r.status !== 0) return `cannot create a network namespace here (${(r.stderr || '').trim()}); run as root or allow unprivileged user namespaces`;
  return undefined;
})();

/**
 * A throwaway network + mount namespace with a private /run, held by a small process. Every
 * command runs inside it through nsenter, so a test can never create anything in the machine's
 * own namespaces; when the holder exits, everything made inside vanishes.
 */
export class Sandbox {
  private constructor(private readonly holder: ChildProcess, readonly pid: number) {}

  static async start(): Promise<Sandbox> {
    const args = [...(rootless ? ['-Ur'] : []), '--net', '--mount', '--propagation', 'private', '--', process.execPath, HOLDER];
    const holder = spawn('unshare', args, { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      holder.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('ready\n')) resolve();
      });
      holder.on('exit', (code) => reject(new Error(`sandbox holder exited early (${code})`)));
      holder.on('error', reject);
    });
    return new Sandbox(holder, holder.pid!);
  }

  /** Runs argv inside the sandbox. */
  async run(argv: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
    const r = await execa('nsenter', [...nsArgs(this.pid), ...argv], {
      reject: false,
      cwd: REPO,
      env: { LC_ALL: 'C', ...opts.env },
      ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Runs argv and fails loudly if it does not succeed: for setup steps. */
  async must(argv: readonly string[]): Promise<string> {
    const r = await this.run(argv);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
    return r.stdout;
  }

  /** The topo CLI, built, as a user would run it. */
  topo(...args: string[]): Promise<Run> {
    return this.topoWith({}, ...args);
  }

  /** The topo CLI with extra environment (e.g. TOPO_FAULT). A process killed by a signal reports exitCode -1. */
  topoWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
    return this.run([process.execPath, CLI, ...args], { env: { NO_COLOR: '1', ...env } });
  }

  /** `ip -j` read of one thing, parsed. Independent of topo's own reader. */
  async ipj(...args: string[]): Promise<any[]> {
    const out = await this.must(['ip', '-j', ...args]);
    // ip -j leaves control characters in names unescaped (kernel-facts 2.2): escape them to parse.
    const clean = out.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return clean.trim() === '' ? [] : (JSON.parse(clean) as any[]);
  }

  async ping(ns: string, target: string, family: 4 | 6 = 4): Promise<boolean> {
    const r = await this.run(['ip', 'netns', 'exec', ns, 'ping', ...(family === 6 ? ['-6'] : []), '-c', '1', '-W', '2', target]);
    return r.exitCode === 0;
  }

  /**
   * The sandbox root's full state (links with details, addresses, routes, namespaces), for
   * before/after comparisons: a round trip must leave everything identical. Only timers, which
   * count down by themselves, are left out.
   */
  async state(): Promise<string> {
    await this.settled();
    const [link, addr, route, netns] = await Promise.all([
      this.ipj('-d', 'link', 'show'),
      this.ipj('addr', 'show'),
      this.ipj('route', 'show', 'table', 'all'),
      this.ipj('netns', 'list'),
    ]);
    return JSON.stringify(withoutTimers({ link, addr, route, netns }), null, 1);
  }

  /**
   * Waits (up to 5 s) until no address in the sandbox root is still in IPv6 DAD: a link that has
   * just come up changes by itself for ~1-2 s (tentative flags, local routes), which would spoil a
   * before/after comparison that is meant to catch changes made by topo.
   */
  async settled(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && JSON.stringify(await this.ipj('addr', 'show')).includes('"tentative"')) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.holder.exitCode !== null) return;
    const exited = new Promise((r) => this.holder.on('exit', r));
    this.holder.stdin!.end();
    await exited;
  }
}

/**
 * A fresh sandbox for each test of the calling describe block, stopped afterwards. Call the
 * returned function inside a test to get it.
 */
export function useSandbox(): () => Sandbox {
  let sb: Sandbox | undefined;
  beforeEach(async () => {
    sb = await Sandbox.start();
  });
  afterEach(async () => {
    await sb?.stop();
    sb = undefined;
  });
  return () => sb!;
}
