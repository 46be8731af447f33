import { describe, expect, it } from 'vitest';
import { ids, type Resource, type VethEnd } from '../../src/model/resources.js';
import { orderSteps } from '../../src/plan/order.js';
import type { Change } from '../../src/plan/types.js';

const end = (ns: string, name: string, master: string | null = null): VethEnd => ({ ns, name, master, up: true, marked: true });
const veth = (a: VethEnd, b: VethEnd): Resource => ({ kind: 'veth', id: ids.veth(a, b), a, b });
const netns = (name: string): Resource => ({ kind: 'netns', id: ids.netns(name), name, loUp: true, marked: true });
const create = (r: Resource): Change => ({ id: r.id, kind: r.kind, action: 'create', after: r });
const remove = (r: Resource): Change => ({ id: r.id, kind: r.kind, action: 'delete', before: r });

describe('orderSteps', () => {
  it('puts every destroy step before every create step, each phase in its kind order', () => {
    const v = veth(end('a', 'e0'), end('b', 'e0'));
    const old = veth(end('c', 'x'), end('host', 'y'));
    const steps = orderSteps([create(netns('b')), create(v), create(netns('a')), remove(old), remove(netns('c'))]);
    expect(steps).toEqual([
      { id: old.id, phase: 'destroy' },
      { id: 'netns/c', phase: 'destroy' },
      { id: 'netns/a', phase: 'create' },
      { id: 'netns/b', phase: 'create' },
      { id: v.id, phase: 'create' },
    ]);
  });

  it('lets a dependency win over the (kind, id) tie-break', () => {
    // By id alone p1's veth would come first; its end is enslaved to p2, so p2's veth must.
    const v1 = veth(end('host', 'p1', 'p2'), end('n', 'q1'));
    const v2 = veth(end('host', 'p2'), end('n', 'q2'));
    expect(orderSteps([create(v1), create(v2)]).map((s) => s.id)).toEqual([v2.id, v1.id]);
    expect(orderSteps([remove(v1), remove(v2)]).map((s) => s.id)).toEqual([v1.id, v2.id]);
  });

  it('names a dependency cycle (a valid file cannot make one) instead of dropping its steps', () => {
    // Each veth's end is enslaved to the other's end: each needs the other first.
    const v1 = veth(end('host', 'p1', 'p2'), end('n', 'q1'));
    const v2 = veth(end('host', 'p2', 'p1'), end('n', 'q2'));
    expect(() => orderSteps([create(v1), create(v2)])).toThrow(/dependency cycle: veth\/.* -> veth\//);
  });
});
