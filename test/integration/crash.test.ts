import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/apply/compile.js';
import { schedule } from '../../src/apply/schedule.js';
import { loadLab } from '../../src/config/load-lab.js';
import { normalize } from '../../src/live/normalize.js';
import { HOST } from '../../src/model/resources.js';
import { plan } from '../../src/plan/planner.js';
import { Sandbox, sandboxUnavailable } from '../support/sandbox.js';

const EXAMPLES = ['examples/seed.yaml', 'examples/routed-chain.yaml', 'examples/switch.yaml', 'examples/dual-stack.yaml'];

/**
 * For each step of a fresh apply: the position of its last ip command (kill right after it) and
 * of its first (make it fail), in the executor's order: destroy waves, create waves, batches,
 * lines. Computed from the same planner the CLI uses, against an empty kernel.
 */
function faultPoints(file: string): { kills: number[]; fails: number[]; total: number } {
  const { topology } = loadLab(file);
  const empty = normalize({ namespaces: [{ ns: HOST, links: [], addrs: [], routes: [], nsids: [] }], strays: [] }, topology.lab);
  const { plan: p } = plan(topology, empty);
  const waves = schedule(p, compilePlan(p));
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let i = 0;
  for (const wave of [...waves.destroy, ...waves.create]) {
    for (const ops of wave.values()) {
      for (const op of ops) {
        if (!first.has(op.step)) first.set(op.step, i);
        last.set(op.step, i);
        i++;
      }
    }
  }
  const kills = [...new Set([...last.values()].map((x) => x + 1))].filter((k) => k < i).sort((a, b) => a - b);
  const fails = [...new Set(first.values())].sort((a, b) => a - b);
  return { kills, fails, total: i };
}

/**
 * Crash safety by fault injection (TOPO_FAULT). After every fault, `topo apply` must converge
 * (the next plan is empty) and `topo destroy` must leave the sandbox's full ip -j state as it was
 * before. The tally is printed for the README's Safety figures.
 */
describe.skipIf(sandboxUnavailable).concurrent('crash safety: a kill or a kernel failure after any step is recovered', () => {
  for (const file of EXAMPLES) {
    it(file, { timeout: 600_000 }, async () => {
      const { kills, fails } = faultPoints(file);
      const sb = await Sandbox.start();
      const failed: string[] = [];
      try {
        const before = await sb.state();
        const cases = [...kills.map((k) => `kill-after:${k}`), ...fails.map((k) => `fail-at:${k}`)];
        for (const fault of cases) {
          const hit = await sb.topoWith({ TOPO_FAULT: fault }, 'apply', '-y', file);
          const expected = fault.startsWith('kill') ? hit.exitCode === -1 : hit.exitCode === 1 && /Run `topo apply` again to resume/.test(hit.stderr);
          const again = await sb.topo('apply', '-y', file);
          const plan = await sb.topo('plan', file);
          const destroy = await sb.topo('destroy', '-y', file);
          const after = await sb.state();
          const ok = expected && again.exitCode === 0 && /^No changes\./m.test(plan.stdout) && destroy.exitCode === 0 && after === before;
          if (!ok) failed.push(`${fault}: fault exit ${hit.exitCode}, apply ${again.exitCode} ${again.stderr.slice(-300)}, plan ${plan.stdout.slice(0, 200)}, destroy ${destroy.exitCode}, state ${after === before ? 'same' : 'differs'}`);
        }
        console.log(`crash harness ${file}: ${kills.length} kill points and ${fails.length} failure points tried, ${cases.length - failed.length} of ${cases.length} recovered`);
      } finally {
        await sb.stop();
      }
      expect(failed).toEqual([]);
    });
  }
});
