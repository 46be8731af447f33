import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabCached } from '../../src/config/lab-cache.js';
import { loadLab } from '../../src/config/load-lab.js';
import { InputError } from '../../src/diag/errors.js';
import { scratchDir } from '../support/scratch.js';

const examples = readdirSync('examples').filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`);
const scratch = () => scratchDir('topo-cache-test-');

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
    const [slot] = readdirSync(dir);
    const entry = JSON.parse(readFileSync(join(dir, slot!), 'utf8'));
    entry.lab = 'from-cache';
    writeFileSync(join(dir, slot!), JSON.stringify(entry));
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
    const [slot] = readdirSync(dir);
    writeFileSync(join(dir, slot!), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, slot!), 'utf8')), lab: 'planted' }));
    expect((await loadLabCached('examples/seed.yaml', { dir, build: 'b1' })).topology.lab).toBe('seed');
    chmodSync(dir, 0o700);
    expect((await loadLabCached('examples/seed.yaml', { dir, build: 'b1' })).topology.lab).toBe('planted');
    expect((await loadLabCached('examples/seed.yaml', { dir, fresh: true })).topology.lab).toBe('seed');
  });
});
