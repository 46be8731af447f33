import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedLabName, loadLabCached } from '../../src/config/lab-cache.js';
import { loadLab } from '../../src/config/load-lab.js';
import { InputError } from '../../src/diag/errors.js';
import { scratchDir } from '../support/scratch.js';

const examples = readdirSync('examples').filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`);
const scratch = () => scratchDir('topo-cache-test-');

/** Gives the one entry in dir another lab name: its slot's first line (lab-cache.ts, splitSlot). */
function relabel(dir: string, lab: string): void {
  const [slot] = readdirSync(dir);
  const [head, ...rest] = readFileSync(join(dir, slot!), 'utf8').split('\n');
  writeFileSync(join(dir, slot!), [JSON.stringify({ ...JSON.parse(head!), lab }), ...rest].join('\n'));
}

describe('lab cache', () => {
  it.each(examples)('a hit gives exactly what parsing %s gives', async (file) => {
    const dir = join(scratch(), 'cache');
    const miss = await loadLabCached(file, { dir, build: 'b1' });
    expect(readdirSync(dir)).toHaveLength(1);
    const hit = await loadLabCached(file, { dir, build: 'b1' });
    expect(hit).toStrictEqual(loadLab(file));
    expect(miss).toStrictEqual(loadLab(file));
  });

  it('really serves the stored entry on a hit (so the test above compares a hit)', async () => {
    const dir = join(scratch(), 'cache');
    await loadLabCached('examples/seed.yaml', { dir, build: 'b1' });
    relabel(dir, 'from-cache');
    expect((await loadLabCached('examples/seed.yaml', { dir, build: 'b1' })).topology.lab).toBe('from-cache');
    // Another build of topo, or an edit of the file, misses and overwrites the slot.
    expect((await loadLabCached('examples/seed.yaml', { dir, build: 'b2' })).topology.lab).toBe('seed');
  });

  it('misses on any edit of the file', async () => {
    const d = scratch();
    const dir = join(d, 'cache');
    const file = join(d, 'lab.yaml');
    writeFileSync(file, readFileSync('examples/seed.yaml', 'utf8'));
    await loadLabCached(file, { dir, build: 'b1' });
    writeFileSync(file, readFileSync('examples/seed.yaml', 'utf8').replace('10.0.0.2/24', '10.0.0.3/24'));
    const after = await loadLabCached(file, { dir, build: 'b1' });
    expect([...after.topology.resources.keys()]).toContain('address/ns1/ceth1/10.0.0.3/24');
  });

  it('never caches bad input: its errors come from the real checks every time', async () => {
    const d = scratch();
    const dir = join(d, 'cache');
    const file = join(d, 'bad.yaml');
    writeFileSync(file, 'lab: x\nnodes:\n  a: { interfaces: { e0: { addresses: [10.0.0.300/24] } } }\n');
    for (let i = 0; i < 2; i++) await expect(loadLabCached(file, { dir, build: 'b1' })).rejects.toBeInstanceOf(InputError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is not used in a directory others can write, nor without a build id', async () => {
    const dir = join(scratch(), 'cache');
    await loadLabCached('examples/seed.yaml', { dir, build: 'b1' });
    chmodSync(dir, 0o777);
    relabel(dir, 'planted');
    expect((await loadLabCached('examples/seed.yaml', { dir, build: 'b1' })).topology.lab).toBe('seed');
    chmodSync(dir, 0o700);
    expect((await loadLabCached('examples/seed.yaml', { dir, build: 'b1' })).topology.lab).toBe('planted');
    expect((await loadLabCached('examples/seed.yaml', { dir, fresh: true })).topology.lab).toBe('seed');
  });

  it("gives the lab name from a slot's first line, for exactly this file, path and build", async () => {
    const d = scratch();
    const dir = join(d, 'cache');
    const file = join(d, 'lab.yaml');
    writeFileSync(file, readFileSync('examples/seed.yaml', 'utf8'));
    expect(cachedLabName(file, { dir, build: 'b1' })).toBeUndefined(); // nothing cached yet
    await loadLabCached(file, { dir, build: 'b1' });
    expect(cachedLabName(file, { dir, build: 'b1' })).toBe('seed');
    relabel(dir, 'from-cache');
    expect(cachedLabName(file, { dir, build: 'b1' })).toBe('from-cache'); // the slot's, not a parse
    // The resources line is not parsed for the name, but is for a hit: damaged, the load misses.
    const [slot] = readdirSync(dir);
    writeFileSync(join(dir, slot!), readFileSync(join(dir, slot!), 'utf8').replace(/\n.*$/s, '\n[[broken'));
    expect(cachedLabName(file, { dir, build: 'b1' })).toBe('from-cache');
    expect((await loadLabCached(file, { dir, build: 'b1' })).topology.lab).toBe('seed');
    expect(cachedLabName(file, { dir, build: 'b2' })).toBeUndefined();
    expect(cachedLabName(`${d}/./lab.yaml`, { dir, build: 'b1' })).toBeUndefined(); // the same file by another path
    writeFileSync(file, readFileSync(file, 'utf8') + '\n');
    expect(cachedLabName(file, { dir, build: 'b1' })).toBeUndefined();
    expect(cachedLabName(join(d, 'missing.yaml'), { dir, build: 'b1' })).toBeUndefined();
  });
});
