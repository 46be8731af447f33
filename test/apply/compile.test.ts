import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/apply/compile.js';
import { loadLabSource } from '../../src/config/load-lab.js';
import { normalize } from '../../src/live/normalize.js';
import { HOST } from '../../src/model/resources.js';
import { plan } from '../../src/plan/planner.js';

const lab = (text: string) => loadLabSource({ path: 'lab.yaml', text }).topology;
const empty = normalize({ namespaces: [{ ns: HOST, links: [], addrs: [], routes: [], nsids: [] }], strays: [] }, 'mixed');

describe('compilePlan', () => {
  it('asks the host for an nsid only for a new namespace without a new veth to the host (that veth gives it one)', () => {
    // a: a veth to the host; b: only a veth to a; c: made alone.
    const t = lab(`lab: mixed
nodes:
  a: {}
  b: {}
  c: {}
links:
  - endpoints: [host:pa, a:eth0]
  - endpoints: [a:eth1, b:eth0]
`);
    const ops = compilePlan(plan(t, empty).plan).flat();
    const auto = ops.filter((o) => o.args[0] === 'netns' && o.args[1] === 'set').map((o) => o.args.join(' '));
    expect(auto.sort()).toEqual(['netns set b auto', 'netns set c auto']);
    expect(ops.filter((o) => o.args[0] === 'netns' && o.args[1] === 'add').map((o) => o.args[2]).sort()).toEqual(['a', 'b', 'c']);
  });
});
