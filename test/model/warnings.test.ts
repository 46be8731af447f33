import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../src/config/load-lab.js';
import { maxNamespaces } from '../../src/model/build.js';
import { renderDiagnostics } from '../../src/render/diagnostics.js';
import { plain } from '../../src/render/style.js';
import { scratchDir } from '../support/scratch.js';

function lab(text: string): string {
  const f = join(scratchDir(), 'lab.yaml');
  writeFileSync(f, text);
  return f;
}

describe('warnings: reported, never fatal', () => {
  it('warns when two interfaces of one namespace share a subnet (bad-inputs row 34)', () => {
    const f = lab('lab: w\nnodes:\n  a:\n    interfaces:\n      e0: { addresses: [10.1.0.1/24] }\n      e1: { addresses: [10.1.0.2/24] }\n  b: {}\nlinks:\n  - endpoints: [a:e0, b:x0]\n  - endpoints: [a:e1, b:x1]\n');
    const { topology, warnings, text } = loadLab(f);
    expect(topology.resources.size).toBeGreaterThan(0);
    expect(renderDiagnostics(warnings, plain, text)).toBe(
      `${f}:6:25: warning[SUBNET_OVERLAP]: a:e1 and a:e0 are both in 10.1.0.0/24\n  6 |       e1: { addresses: [10.1.0.2/24] }\n    |                         ^\n  note: first defined at ${f}:5:25\n  hint: traffic to that subnet leaves by one of them only; use separate subnets, or a bridge\n\n`,
    );
  });

  it('estimates the cost of a large lab, and the namespace limit is configurable (row 46)', () => {
    const f = lab(`lab: big\nnodes:\n${Array.from({ length: 150 }, (_, i) => `  n${i}: {}\n`).join('')}`);
    expect(loadLab(f).warnings.map((w) => w.message)).toEqual(['the lab has 150 namespaces: expect about 1 s and 48 MB of kernel memory']);
    expect(maxNamespaces({})).toBe(1000);
    expect(maxNamespaces({ TOPO_MAX_NAMESPACES: '5000' })).toBe(5000);
    expect(maxNamespaces({ TOPO_MAX_NAMESPACES: 'lots' })).toBe(1000);
  });
});
