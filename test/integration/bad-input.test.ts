import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';

const DIR = 'test/golden/parse/errors';

/**
 * The bad-input corpus through the real CLI, in a sandbox where a lab already runs: every
 * fixture makes apply fail with exactly its expected diagnostics (file:line:col, reason,
 * hint), and the kernel is byte-for-byte as it was.
 */
describe.skipIf(sandboxUnavailable)('bad input changes nothing', () => {
  const sandbox = useSandbox();

  it('every fixture is rejected by apply with its expected message, and the kernel is untouched', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    const before = await sb.state();
    const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
    const wrong: string[] = [];
    for (const f of fixtures) {
      const expected = readFileSync(join(DIR, f.replace(/\.yaml$/, '.txt')), 'utf8').trimEnd();
      // apply, the command that could change something; plan shares the same loading path.
      const r = await sb.topo('apply', '-y', join(DIR, f));
      if (r.exitCode !== 1 || r.stdout !== '' || r.stderr.trimEnd() !== expected) wrong.push(`${f}: exit ${r.exitCode}\n${r.stderr}`);
    }
    console.log(`bad-input corpus: ${fixtures.length - wrong.length} of ${fixtures.length} fixtures rejected as expected by apply`);
    expect(wrong).toEqual([]);
    expect(await sb.state()).toEqual(before);
  });
});
