import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';

/**
 * Reads take nsids only where the lab's own veths need them (live/nsid-cover.ts). A pair the
 * file no longer names has no side in that cover: its ends must still be paired, through a
 * second read of the missing nsids, and never shown as two half-known veths.
 */
const lab = (links: string[]) =>
  ['lab: pairs', 'nodes:', ...'abcdefgh'.split('').map((n) => `  ${n}: {}`), ...(links.length ? ['links:', ...links.map((l) => `  - endpoints: [${l}]`)] : [])].join('\n') + '\n';

describe.skipIf(sandboxUnavailable)('veth pairs between namespaces the read took no nsids from', () => {
  const sandbox = useSandbox();

  it('are paired all the same: 4 pairs the file dropped are 4 veths to destroy, then nothing', async () => {
    const sb = sandbox();
    const dir = scratchDir('topo-pairs-');
    const full = join(dir, 'full.yaml');
    const bare = join(dir, 'bare.yaml');
    writeFileSync(full, lab(['a:e0, b:e0', 'c:e0, d:e0', 'e:e0, f:e0', 'g:e0, h:e0']));
    writeFileSync(bare, lab([]));
    expect((await sb.topo('apply', '-y', full)).exitCode).toBe(0);
    // Twice: the first plan parses the file (its read takes every nsid), the second starts its
    // read from the lab cache's cover of the bare file, which has no veths: no nsids at all.
    for (let i = 0; i < 2; i++) {
      const p = await sb.topo('plan', bare);
      expect(p.exitCode, p.stderr).toBe(0);
      for (const [x, y] of [['a', 'b'], ['c', 'd'], ['e', 'f'], ['g', 'h']]) expect(p.stdout).toMatch(new RegExp(`^ {2}- veth ${x}:e0 <-> ${y}:e0 {2}\\(not in the file\\)$`, 'm'));
      expect(p.stdout).not.toMatch(/unknown peer/);
      expect(p.stdout).toMatch(/Plan: 0 to add, 0 to change, 4 to destroy\./);
    }
    // -v shows the second read: the eight namespaces' nsids, fanned out like any read.
    const v = await sb.topo('plan', '-v', bare);
    expect(v.stderr).toMatch(/netns exec a ip -j netns list-id/);
    const a = await sb.topo('apply', '-y', bare);
    expect(a.exitCode, a.stderr).toBe(0);
    expect((await sb.topo('plan', bare)).stdout).toMatch(/^No changes\./m);
    expect(await sb.ipj('-n', 'a', 'link', 'show')).toHaveLength(1);
  });
});
