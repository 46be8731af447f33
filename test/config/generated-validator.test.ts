import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, without types
import { TARGET, generate } from '../../scripts/gen-validator.mjs';

describe('the precompiled schema validator', () => {
  it('is up to date with schemas/topology.schema.json (run `npm run gen:validator` after changing the schema)', () => {
    expect(readFileSync(TARGET as string, 'utf8')).toBe((generate as () => string)());
  });
});
