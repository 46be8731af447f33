import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/apply/verify.js';
import { loadLab } from '../../src/config/load-lab.js';
import { labScope, nsidsAhead, readKernel } from '../../src/live/read.js';
import { writeRecord } from '../../src/lock/netns-record.js';
import { scratchDir } from '../support/scratch.js';
import { normalize } from '../../src/live/normalize.js';
import type { KernelSnapshot, NsId } from '../../src/live/snapshot.js';
import { HOST } from '../../src/model/resources.js';
import { fakeDriver } from '../support/fake-driver.js';

// h1 -- r -- h2, recorded with every namespace's nsids (test/golden/plan/record.sh).
const full = JSON.parse(readFileSync('test/golden/plan/chain-moved/snapshot.json', 'utf8')) as KernelSnapshot;
const chain = loadLab('examples/routed-chain.yaml').topology;
/** What a lab's read returns: nsids for the host only. */
const hostOnly: KernelSnapshot = { ...full, namespaces: full.namespaces.map(({ nsids, ...n }) => (n.ns === HOST ? { ...n, nsids: nsids! } : n)) };
/** The kernel's answer to "X's nsid for Y", from the recorded lists. */
/** The recorded sysctls, which readKernel reads again. */
const readSysctls = async (want: ReadonlyMap<string, readonly string[]>) => new Map([...want.keys()].map((ns) => [ns, { ...full.namespaces.find((n) => n.ns === ns)?.sysctls }]));
const answers = (pairs: readonly (readonly [string, string])[]): Map<string, NsId[]> => {
  const out = new Map<string, NsId[]>();
  for (const [x, y] of pairs) out.set(x, [...(out.get(x) ?? []), ...full.namespaces.find((n) => n.ns === x)!.nsids!.filter((e) => e.name === y)]);
  return out;
};

describe('nsidsAhead: the pairs asked about while the kernel is read', () => {
  const asking = (present: string[]) => {
    const asked: (readonly [string, string])[] = [];
    const d = fakeDriver({ netnsIdentities: () => new Map(present.map((n, i) => [n, `${i}:1`])), nsidsViaHost: async (pairs) => (asked.push(...pairs), new Map()) });
    return { asked, ahead: nsidsAhead(d, chain) };
  };

  it('asks about every pair the file names between namespaces that exist', async () => {
    const { asked, ahead } = asking(['h1', 'r', 'h2']);
    await ahead;
    expect(asked).toEqual([
      ['r', 'h1'],
      ['r', 'h2'],
    ]);
  });

  it('asks nothing about a namespace that does not exist yet, and starts nothing before an apply that makes them all', async () => {
    const some = asking(['h1', 'r']);
    await some.ahead;
    expect(some.asked).toEqual([['h1', 'r']]); // one pair: asked from its first end
    const none = asking([]);
    expect(none.ahead).toBeUndefined();
    expect(none.asked).toEqual([]);
  });
});

describe('readKernel: pairing veths between namespaces', () => {
  it('asks the host, once per pair the file names and from the end with more pairs, and reads no namespace list', async () => {
    const asked: (readonly [string, string])[] = [];
    const d = fakeDriver({
      readSysctls,
      nsidsViaHost: async (pairs) => {
        asked.push(...pairs);
        return answers(pairs);
      },
      readNsids: async () => {
        throw new Error('no namespace should list its nsids');
      },
    });
    const snap = await readKernel(d, chain, { early: Promise.resolve(hostOnly) });
    expect(asked).toEqual([
      ['r', 'h1'],
      ['r', 'h2'],
    ]);
    expect(normalize(snap, 'chain').resources).toEqual(normalize(full, 'chain').resources);
  });

  it('takes the answers asked ahead (during the read), and asks again only about what they leave open', async () => {
    const never = async () => {
      throw new Error('nothing should be left to ask');
    };
    const all = await readKernel(fakeDriver({ readSysctls, nsidsViaHost: never, readNsids: never }), chain, { early: Promise.resolve(hostOnly), ahead: Promise.resolve(answers([['r', 'h1'], ['r', 'h2']])) });
    expect(normalize(all, 'chain').resources).toEqual(normalize(full, 'chain').resources);
    const asked: (readonly [string, string])[] = [];
    const d = fakeDriver({
      readSysctls,
      nsidsViaHost: async (pairs) => (asked.push(...pairs), answers(pairs)),
      readNsids: never,
    });
    const some = await readKernel(d, chain, { early: Promise.resolve(hostOnly), ahead: Promise.resolve(answers([['r', 'h1']])) });
    expect(asked).toContainEqual(['r', 'h2']);
    expect(normalize(some, 'chain').resources).toEqual(normalize(full, 'chain').resources);
  });

  it("reads the namespaces' own lists for what the host cannot answer", async () => {
    const listed: string[][] = [];
    const d = fakeDriver({
      readSysctls,
      nsidsViaHost: async () => new Map(),
      readNsids: async (names) => {
        listed.push([...names].sort());
        return new Map(names.map((n) => [n, [...full.namespaces.find((x) => x.ns === n)!.nsids!]]));
      },
    });
    const snap = await readKernel(d, chain, { early: Promise.resolve(hostOnly) });
    expect(listed).toEqual([['h1', 'h2', 'r']]);
    expect(normalize(snap, 'chain').resources).toEqual(normalize(full, 'chain').resources);
  });
});

describe("readKernel: another lab's veths", () => {
  it('are not paired: no namespace of theirs lists its nsids, and the host is asked nothing', async () => {
    const never = async () => {
      throw new Error("another lab's pairs are not this lab's business");
    };
    // The chain's namespaces and veths, marked as the chain's, read for the seed lab.
    const snap = await readKernel(fakeDriver({ readSysctls, nsidsViaHost: never, readNsids: never }), loadLab('examples/seed.yaml').topology, { early: Promise.resolve(hostOnly) });
    expect(snap).toEqual(hostOnly);
    expect(normalize(snap, 'seed').resources.size).toBe(0);
  });
});

describe('labScope', () => {
  it("leaves out the namespaces another lab recorded, identity and all, unless the file wants the name", () => {
    const dir = scratchDir('topo-scope-');
    const d = fakeDriver({ netnsIdentities: () => new Map([['ns0', '1:1'], ['b1', '2:2'], ['b2', '3:3'], ['ns1', '4:4'], ['made-by-hand', '5:5'], ['b3', '9:9']]) });
    const seed = loadLab('examples/seed.yaml').topology;
    // No other lab recorded anything: everything is read, as always.
    expect(labScope(d, seed, dir)).toBeUndefined();
    writeRecord('seed', new Map([['ns0', '1:1']]), dir);
    expect(labScope(d, seed, dir)).toBeUndefined();
    // Lab b recorded b1, b2 and ns1 (a clash with a name the seed wants), and b3 under another identity.
    writeRecord('b', new Map([['b1', '2:2'], ['b2', '3:3'], ['ns1', '4:4'], ['b3', '8:8']]), dir);
    expect([...labScope(d, seed, dir)!].sort()).toEqual(['b3', 'host', 'made-by-hand', 'ns0', 'ns1']);
  });
});

describe('readKernel: an early read limited to a scope', () => {
  const chainNs = new Set(['host', 'h1', 'h2', 'r']);
  it('is used, cut to what this read needs, when it covers it', async () => {
    const d = fakeDriver({
      readSysctls,
      nsidsViaHost: async (pairs) => answers(pairs),
      snapshot: async () => {
        throw new Error('no second read');
      },
    });
    const early = { ...hostOnly, only: new Set([...chainNs, 'elsewhere']) };
    const snap = await readKernel(d, chain, { early: Promise.resolve(early), only: chainNs });
    expect(normalize(snap, 'chain').resources).toEqual(normalize(full, 'chain').resources);
  });

  it('is read again when it took less than this read needs (the kernel changed meanwhile)', async () => {
    const asked: (ReadonlySet<string> | undefined)[] = [];
    const d = fakeDriver({
      readSysctls,
      nsidsViaHost: async (pairs) => answers(pairs),
      snapshot: async (req) => (asked.push(req?.only), hostOnly),
    });
    const early = { ...hostOnly, namespaces: hostOnly.namespaces.filter((n) => n.ns !== 'r'), only: new Set(['host', 'h1', 'h2']) };
    const snap = await readKernel(d, chain, { early: Promise.resolve(early), only: chainNs });
    expect(asked).toEqual([chainNs]);
    expect(normalize(snap, 'chain').resources).toEqual(normalize(full, 'chain').resources);
  });
});

describe('readKernel: sysctls', () => {
  it('asks for the sysctls of a namespace only when they did not come with it, all of them or none', async () => {
    const asked: string[][] = [];
    const d = fakeDriver({ nsidsViaHost: async (pairs) => answers(pairs), readSysctls: async (want) => (asked.push([...want.keys()]), readSysctls(want)) });
    const { sysctls: _, ...r } = hostOnly.namespaces.find((n) => n.ns === 'r')!;
    const withR = (sysctls: Record<string, string> | undefined): KernelSnapshot => ({ ...hostOnly, namespaces: hostOnly.namespaces.map((n) => (n.ns === 'r' ? { ...r, ...(sysctls ? { sysctls } : {}) } : n)) });
    const got = await readKernel(d, chain, { early: Promise.resolve(withR({ 'net.ipv4.ip_forward': '0' })) });
    expect(asked).toEqual([]);
    expect(got.namespaces.find((n) => n.ns === 'r')!.sysctls).toEqual({ 'net.ipv4.ip_forward': '0' });
    await readKernel(d, chain, { early: Promise.resolve(withR({})) });
    await readKernel(d, chain, { early: Promise.resolve(withR(undefined)) });
    expect(asked).toEqual([['r'], ['r']]);
  });
});

describe('verify: the host nsids it hands on', () => {
  it('drops the kept host nsids of namespaces apply made or deleted, which may be stale', async () => {
    const given: (readonly NsId[] | undefined)[] = [];
    const d = fakeDriver({
      snapshot: async (req) => ({ namespaces: hostOnly.namespaces.filter((n) => req?.only?.has(n.ns) ?? true), strays: [] }),
      nsidsViaHost: async (pairs, hostNsids) => {
        given.push(hostNsids);
        return answers(pairs);
      },
    });
    const host = { ...hostOnly.namespaces.find((n) => n.ns === HOST)!, nsids: [{ nsid: 7, name: 'h1' }, { nsid: 8, name: 'other' }] };
    const before: KernelSnapshot = { namespaces: [host, ...hostOnly.namespaces.filter((n) => n.ns !== HOST)], strays: [] };
    // r's sysctls are kept from before (apply did not touch r), so nothing differs.
    await verify(chain, d, { budgetMs: 50, scope: { before, touched: new Set(['h1']), remade: new Set(['h1']) } });
    expect(given[0]).toEqual([{ nsid: 8, name: 'other' }]);
  });
});
