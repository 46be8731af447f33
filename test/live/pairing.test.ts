import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/config/load-lab.js';
import { normalize, pairingGaps } from '../../src/live/normalize.js';
import { nsidCover } from '../../src/live/nsid-cover.js';
import type { KernelSnapshot } from '../../src/live/snapshot.js';
import { HOST, ids, type Resource, type Topology } from '../../src/model/resources.js';

const DIR = 'test/golden/plan';
const recorded = readdirSync(DIR)
  .filter((n) => existsSync(join(DIR, n, 'snapshot.json')))
  .map((n) => ({ name: n, snap: JSON.parse(readFileSync(join(DIR, n, 'snapshot.json'), 'utf8')) as KernelSnapshot }));

/** The snapshot as a read that took nsids only in `keep` (and the host) would have returned it. */
function without(snap: KernelSnapshot, keep: ReadonlySet<string>): KernelSnapshot {
  return { ...snap, namespaces: snap.namespaces.map(({ nsids, ...n }) => (n.ns === HOST || keep.has(n.ns) ? { ...n, nsids: nsids! } : n)) };
}
function filled(partial: KernelSnapshot, full: KernelSnapshot, names: readonly string[]): KernelSnapshot {
  const byNs = new Map(full.namespaces.map((n) => [n.ns, n]));
  return { ...partial, namespaces: partial.namespaces.map((n) => (names.includes(n.ns) ? byNs.get(n.ns)! : n)) };
}
const lab = (name: string) => (name.startsWith('chain') ? 'chain' : name.startsWith('dual') ? 'dual' : 'seed');

describe('veth pairing with nsids read only in some namespaces', () => {
  it.each(recorded)('$name: reading no namespace nsids, then those pairingGaps names, normalizes like a full read', ({ name, snap }) => {
    expect(snap.namespaces.every((n) => n.nsids)).toBe(true); // recorded with every nsid
    const full = normalize(snap, lab(name));
    const partial = without(snap, new Set());
    const gaps = pairingGaps(partial);
    const fixed = filled(partial, snap, gaps);
    expect(pairingGaps(fixed)).toEqual([]);
    expect(normalize(fixed, lab(name)).resources).toEqual(full.resources);
  });

  it('a chain needs the nsids of one end of each pair, not of every namespace', () => {
    const chain = recorded.find((r) => r.name === 'chain-moved')!.snap;
    const gaps = pairingGaps(without(chain, new Set()));
    expect(gaps.length).toBeGreaterThan(0);
    // With the middle node's nsids, both of its pairs are named from that side alone.
    expect(pairingGaps(without(chain, new Set(['r'])))).toEqual([]);
    expect(normalize(without(chain, new Set(['r'])), 'chain').resources).toEqual(normalize(chain, 'chain').resources);
  });

  it('a link pointing at a namespace nobody can name stays unpaired, not wrongly paired', () => {
    const chain = recorded.find((r) => r.name === 'chain-moved')!.snap;
    // r's nsids read, but r's entry for h1 lost: h1's end has no one pointing back at it.
    const r = chain.namespaces.find((n) => n.ns === 'r')!;
    const h1Id = r.nsids!.find((x) => x.name === 'h1')!.nsid;
    const broken = { ...chain, namespaces: chain.namespaces.map((n) => (n.ns === 'r' ? { ...n, nsids: n.nsids!.filter((x) => x.nsid !== h1Id) } : n.ns === HOST ? n : { ...n, nsids: undefined as never })) };
    const noIds = { ...broken, namespaces: broken.namespaces.map(({ nsids, ...n }) => (n.ns === 'h1' || n.ns === 'h2' ? n : { ...n, nsids: nsids! })) };
    expect(pairingGaps(noIds)).toContain('h1');
    expect(pairingGaps(noIds)).not.toContain('h2');
  });
});

describe('nsidCover', () => {
  const veth = (a: string, b: string): Resource => {
    const x = { ns: a, name: `to-${b}`, up: true, master: null, marked: true };
    const y = { ns: b, name: `to-${a}`, up: true, master: null, marked: true };
    return { kind: 'veth', id: ids.veth(x, y), a: x, b: y };
  };
  const topo = (edges: [string, string][]): Topology => ({ lab: 't', resources: new Map(edges.map(([a, b]) => veth(a, b)).map((r) => [r.id, r])) });

  it('needs nothing for a star behind the host, and half of a chain', () => {
    expect(nsidCover(topo([['host', 'a'], ['host', 'b'], ['host', 'c']]))).toEqual(new Set());
    const chain = nsidCover(topo([['n0', 'n1'], ['n1', 'n2'], ['n2', 'n3'], ['n3', 'n4']]));
    expect(chain.size).toBe(2);
  });

  it('covers every veth between two namespaces, for any graph', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 })), { maxLength: 40 }), (pairs) => {
        const edges = pairs.filter(([a, b]) => a !== b).map(([a, b]): [string, string] => [`n${a}`, b === 0 ? 'host' : `n${b}`]);
        const cover = nsidCover(topo(edges));
        for (const [a, b] of edges) if (a !== 'host' && b !== 'host') expect(cover.has(a) || cover.has(b)).toBe(true);
      }),
    );
  });
});
