import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gnuXargs, onPath } from '../../src/driver/ip-driver.js';
import { sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';
import { checkAgainstFile } from './independent-check.js';

/**
 * Fan-out shares enter namespaces with `ip -n` below 1000 namespaces and with nsenter from
 * there on (IpDriver's Entry). A lab of 1000 is too slow for a test, so TOPO_ENTER picks the way
 * here: the same chain of 8 nodes, with a sysctl in each, goes through apply, drift repaired,
 * plan and destroy either way, and is checked with plain `ip -j` reads, sysctl and ping.
 */
const N = 8;
const LAB = ['lab: entry', 'nodes:'];
for (let i = 0; i < N; i++) {
  LAB.push(`  n${i}:`, '    sysctls: { net.ipv4.ip_forward: 1 }', '    interfaces:');
  if (i > 0) LAB.push(`      l: { addresses: [10.77.${i - 1}.2/24] }`);
  if (i + 1 < N) LAB.push(`      r: { addresses: [10.77.${i}.1/24] }`);
}
LAB.push('links:', ...Array.from({ length: N - 1 }, (_, i) => `  - endpoints: [n${i}:r, n${i + 1}:l]`), '');

const ways = [
  // What -v shows of a share: its xargs, then each line it was given.
  { entry: 'ip', xargs: /^\+ xargs -t -L 1 ip$/m, batch: /^ {4}-n n0 -j -d -batch \S+$/m, sysctl: /^ {4}netns exec n0 sysctl -q net\.ipv4\.ip_forward=1 net\.ipv4\.ip_forward kernel\.ostype$/m, read: /^ {4}-n n0 -j -d -batch \S+\/read\.batch$/m },
  { entry: 'nsenter', xargs: /^\+ xargs -t -L 1 nsenter$/m, batch: /^ {4}--net=\/run\/netns\/n0 ip -j -d -batch \S+$/m, sysctl: /^ {4}--net=\/run\/netns\/n0 sysctl -q net\.ipv4\.ip_forward=1 net\.ipv4\.ip_forward kernel\.ostype$/m, read: /^ {4}--net=\/run\/netns\/n0 ip -j -d -batch \S+\/read\.batch$/m },
] as const;

describe.skipIf(sandboxUnavailable || !gnuXargs())('namespaces entered by fan-out shares', () => {
  const sandbox = useSandbox();

  for (const way of ways) {
    it.skipIf(way.entry === 'nsenter' && !onPath('nsenter'))(`through xargs -L 1 ${way.entry}: apply, drift repaired, no-op plan and destroy, checked without topo`, async () => {
      const sb = sandbox();
      const before = await sb.state();
      const file = join(scratchDir('topo-entry-'), 'lab.yaml');
      writeFileSync(file, LAB.join('\n'));
      const env = { TOPO_ENTER: way.entry };
      const a = await sb.topoWith(env, 'apply', '-y', '-v', file);
      expect(a.exitCode, a.stderr).toBe(0);
      for (const shown of [way.xargs, way.batch, way.sysctl]) expect(a.stderr).toMatch(shown);
      expect(await checkAgainstFile(sb, file)).toEqual([]);
      // Both ends of the chain carry traffic to their neighbours.
      expect(await sb.ping('n0', '10.77.0.2')).toBe(true);
      expect(await sb.ping('n7', '10.77.6.1')).toBe(true);
      await sb.must(['ip', 'netns', 'exec', 'n3', 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']);
      const p = await sb.topoWith(env, 'plan', '-v', file);
      expect(p.stderr).toMatch(way.read);
      expect(p.stdout).toMatch(/^ {2}~ sysctl n3 net\.ipv4\.ip_forward/m);
      expect(p.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy\./);
      expect((await sb.topoWith(env, 'apply', '-y', file)).exitCode).toBe(0);
      expect((await sb.run(['ip', 'netns', 'exec', 'n3', 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');
      expect((await sb.topoWith(env, 'plan', file)).stdout).toMatch(/^No changes\./m);
      expect((await sb.topoWith(env, 'destroy', '-y', file)).exitCode).toBe(0);
      expect(await sb.state()).toEqual(before);
    });
  }
});
