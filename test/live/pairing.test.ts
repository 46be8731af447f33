import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/config/load-lab.js';
import { normalize, pairingGaps } from '../../src/live/normalize.js';
import type { KernelSnapshot } from '../../src/live/snapshot.js';
import { HOST } from '../../src/model/resources.js';

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

  it.each(recorded)('$name: nsids read in part (what live/read.ts asks the host for) pair like a full read, once the gaps are filled', ({ name, snap }) => {
    const full = normalize(snap, lab(name));
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }), (bits) => {
        let k = 0;
        const take = () => bits[k++ % bits.length]!;
        const some = new Set<string>();
        // Each namespace: no nsids, or only some of its named ones (the host answers by name).
        const partial = {
          ...snap,
          namespaces: snap.namespaces.map(({ nsids, ...n }) => {
            if (n.ns === HOST) return { ...n, nsids: nsids! };
            if (!take()) return n;
            some.add(n.ns);
            return { ...n, nsids: nsids!.filter((x) => x.name !== undefined && take()) };
          }),
        };
        const gaps = pairingGaps(partial, some);
        const fixed = filled(partial, snap, gaps);
        expect(pairingGaps(fixed, new Set([...some].filter((n) => !gaps.includes(n))))).toEqual([]);
        expect(normalize(fixed, lab(name)).resources).toEqual(full.resources);
      }),
      { numRuns: 50 },
    );
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
