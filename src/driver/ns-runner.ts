import type { IpRoute } from '../live/snapshot.js';
import { HOST } from '../model/resources.js';
import { parseJsonLines, spawnExec, startProcess, type Exec } from './ip-driver.js';

/** What a process inside a namespace said and how it ended. */
export interface Outcome {
  readonly exitCode: number;
  readonly output: string;
}

/** A listener started for a tcp test; stop() ends it (it also ends by itself when topo exits). */
export interface Listener {
  readonly stop: () => void;
}

// The tcp test's two ends, run by Node itself (what every machine with topo has), from argv.
const LISTEN_JS = `const net=require('net');const [port,host]=process.argv.slice(1);
const s=net.createServer((c)=>c.end('topo\\n'));
s.on('error',(e)=>{process.stdout.write('error '+(e.code||e.message)+'\\n');process.exit(1)});
s.listen(Number(port),host,()=>process.stdout.write('ready\\n'));
process.stdin.on('end',()=>process.exit(0));process.stdin.resume();`;
const CONNECT_JS = `const net=require('net');const [host,port,ms]=process.argv.slice(1);
const c=net.connect({host,port:Number(port)});
setTimeout(()=>{console.log('no answer within '+ms+' ms');process.exit(1)},Number(ms));
c.on('connect',()=>{console.log('connected');process.exit(0)});
c.on('error',(e)=>{console.log(e.code||e.message);process.exit(1)});`;

/**
 * Node, for the tcp test's ends, without the certificate bundle NODE_EXTRA_CA_CERTS would have it
 * parse as it starts (60-80 ms, util/node-env.ts): they make plain TCP connections.
 */
const NODE = ['env', '-u', 'NODE_EXTRA_CA_CERTS', process.execPath];

/** argv that runs a program inside a namespace (the host's own: as is). */
export function inNamespace(ns: string, argv: readonly string[]): [string, string[]] {
  return ns === HOST ? [argv[0]!, argv.slice(1)] : ['ip', ['netns', 'exec', ns, ...argv]];
}

/**
 * The lab tests' and `topo exec`'s processes. They live beside IpDriver because they, too,
 * enter namespaces through `ip netns exec`, from argv only.
 */
export class NsRunner {
  constructor(private readonly spawnFn: Exec = spawnExec) {}

  private async run(ns: string, argv: readonly string[]): Promise<Outcome> {
    const [file, args] = inNamespace(ns, argv);
    const r = await this.spawnFn(file, args);
    return { exitCode: r.exitCode, output: (r.stdout + r.stderr).trim() };
  }

  /** One echo request; the reply's round trip, or why there was none. */
  ping(ns: string, address: string, family: 4 | 6, waitS: number): Promise<Outcome> {
    return this.run(ns, ['ping', ...(family === 6 ? ['-6'] : ['-4']), '-n', '-c', '1', '-W', String(waitS), address]);
  }

  connect(ns: string, address: string, port: number, timeoutMs: number): Promise<Outcome> {
    return this.run(ns, [...NODE, '-e', CONNECT_JS, address, String(port), String(timeoutMs)]);
  }

  /** `ip -j route` for one prefix (exact) or the kernel's choice for an address (get). */
  async route(ns: string, to: string, lookup: 'exact' | 'get', family: 4 | 6): Promise<{ routes: IpRoute[]; error?: string }> {
    const what = to === 'default' ? (family === 6 ? '::/0' : '0.0.0.0/0') : to;
    const args = lookup === 'get' ? ['-j', 'route', 'get', what] : ['-j', `-${family}`, 'route', 'show', 'table', 'main', 'exact', what];
    const r = await this.spawnFn('ip', ns === HOST ? args : ['-n', ns, ...args]);
    if (r.exitCode !== 0) return { routes: [], error: r.stderr.trim() };
    return { routes: (parseJsonLines(r.stdout)[0] ?? []) as IpRoute[] };
  }

  /** Starts a TCP listener on every address of the family; resolves once it listens. */
  listen(ns: string, port: number, family: 4 | 6): Promise<Listener | { error: string }> {
    const [file, args] = inNamespace(ns, [...NODE, '-e', LISTEN_JS, String(port), family === 6 ? '::' : '0.0.0.0']);
    return new Promise((resolve) => {
      const p = startProcess(file, args, { stdio: 'pipe' });
      let out = '';
      const stop = () => {
        p.stdin!.end();
        p.kill();
      };
      p.on('error', (e) => resolve({ error: e.message }));
      p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      p.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve({ stop });
      });
      p.on('close', () => resolve({ error: out.trim().replace(/^error /, '') || 'the listener exited' }));
    });
  }

  /**
   * `topo exec`: a command inside a node, with the terminal (stdio inherited), or with each
   * output line handed to onLine (for --all). Resolves with its exit code.
   */
  exec(ns: string, argv: readonly string[], onLine?: (line: string, stream: 'out' | 'err') => void): Promise<number> {
    const [file, args] = inNamespace(ns, argv);
    return new Promise((resolve) => {
      const p = startProcess(file, args, { stdio: onLine ? 'output' : 'inherit' });
      if (onLine) {
        for (const [stream, tag] of [[p.stdout!, 'out'], [p.stderr!, 'err']] as const) {
          let rest = '';
          stream.on('data', (d: Buffer) => {
            const lines = (rest + d.toString()).split('\n');
            rest = lines.pop()!;
            for (const l of lines) onLine(l, tag);
          });
          stream.on('end', () => rest && onLine(rest, tag));
        }
      }
      p.on('error', (e) => {
        onLine ? onLine(`cannot run ${argv[0]}: ${e.message}`, 'err') : process.stderr.write(`cannot run ${argv[0]}: ${e.message}\n`);
        resolve(127);
      });
      p.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 128 + 15)));
    });
  }
}
