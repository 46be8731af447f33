import { describe, expect, it } from 'vitest';
import { execute } from '../../src/apply/executor.js';
import { loadLab } from '../../src/config/load-lab.js';
import type { BatchResult } from '../../src/driver/driver.js';
import { fakeDriver } from '../support/fake-driver.js';
import { normalize } from '../../src/live/normalize.js';
import { HOST } from '../../src/model/resources.js';
import { emptyLab, plan } from '../../src/plan/planner.js';

const empty = normalize({ namespaces: [{ ns: HOST, links: [], addrs: [], routes: [], nsids: [] }], strays: [] }, 'seed');
const seedPlan = () => plan(loadLab('examples/seed.yaml').topology, empty).plan;

/** A driver that records batches and fails where told. */
function driver(fail?: { ns: string; line: number; stderr: string }) {
  const batches: { ns: string; lines: string[] }[] = [];
  const d = fakeDriver({
    runBatch: async (ns, lines): Promise<BatchResult> => {
      batches.push({ ns, lines: lines.map((l) => l.join(' ')) });
      if (fail && fail.ns === ns) return { exitCode: 1, failedLine: fail.line, stderr: fail.stderr };
      return { exitCode: 0, stderr: '' };
    },
  });
  return { d, batches };
}

describe('execute', () => {
  it('runs the reference lab as one host batch, then one batch per namespace in parallel', async () => {
    const { d, batches } = driver();
    const p = seedPlan();
    const r = await execute(p, d);
    expect(r.status.every((s) => s === 'applied')).toBe(true);
    expect(batches.map((b) => b.ns)).toEqual(['host', 'ns0', 'ns1']);
  });

  it('says exactly what was applied, what failed (in plain words) and what was not attempted', async () => {
    const p = seedPlan();
    // Host batch: netns add ns0, netns add ns1, link add br0, link set br0 ... (line 3 fails).
    // (No `netns set NAME auto`: each namespace gets a veth to the host, and with it an nsid.)
    const { d, batches } = driver({ ns: HOST, line: 3, stderr: 'RTNETLINK answers: File exists\nCommand failed -:3\n' });
    const r = await execute(p, d);
    const byStatus = (s: string) => p.steps.filter((_, i) => r.status[i] === s).map((st) => st.id);
    expect(byStatus('failed')).toEqual(['bridge/host/br0']);
    // The namespaces were created, but their lo was never marked: started, not finished.
    expect(byStatus('partial')).toEqual(['netns/ns0', 'netns/ns1']);
    expect(byStatus('applied')).toEqual([]);
    expect(byStatus('not-attempted')).toContain('veth/host:veth0=ns0:ceth0');
    expect(byStatus('failed').length + byStatus('partial').length + byStatus('not-attempted').length).toBe(p.steps.length);
    expect(r.failure).toMatchObject({ command: 'ip link add name br0 type bridge', message: expect.stringMatching(/already exists/) });
    expect(batches).toHaveLength(1); // nothing after the failing wave
  });

  it('takes lines that ran after the failing one (alsoRan) as applied or failed, each as it went', async () => {
    const p = seedPlan();
    // As if the host batch's lines 4 and 5 were independent commands run to the end: line 3
    // failed, line 4 ran and failed too, line 5 ran.
    const d = fakeDriver({
      runBatch: async (ns): Promise<BatchResult> =>
        ns === HOST ? { exitCode: 1, failedLine: 3, stderr: 'RTNETLINK answers: File exists\n', alsoRan: [{ line: 4, ok: false }, { line: 5, ok: true }] } : { exitCode: 0, stderr: '' },
    });
    const r = await execute(p, d);
    const host = p.steps.map((s, i) => [s.id, r.status[i]] as const);
    // Lines 3 and 4 are the bridge's two (add, then its settings); line 5 makes the first veth.
    expect(Object.fromEntries(host)).toMatchObject({ 'bridge/host/br0': 'failed' });
    expect(r.failure).toMatchObject({ command: 'ip link add name br0 type bridge' });
    const without = execute(p, fakeDriver({ runBatch: async (ns): Promise<BatchResult> => (ns === HOST ? { exitCode: 1, failedLine: 3, stderr: 'x\n' } : { exitCode: 0, stderr: '' }) }));
    const before = (await without).status;
    // The veth's creation (line 5) counts as run: its step is no longer untouched.
    const veth = p.steps.findIndex((s) => s.id === 'veth/host:veth0=ns0:ceth0');
    expect(before[veth]).toBe('not-attempted');
    expect(r.status[veth]).toBe('partial');
  });

  it('stops before the next wave when asked to (Ctrl-C)', async () => {
    const { d, batches } = driver();
    let waves = 0;
    const r = await execute(seedPlan(), d, { shouldStop: () => waves++ > 0 });
    expect(r.interrupted).toBe(true);
    expect(batches.map((b) => b.ns)).toEqual(['host']);
  });

  it('asks each namespace to read itself at the end of its last batch, unless another namespace touches it later', async () => {
    const seen: string[] = [];
    const d = fakeDriver({ runBatches: async (bs) => bs.map((b) => (seen.push(`${b.ns}${b.readAfter ? ' +read' : ''}${b.nsids ? ' +nsids' : ''}`), { exitCode: 0, stderr: '' })) });
    await execute(seedPlan(), d);
    // The host batch makes the veths; their ends in ns0 and ns1 are set up later, in batches that
    // reach nothing of the host's: every batch is its namespace's last and reads it.
    // Only the host's read takes nsids (live/read.ts, HOST_ONLY).
    expect(seen).toEqual(['host +read +nsids', 'ns0 +read', 'ns1 +read']);
    const chain = plan(loadLab('examples/routed-chain.yaml').topology, normalize({ namespaces: [{ ns: HOST, links: [], addrs: [], routes: [], nsids: [] }], strays: [] }, 'chain')).plan;
    seen.length = 0;
    await execute(chain, d);
    // The host makes the namespaces and every veth and sets r's sysctl (`netns exec`) in wave 0;
    // each namespace is then entered once, and reads itself at the end, without its nsids: the
    // host is asked for those afterwards (live/read.ts).
    expect(seen.sort()).toEqual(['h1 +read', 'h2 +read', 'host +read +nsids', 'r +read']);
  });

  it('gives the driver each next wave to prepare while the current one runs, the very batches it then runs', async () => {
    const log: string[] = [];
    const prepared = new Set<object>();
    const d = fakeDriver({
      runBatches: async (bs) => {
        // The same list, not just the same batches: IpDriver knows a prepared wave by it.
        log.push(`run ${bs.map((b) => b.ns).join(',')}${prepared.has(bs) ? ' (prepared)' : ''}`);
        return bs.map(() => ({ exitCode: 0, stderr: '' }));
      },
      prepare: (bs) => {
        log.push(`prepare ${bs.map((b) => b.ns).join(',')}`);
        prepared.add(bs);
      },
      release: () => log.push('release'),
    });
    await execute(seedPlan(), d);
    expect(log).toEqual(['run host', 'prepare ns0,ns1', 'run ns0,ns1 (prepared)']);
  });

  it('says when each wave has started, after its processes and the next wave\'s preparation', async () => {
    const log: string[] = [];
    const d = fakeDriver({
      runBatches: async (bs) => {
        log.push(`run ${bs.map((b) => b.ns).join(',')}`);
        return bs.map(() => ({ exitCode: 0, stderr: '' }));
      },
      prepare: (bs) => log.push(`prepare ${bs.map((b) => b.ns).join(',')}`),
    });
    await execute(seedPlan(), d, { onWaveStarted: () => log.push('started') });
    expect(log).toEqual(['run host', 'prepare ns0,ns1', 'started', 'run ns0,ns1', 'started']);
  });

  it('lets go of the prepared wave when a failure or Ctrl-C means it will not run', async () => {
    const stopAfterOneWave = () => {
      let waves = 0;
      return () => waves++ > 0;
    };
    for (const [hooks, fail] of [[{}, true], [{ shouldStop: stopAfterOneWave() }, false]] as const) {
      const log: string[] = [];
      const d = fakeDriver({
        runBatches: async (bs) => {
          log.push(`run ${bs.map((b) => b.ns).join(',')}`);
          return bs.map(() => (fail ? { exitCode: 1, failedLine: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:1\n' } : { exitCode: 0, stderr: '' }));
        },
        prepare: (bs) => log.push(`prepare ${bs.map((b) => b.ns).join(',')}`),
        release: () => log.push('release'),
      });
      await execute(seedPlan(), d, hooks);
      expect(log).toEqual(['run host', 'prepare ns0,ns1', 'release']);
    }
  });

  it('hands the namespaces read at the end of their batches to verification', async () => {
    const state = { ns: 'ns0', links: [], addrs: [], routes: [], nsids: [] };
    const d = fakeDriver({ runBatches: async (bs) => bs.map((b) => ({ exitCode: 0, stderr: '', ...(b.readAfter && b.ns === 'ns0' ? { state } : {}) })) });
    const r = await execute(seedPlan(), d);
    expect([...r.observed]).toEqual([['ns0', state]]);
  });
});

describe('execute: a head start (destroy -y deletes the namespaces its record proves its own while planning)', () => {
  // What destroy plans for the reference lab: its namespaces known by their record (not read),
  // and the host's bridge, read and marked.
  const bridge = { ifindex: 3, ifname: 'br0', ifalias: 'topo:seed', flags: ['UP'], linkinfo: { info_kind: 'bridge' } };
  const live = normalize({ namespaces: [{ ns: HOST, links: [bridge], addrs: [], routes: [], nsids: [] }], strays: [] }, 'seed', new Set(), new Set(['ns0', 'ns1']));
  const destroyPlan = () => plan(emptyLab('seed'), live, 'destroy').plan;
  const lines = [
    ['netns', 'del', 'ns0'],
    ['netns', 'del', 'ns1'],
  ];
  const ids = new Map([
    ['ns0', 11],
    ['ns1', 12],
  ]);

  it('takes its outcome as its steps, runs the rest of the plan after it, and reports in line order', async () => {
    const p = destroyPlan();
    expect(p.changes.map((c) => c.id).sort()).toEqual(['bridge/host/br0', 'netns/ns0', 'netns/ns1']);
    const { d, batches } = driver();
    const stepped: string[] = [];
    const r = await execute(p, d, { headStart: { lines, ids, ran: Promise.resolve({ exitCode: 0, stderr: '' }) }, onStep: (_i, c) => void stepped.push(c.id) });
    expect(r.status.every((s) => s === 'applied')).toBe(true);
    // Only the bridge is left for the waves: the namespaces are not deleted twice.
    expect(batches).toEqual([{ ns: HOST, lines: ['link del dev br0'] }]);
    expect(stepped).toEqual(['netns/ns0', 'netns/ns1', 'bridge/host/br0']);
  });

  it('stops at its failure like any batch: what ran is applied, the failing line failed, nothing else starts', async () => {
    const p = destroyPlan();
    const { d, batches } = driver();
    const ran = Promise.resolve({ exitCode: 1, failedLine: 2, stderr: 'Cannot remove namespace file "/run/netns/ns1": No such file or directory\nCommand failed -:2\n' });
    const r = await execute(p, d, { headStart: { lines, ids, ran } });
    const of = (id: string) => r.status[p.steps.findIndex((s) => s.id === id)];
    expect([of('netns/ns0'), of('netns/ns1'), of('bridge/host/br0')]).toEqual(['applied', 'failed', 'not-attempted']);
    expect(r.failure).toMatchObject({ command: 'ip netns del ns1' });
    expect(batches).toEqual([]);
  });

  it('leaves its lines to the waves when it never started (its read failed)', async () => {
    const p = destroyPlan();
    const { d, batches } = driver();
    const r = await execute(p, d, { headStart: { lines, ids, ran: Promise.resolve({ exitCode: 1, stderr: 'x\n', notRun: true }) } });
    expect(r.status.every((s) => s === 'applied')).toBe(true);
    expect(batches.flatMap((b) => b.lines).sort()).toEqual(['link del dev br0', 'netns del ns0', 'netns del ns1']);
  });

  it('names what holds a namespace that lingers by the identity taken before the head start deleted it', async () => {
    // A veth from the host into ns0, whose host end stays: something still holds ns0.
    const veth = { ifindex: 4, ifname: 'veth0', ifalias: 'topo:seed', flags: ['UP'], link_netnsid: 0, linkinfo: { info_kind: 'veth' } };
    const withVeth = normalize({ namespaces: [{ ns: HOST, links: [veth], addrs: [], routes: [], nsids: [{ nsid: 0, name: 'ns0' }] }], strays: [] }, 'seed', new Set(), new Set(['ns0', 'ns1']));
    const p = plan(emptyLab('seed'), withVeth, 'destroy').plan;
    const d = fakeDriver({ existing: async (_ns, names) => [...names], netnsIds: () => new Map(), holders: (id) => (id === 11 ? [{ pid: 42, command: 'sleep' }] : []) });
    const r = await execute(p, d, { settleMs: 20, headStart: { lines, ids, ran: Promise.resolve({ exitCode: 0, stderr: '' }) } });
    expect(r.lingering).toEqual(['host:veth0']);
    expect(r.holders).toEqual([{ netns: 'ns0', pid: 42, command: 'sleep' }]);
  });
});
