import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/config/load-lab.js';
import { normalize } from '../../src/live/normalize.js';
import type { KernelSnapshot } from '../../src/live/snapshot.js';
import { diff } from '../../src/plan/diff.js';

const seed = loadLab('examples/seed.yaml').topology;
/** /run/netns/ns0 is a file, no namespace: an `ip netns add` cut between the two. */
const snap: KernelSnapshot = { namespaces: [{ ns: 'host', links: [], addrs: [], routes: [] }], strays: [{ name: 'ns0', reason: 'is not a usable network namespace (setting the network namespace "ns0" failed: Invalid argument)' }] };

describe('a /run/netns entry that is no namespace', () => {
  it('is the lab\'s own, half-made, when its journal names it: replaced', () => {
    const live = normalize(snap, 'seed', new Set(['netns/ns0']));
    expect(live.resources.get('netns/ns0')).toMatchObject({ kind: 'netns', halfMade: true });
    const { changes, conflicts } = diff(seed, live);
    expect(conflicts).toEqual([]);
    expect(changes.find((c) => c.id === 'netns/ns0')).toMatchObject({ action: 'replace', reason: 'left half-made by an interrupted apply' });
    // Out of the file, it is deleted like any namespace of the lab's.
    const { changes: gone } = diff({ ...seed, resources: new Map() }, live);
    expect(gone).toEqual([expect.objectContaining({ id: 'netns/ns0', action: 'delete' })]);
  });

  it('is foreign otherwise: a conflict, left alone', () => {
    const live = normalize(snap, 'seed');
    expect(live.resources.has('netns/ns0')).toBe(false);
    expect(diff(seed, live).conflicts.map((d) => d.message)).toEqual([expect.stringMatching(/namespace 'ns0' already exists and is not a usable network namespace/)]);
  });
});
