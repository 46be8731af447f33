import type { NsRunner, Outcome } from '../driver/ns-runner.js';
import type { LabTest, PingTest, RouteTest, Target, TcpTest } from './model.js';

export interface TestResult {
  readonly test: LabTest;
  readonly passed: boolean;
  /** What was sent and what came back, in a few words. */
  readonly detail: string;
  readonly ms: number;
}

/** What the runner needs from the outside: NsRunner in real life, a script in unit tests. */
export type Probe = Pick<NsRunner, 'ping' | 'connect' | 'route' | 'listen'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describeTarget = (t: Target) => (t.node ? `${t.node} (${t.address})` : t.address);

/**
 * Runs the lab's tests, independent ones in parallel (at most `concurrency` at once). Two tcp
 * tests that listen on the same node and port run one after the other. Results come back in
 * file order; onResult sees each as soon as it and all before it are done, so output is
 * deterministic and still streams.
 */
export async function runTests(tests: readonly LabTest[], probe: Probe, opts: { concurrency?: number; onResult?: (r: TestResult) => void } = {}): Promise<TestResult[]> {
  const results: (TestResult | undefined)[] = tests.map(() => undefined);
  let next = 0;
  const flush = () => {
    for (; next < results.length && results[next]; next++) opts.onResult?.(results[next]!);
  };
  const groups = new Map<string, LabTest[]>();
  for (const t of tests) {
    const key = t.kind === 'tcp' ? `tcp/${t.listener}/${t.port}` : `#${t.index}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const queue = [...groups.values()];
  const worker = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      for (const t of g) {
        results[tests.indexOf(t)] = await runOne(t, probe);
        flush();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, queue.length) }, worker));
  return results as TestResult[];
}

export async function runOne(t: LabTest, probe: Probe): Promise<TestResult> {
  const start = Date.now();
  const r = t.kind === 'ping' ? await ping(t, probe) : t.kind === 'tcp' ? await tcp(t, probe) : await route(t, probe);
  return { test: t, ...r, ms: Date.now() - start };
}

/**
 * Tries until the first success or the budget is spent. A test that must fail gets one honest
 * attempt: retrying it would only wait longer for the same answer.
 */
async function attempt(budgetMs: number, once: (remainingMs: number) => Promise<Outcome>, retry: boolean): Promise<{ ok: boolean; last: Outcome; tries: number }> {
  const deadline = Date.now() + budgetMs;
  let tries = 0;
  for (;;) {
    tries++;
    const last = await once(Math.max(200, deadline - Date.now()));
    if (last.exitCode === 0 || !retry || Date.now() + 100 > deadline) return { ok: last.exitCode === 0, last, tries };
    await sleep(100);
  }
}

/** The line of ping's output that says what happened. */
function pingWords(o: Outcome): string {
  const lines = o.output.split('\n');
  const reply = lines.find((l) => /bytes from/.test(l));
  if (reply) return `reply in ${/time=([\d.]+ ?ms)/.exec(reply)?.[1] ?? '?'}`;
  const err = lines.find((l) => /unreachable|Cannot|connect:|not known|Invalid|No such/i.test(l));
  if (err) return err.trim();
  if (lines.some((l) => /100% packet loss/.test(l))) return 'no reply within 1 s';
  return (lines[0] ?? 'no output').trim();
}

async function ping(t: PingTest, probe: Probe): Promise<{ passed: boolean; detail: string }> {
  const parts = await Promise.all(
    t.targets.map(async (target) => {
      const r = await attempt(t.budgetMs, () => probe.ping(t.from, target.address, t.family, 1), t.expect === 'pass');
      return { ok: r.ok, text: `${describeTarget(target)}: ${pingWords(r.last)}${!r.ok && r.tries > 1 ? ` (${r.tries} tries)` : ''}` };
    }),
  );
  return verdict(t.expect, parts, ['no reply', 'got a reply']);
}

/**
 * A test passes when every target answered (or, for `expect: fail`, none did). The detail names
 * the targets that decided it: all of them on success, the offending ones otherwise.
 */
function verdict(expect: 'pass' | 'fail', parts: readonly { ok: boolean; text: string }[], [silence, answer]: [string, string]): { passed: boolean; detail: string } {
  const list = (xs: readonly { text: string }[]) => xs.map((p) => p.text).join('; ');
  if (expect === 'fail') {
    const answered = parts.filter((p) => p.ok);
    return answered.length === 0 ? { passed: true, detail: `${silence}, as expected (${list(parts)})` } : { passed: false, detail: `${answer} but must not: ${list(answered)}` };
  }
  const failed = parts.filter((p) => !p.ok);
  return { passed: failed.length === 0, detail: list(failed.length === 0 ? parts : failed) };
}

async function tcp(t: TcpTest, probe: Probe): Promise<{ passed: boolean; detail: string }> {
  const l = await probe.listen(t.listener, t.port, t.family);
  if ('error' in l) return { passed: false, detail: `could not listen on ${t.listener} port ${t.port}: ${l.error}` };
  try {
    const parts = await Promise.all(
      t.targets.map(async (target) => {
        const r = await attempt(t.budgetMs, (left) => probe.connect(t.from, target.address, t.port, Math.min(1000, left)), t.expect === 'pass');
        return { ok: r.ok, text: `${describeTarget(target)} port ${t.port}: ${r.last.output || (r.ok ? 'connected' : 'failed')}` };
      }),
    );
    return verdict(t.expect, parts, ['no connection', 'connected']);
  } finally {
    l.stop();
  }
}

async function route(t: RouteTest, probe: Probe): Promise<{ passed: boolean; detail: string }> {
  const deadline = Date.now() + t.budgetMs;
  for (;;) {
    const { routes, error } = await probe.route(t.node, t.to, t.lookup, t.family);
    const r = routes[0];
    const seen = r ? `${r.dst ?? t.to}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}` : undefined;
    const wrong = !r ? `no route${error ? ` (${error})` : ''}` : t.via !== undefined && r.gateway !== t.via ? `goes via ${r.gateway ?? 'no gateway (directly connected)'}` : t.dev !== undefined && r.dev !== t.dev ? `leaves by ${r.dev}` : undefined;
    if (!wrong) return { passed: true, detail: `${t.node}: ${seen}` };
    if (Date.now() + 100 > deadline) return { passed: false, detail: `${t.node}: ${wrong}, want${t.via ? ` via ${t.via}` : ''}${t.dev ? ` dev ${t.dev}` : ''}${!t.via && !t.dev ? ' a route' : ''}${seen ? `; the kernel has ${seen}` : ''}` };
    await sleep(100);
  }
}
