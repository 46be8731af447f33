import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/apply/compile.js';
import { schedule } from '../../src/apply/schedule.js';
import { loadLab } from '../../src/config/load-lab.js';
import { batchLine } from '../../src/driver/ip-driver.js';
import { normalize } from '../../src/live/normalize.js';
import type { KernelSnapshot } from '../../src/live/snapshot.js';
import { emptyLab, plan } from '../../src/plan/planner.js';
import { renderPlan } from '../../src/render/plan-text.js';
import { plain } from '../../src/render/style.js';

const DIR = 'test/golden/plan';

/**
 * Golden plans from recorded kernel state: each case is a lab file plus the raw `ip -j` snapshot
 * recorded in a sandbox (test/golden/plan/record.sh). The expected normalized live state, plan
 * text and compiled ip batches sit beside them.
 */
describe('plan goldens (recorded ip -j → live state → plan → ip batches)', () => {
  for (const name of readdirSync(DIR).filter((n) => existsSync(join(DIR, n, 'case.yaml'))).sort()) {
    it(name, async () => {
      const c = parse(readFileSync(join(DIR, name, 'case.yaml'), 'utf8')) as { lab: string; mode?: 'destroy'; snapshot?: string; trusted?: string[] };
      const recorded = JSON.parse(readFileSync(join(DIR, c.snapshot ?? name, 'snapshot.json'), 'utf8')) as KernelSnapshot;
      // `trusted`: namespaces destroy knows by their recorded identity, and so does not read.
      const trusted = new Set(c.trusted ?? []);
      const snap = { ...recorded, namespaces: recorded.namespaces.filter((n) => !trusted.has(n.ns)) };
      const { topology } = loadLab(c.lab);
      const live = normalize(snap, topology.lab, new Set(), trusted);
      const { plan: p, conflicts } = plan(c.mode === 'destroy' ? emptyLab(topology.lab) : topology, live, c.mode ?? 'apply');
      expect(conflicts).toEqual([]);

      const liveText = [...live.resources.values()].map((r) => JSON.stringify(r)).join('\n') + '\n';
      await expect(liveText).toMatchFileSnapshot(`../golden/plan/${name}/live.txt`);
      await expect(renderPlan(p, plain)).toMatchFileSnapshot(`../golden/plan/${name}/plan.txt`);

      const waves = schedule(p, compilePlan(p));
      const batches = (['destroy', 'create'] as const).flatMap((phase) =>
        waves[phase].flatMap((w, i) => [...w].map(([ns, ops]) => `${phase} wave ${i}: ip${ns === 'host' ? '' : ` -n ${ns}`} -batch -\n${ops.map((o) => `  ${batchLine(o.args)}`).join('\n')}`)),
      );
      await expect(batches.join('\n') + '\n').toMatchFileSnapshot(`../golden/plan/${name}/batches.txt`);
    });
  }
});
