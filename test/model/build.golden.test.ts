import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/config/load-lab.js';

/** Each example (and model fixture) parses to exactly this desired topology, one resource a line. */
describe('lab file → desired topology', () => {
  const files = [
    ...readdirSync('examples').filter((f) => f.endsWith('.yaml')).map((f) => `examples/${f}`),
    ...readdirSync('test/golden/model').filter((f) => f.endsWith('.yaml')).map((f) => `test/golden/model/${f}`),
  ].sort();
  for (const file of files) {
    it(file, async () => {
      const { topology } = loadLab(file);
      const text = [...topology.resources.values()].map((r) => JSON.stringify(r)).join('\n') + '\n';
      const name = file.split('/').pop()!.replace(/\.yaml$/, '');
      await expect(text).toMatchFileSnapshot(`../golden/model/${name}.topology.txt`);
    });
  }
});
