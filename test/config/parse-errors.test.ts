import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/config/load-lab.js';
import { MAX_FILE_BYTES } from '../../src/config/load.js';
import { InputError } from '../../src/diag/errors.js';
import { renderDiagnostics } from '../../src/render/diagnostics.js';
import { plain } from '../../src/render/style.js';
import { scratchDir } from '../support/scratch.js';

const DIR = 'test/golden/parse/errors';

function diagnose(file: string): string {
  try {
    loadLab(file);
  } catch (e) {
    if (e instanceof InputError) return renderDiagnostics(e.diagnostics, plain, e.sourceText);
    throw e;
  }
  return 'NO ERROR\n';
}

/**
 * The bad-input corpus: each fixture must be rejected with file:line:col, a reason and a hint,
 * before anything could touch the kernel. The expected text sits beside each fixture; review the
 * diff when it changes (vitest -u regenerates it).
 */
describe('bad lab files are rejected with positions and hints', () => {
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.yaml')).sort()) {
    it(f, async () => {
      const out = diagnose(join(DIR, f));
      expect(out).not.toBe('NO ERROR\n');
      await expect(out).toMatchFileSnapshot(`../golden/parse/errors/${f.replace(/\.yaml$/, '.txt')}`);
    });
  }

  it('refuses a file over the size cap before parsing it', () => {
    const dir = scratchDir();
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `lab: x\n#${'x'.repeat(MAX_FILE_BYTES)}\n`);
    const t0 = performance.now();
    expect(diagnose(big)).toMatch(/error\[FILE_TOO_LARGE\]: lab file is \d+ bytes; the limit is 1048576/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('survives nesting far deeper than any lab', () => {
    const dir = scratchDir();
    const deep = join(dir, 'deep.yaml');
    writeFileSync(deep, `lab: x\nnodes: ${'['.repeat(100_000)}`);
    expect(diagnose(deep)).toMatch(/error\[/);
  });

  it('names a missing file and the default', () => {
    expect(diagnose('does/not/exist.yaml')).toMatch(/error\[FILE_NOT_FOUND\]: no lab file at does\/not\/exist\.yaml\n {2}hint: .*the default is \.\/lab\.yaml/);
  });
});
