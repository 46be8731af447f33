import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goneByName, verify } from '../../src/apply/verify.js';
import { normalize } from '../../src/live/normalize.js';
import { emptyLab, plan } from '../../src/plan/planner.js';
import type { Plan } from '../../src/plan/types.js';
import { loadLab } from '../../src/config/load-lab.js';
import type { Driver } from '../../src/driver/driver.js';
import type { KernelSnapshot } from '../../src/live/snapshot.js';
import { fakeDriver } from '../support/fake-driver.js';

const recorded = (name: string) => JSON.parse(readFileSync(`test/golden/plan/${name}/snapshot.json`, 'utf8')) as KernelSnapshot;

/** A kernel that never changes: it always answers with this snapshot, and counts the reads. */
function frozen(snap: KernelSnapshot, reads = { n: 0 }): Driver {
  return fakeDriver({
    snapshot: async () => {
      reads.n++;
      return snap;
    },
  });
}

describe('verify', () => {
  it('passes at once when the kernel matches', async () => {
    await expect(verify(loadLab('examples/seed.yaml').topology, frozen(recorded('seed-applied')), { budgetMs: 200 })).resolves.toBeUndefined();
  });

  it('retries within its budget, then names every attribute still different', async () => {
    const reads = { n: 0 };
    const err = await verify(loadLab('examples/seed.yaml').topology, frozen(recorded('seed-drift'), reads), { budgetMs: 300 }).catch((e: Error) => e);
    expect(reads.n).toBeGreaterThan(1);
    expect(String(err)).toMatch(/verification failed: the kernel still differs from the file after apply/);
    expect(String(err)).toMatch(/update veth host:veth0 <-> ns0:ceth0 \(ns0:ceth0 up is false, want true\)/);
    expect(String(err)).toMatch(/update netns ns1 \(lo\.up is false, want true\)/);
    expect(String(err)).toMatch(/delete address 10\.0\.0\.99\/24 on ns0:ceth0/);
  });

  it('treats an IPv6 address that failed duplicate address detection as an error', async () => {
    const snap = recorded('dual-stack-applied');
    const a = snap.namespaces.find((n) => n.ns === 'a')!;
    const eth0 = a.addrs.find((x) => x.ifname === 'eth0')!;
    const v6 = eth0.addr_info!.find((i) => i.local === '2001:db8:20::1')!;
    (v6 as { dadfailed?: boolean }).dadfailed = true;
    await expect(verify(loadLab('examples/dual-stack.yaml').topology, frozen(snap), { budgetMs: 200 })).rejects.toThrow(
      /address 2001:db8:20::1\/64 on a:eth0 failed IPv6 duplicate address detection/,
    );
  });

  it('with a scope, reads only the touched namespaces that apply did not already observe', async () => {
    const applied = recorded('seed-applied');
    const byNs = new Map(applied.namespaces.map((n) => [n.ns, n]));
    const asked: string[][] = [];
    const d = fakeDriver({
      snapshot: async (req) => {
        asked.push([...(req?.only ?? [])].sort());
        return { namespaces: applied.namespaces.filter((n) => req?.only?.has(n.ns) ?? true), strays: [] };
      },
    });
    // Before apply: only the host was there; ns0 was observed at the end of its batch.
    const before: KernelSnapshot = { namespaces: [byNs.get('host')!], strays: [] };
    await verify(loadLab('examples/seed.yaml').topology, d, { budgetMs: 200, scope: { before, touched: new Set(['host', 'ns0', 'ns1']), observed: new Map([['ns0', byNs.get('ns0')!]]) } });
    expect(asked).toEqual([['host', 'ns1']]);
  });
});

describe('goneByName', () => {
  const destroyPlan = () => plan(emptyLab('seed'), normalize(recorded('seed-applied'), 'seed'), 'destroy').plan;
  const kernel = (namespaces: string[], hostLinks: string[], asked: string[][] = []) =>
    fakeDriver({
      netnsIdentities: () => new Map(namespaces.map((n) => [n, `1:${n}`])),
      existing: async (ns, names) => (asked.push([ns, ...names]), names.filter((n) => hostLinks.includes(n))),
      snapshot: async () => {
        throw new Error('no read');
      },
    });

  it("checks a destroy of namespaces and the host's own links by name, with no read", async () => {
    const asked: string[][] = [];
    await expect(goneByName(destroyPlan(), kernel(['other'], ['lo', 'eth0'], asked))).resolves.toBe(true);
    expect(asked).toEqual([['host', 'br0', 'veth0', 'veth1']]);
  });

  it('says no when a name is still there', async () => {
    await expect(goneByName(destroyPlan(), kernel(['ns1'], []))).resolves.toBe(false);
    await expect(goneByName(destroyPlan(), kernel([], ['veth1']))).resolves.toBe(false);
  });

  it('leaves to a read whatever did not go with a namespace or a host link', async () => {
    const p = destroyPlan();
    const route = { kind: 'route', id: 'route/host/10.9.0.0/24', ns: 'host', to: '10.9.0.0/24', via: '10.0.0.1' } as const;
    const withRoute: Plan = { ...p, changes: [...p.changes, { id: route.id, kind: 'route', action: 'delete', before: route, reason: 'not in the file' }] };
    await expect(goneByName(withRoute, kernel([], []))).resolves.toBe(false);
  });
});
