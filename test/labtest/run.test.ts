import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/config/load-lab.js';
import type { Outcome } from '../../src/driver/ns-runner.js';
import { runTests, type Probe } from '../../src/labtest/run.js';

const ok: Outcome = { exitCode: 0, output: '64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.080 ms' };
const lost: Outcome = { exitCode: 1, output: '1 packets transmitted, 0 received, 100% packet loss, time 0ms' };

function probe(over: Partial<Probe> = {}): Probe & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    ping: async (ns, addr) => (calls.push(`ping ${ns} ${addr}`), ok),
    connect: async (ns, addr, port) => (calls.push(`connect ${ns} ${addr} ${port}`), { exitCode: 0, output: 'connected' }),
    route: async (ns, to) => (calls.push(`route ${ns} ${to}`), { routes: [{ dst: to, dev: 'ceth0' }] }),
    listen: async (ns, port) => (calls.push(`listen ${ns} ${port}`), { stop: () => void calls.push(`stop ${ns} ${port}`) }),
    ...over,
  };
}

const seedTests = () => loadLab('examples/seed.yaml').tests;

describe('runTests', () => {
  it('resolves node targets to their addresses and reports results in file order', async () => {
    const p = probe();
    const seen: string[] = [];
    const rs = await runTests(seedTests(), p, { onResult: (r) => seen.push(r.test.name) });
    expect(rs.every((r) => r.passed)).toBe(true);
    expect(seen).toEqual(seedTests().map((t) => t.name));
    expect(p.calls).toContain('ping ns0 10.0.0.2');
    expect(p.calls).toContain('ping ns0 10.0.0.254');
    expect(rs[0]!.detail).toBe('ns1 (10.0.0.2): reply in 0.080 ms');
    // The listener is started before the connection and stopped after it.
    expect(p.calls.indexOf('listen ns1 8080')).toBeLessThan(p.calls.indexOf('connect ns0 10.0.0.2 8080'));
    expect(p.calls).toContain('stop ns1 8080');
  });

  it('retries a failing ping within its budget, then says what came back', async () => {
    let n = 0;
    const p = probe({ ping: async () => (++n < 3 ? lost : ok) });
    const [r] = await runTests(seedTests().slice(0, 1), p);
    expect(r!.passed).toBe(true);
    expect(n).toBe(3);
    const never = probe({ ping: async () => lost });
    const t = { ...seedTests()[0]!, budgetMs: 300 };
    const [f] = await runTests([t], never);
    expect(f).toMatchObject({ passed: false, detail: expect.stringMatching(/^ns1 \(10\.0\.0\.2\): no reply within 1 s \(\d+ tries\)$/) });
  });

  it('a must-fail test passes on silence after one attempt, and fails on a reply', async () => {
    const t = loadLab('examples/routed-chain.yaml').tests.find((x) => x.kind === 'ping' && x.expect === 'fail')!;
    let n = 0;
    const silent = await runTests([t], probe({ ping: async () => (n++, lost) }));
    expect(silent[0]!.passed).toBe(true);
    expect(n).toBe(1);
    const answered = await runTests([t], probe());
    expect(answered[0]).toMatchObject({ passed: false, detail: expect.stringMatching(/^got a reply but must not/) });
  });

  it('a route test names what the kernel has when it differs', async () => {
    const t = loadLab('examples/routed-chain.yaml').tests.find((x) => x.kind === 'route' && x.node === 'h2')!;
    const [r] = await runTests([{ ...t, budgetMs: 150 }], probe({ route: async () => ({ routes: [{ dst: 'default', gateway: '10.2.0.9', dev: 'eth0' }] }) }));
    expect(r).toMatchObject({ passed: false, detail: 'h2: goes via 10.2.0.9, want via 10.2.0.1; the kernel has default via 10.2.0.9 dev eth0' });
  });

  it('a listener that cannot start fails the tcp test with the reason', async () => {
    const t = seedTests().find((x) => x.kind === 'tcp')!;
    const [r] = await runTests([t], probe({ listen: async () => ({ error: 'EADDRINUSE' }) }));
    expect(r).toMatchObject({ passed: false, detail: 'could not listen on ns1 port 8080: EADDRINUSE' });
  });
});
