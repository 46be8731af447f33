import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWhole } from '../../src/util/write-whole.js';
import { scratchDir } from '../support/scratch.js';

describe('writeWhole', () => {
  it('puts the whole file in place, with its mode, and nothing beside it', () => {
    const dir = scratchDir('topo-whole-');
    writeWhole(join(dir, 'f'), Buffer.from('abc'), 0o600);
    writeWhole(join(dir, 'f'), 'abcd');
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('abcd');
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('leaves no temporary file behind when the write cannot be completed', () => {
    const dir = scratchDir('topo-whole-');
    mkdirSync(join(dir, 'taken')); // a directory where the file should go: the rename fails
    expect(() => writeWhole(join(dir, 'taken'), 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
