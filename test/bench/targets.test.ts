import { describe, expect, it } from 'vitest';
import { checkTargets, renderTargets, type BenchRow } from '../../bench/targets.mjs';

/** A lab's medians, with every ratio just inside its target unless overridden. */
const row = (kind: string, n: number, over: Partial<BenchRow> = {}): BenchRow => ({
  kind,
  n,
  apply: 2,
  bApply: 1.6, // 1.25×
  perOp: 8.2, // 4.1×
  plan: 1.2,
  bRead: 1, // 1.2×
  destroy: 0.29,
  bDestroy: 0.2, // 1.45×
  mem: 60,
  ...over,
});

/** The checks by a short name, in the order checkTargets gives them. */
const KEYS = ['apply', 'perOp', 'plan', 'destroy', 'mininet', 'scaling', 'memory'] as const;
const byTarget = (rows: BenchRow[]) => {
  const checks = checkTargets(rows);
  expect(checks).toHaveLength(KEYS.length);
  return new Map(KEYS.map((k, i) => [k, checks[i]!]));
};

describe('bench targets', () => {
  it('says met for every lab inside, and names the labs outside', () => {
    const rows = [row('star', 200, { mnUp: 20, mnDown: 2 }), row('chain', 200, { destroy: 0.31 }), row('mesh', 200, { apply: 2.1 })];
    const c = byTarget(rows);
    expect(c.get('apply')).toMatchObject({ met: true, measured: 'star 1.25×, chain 1.25×, mesh 1.31×' });
    expect(c.get('destroy')).toMatchObject({ met: false, missed: ['chain'], measured: 'star 1.45×, chain 1.55×, mesh 1.45×' });
    // mesh: 8.2 / 2.1 = 3.90× < 4
    expect(c.get('perOp')).toMatchObject({ met: false, missed: ['mesh'] });
    expect(c.get('plan')).toMatchObject({ met: true });
    // up 20 / 2 = 10×, down 2 / 0.29 = 6.90×
    expect(c.get('mininet')).toMatchObject({ met: false, missed: ['down'], measured: 'up 10.00×, down 6.90×' });
  });

  it('compares ratios unrounded: 1.5004× misses ≤ 1.5× though it prints as 1.50×', () => {
    const c = byTarget([row('star', 200, { apply: 1.5004, bApply: 1 })]);
    expect(c.get('apply')).toMatchObject({ met: false, measured: 'star 1.50×' });
  });

  it('checks scaling per shape from apply per node, and memory at 500', () => {
    const rows = [row('star', 50, { apply: 0.5 }), row('star', 500, { apply: 6, mem: 149 }), row('chain', 50, { apply: 0.5 }), row('chain', 500, { apply: 5.9, mem: 150 })];
    const c = byTarget(rows);
    // star: (6/500) / (0.5/50) = 1.2 (met, at the bound); chain: 1.18
    expect(c.get('scaling')).toMatchObject({ met: true, measured: 'star 1.20×, chain 1.18×' });
    expect(c.get('memory')).toMatchObject({ met: false, missed: ['chain'] });
  });

  it('says what a run did not measure instead of a verdict', () => {
    const c = byTarget([row('chain', 10)]);
    for (const k of ['apply', 'perOp', 'plan', 'destroy'] as const) expect(c.get(k)).toMatchObject({ why: 'not measured: needs --sizes 200' });
    expect(c.get('mininet')!.why).toBe('not measured: needs --sizes 200 and the star');
    expect(c.get('scaling')!.why).toBe('not measured: needs --sizes 50,500');
    expect(c.get('memory')!.why).toBe('not measured: needs --sizes 500');
    expect(byTarget([row('star', 200)]).get('mininet')!.why).toBe('not measured: Mininet not installed');
    expect(renderTargets(checkTargets([row('chain', 10)])).at(-1)).toBe('| peak memory < 150 MB (N = 500) | not measured: needs --sizes 500 |  |');
  });

  it('renders a Markdown table with a verdict per target', () => {
    const lines = renderTargets(checkTargets([row('star', 200, { mnUp: 30, mnDown: 8 })]));
    expect(lines.slice(0, 4)).toEqual(["issue #5's targets, in this run", '', '| target | measured | result |', '| --- | --- | --- |']);
    expect(lines[4]).toBe('| apply ≤ 1.5× the best script (N = 200) | star 1.25× | met |');
    expect(lines).toContain('| destroy ≤ 1.5× the best script, teardown included (N = 200) | star 1.45× | met |');
  });
});
