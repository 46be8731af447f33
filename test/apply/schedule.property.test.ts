import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/apply/compile.js';
import { schedule, type Wave } from '../../src/apply/schedule.js';
import type { LabFile } from '../../src/config/lab-file.js';
import { normalize } from '../../src/live/normalize.js';
import { buildTopology } from '../../src/model/build.js';
import { HOST } from '../../src/model/resources.js';
import { orderSteps } from '../../src/plan/order.js';
import { plan } from '../../src/plan/planner.js';

const pos = () => ({ file: 'gen.yaml', line: 1, col: 1 });

/** Random valid labs: namespaces, host or namespaced bridges, veths, addresses, routes, sysctls. */
const labArb = fc
  .record({
    nodes: fc.integer({ min: 1, max: 5 }),
    bridges: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 2 }),
    links: fc.array(fc.tuple(fc.nat(20), fc.nat(20)), { minLength: 1, maxLength: 8 }),
    forward: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  })
  .map(({ nodes, bridges, links, forward }): LabFile => {
    const names = Array.from({ length: nodes }, (_, i) => `n${i}`);
    const lab: LabFile = { lab: 'gen', nodes: {}, bridges: {}, links: [] };
    for (const [i, n] of names.entries()) lab.nodes![n] = forward[i] ? { sysctls: { 'net.ipv4.ip_forward': 1 } } : {};
    bridges.forEach((b, i) => (lab.bridges![`br${i}`] = b < 0 || b >= nodes ? {} : { node: names[b]! }));
    const owners = [...names, HOST, ...Object.keys(lab.bridges!)];
    links.forEach(([x, y], i) => {
      const a = owners[x % owners.length]!;
      let b = owners[y % owners.length]!;
      if (a === b && a === HOST) b = names[0]!;
      const ends = [`${a}:a${i}`, `${b}:b${i}`] as [string, string];
      lab.links!.push({ endpoints: ends });
      // Addresses on namespace ends, one subnet per link; a route through the peer when both have one.
      const nsEnds = ends.map((e) => e.split(':') as [string, string]).filter(([o]) => lab.nodes![o]);
      nsEnds.forEach(([o, ifname], k) => {
        const n = lab.nodes![o]!;
        n.interfaces = { ...n.interfaces, [ifname]: { addresses: [`10.${i}.0.${k + 1}/24`] } };
      });
      if (nsEnds.length === 2) {
        const n = lab.nodes![nsEnds[0]![0]]!;
        n.routes = [...(n.routes ?? []), { to: `172.16.${i}.0/24`, via: `10.${i}.0.2` }];
      }
    });
    return lab;
  });

const empty = normalize({ namespaces: [{ ns: HOST, links: [{ ifindex: 1, ifname: 'lo' }], addrs: [], routes: [], nsids: [] }], strays: [] }, 'gen');

/**
 * A model of what the kernel lets each `ip` line rely on: the state at the start of its wave
 * plus the earlier lines of its own batch (batches of one wave run in parallel).
 */
function replay(waves: Wave[]): string[] {
  const errors: string[] = [];
  const netns = new Set<string>([HOST]);
  const links = new Set<string>(); // ns:name
  const up = new Set<string>(); // ns:name
  const addrs: { ns: string; link: string; net: string }[] = [];
  for (const [w, wave] of waves.entries()) {
    const commit: (() => void)[] = [];
    for (const [ns, ops] of wave) {
      const myNs = new Set(netns);
      const myLinks = new Set(links);
      const myUp = new Set(up);
      const myAddrs = [...addrs];
      for (const { args } of ops) {
        const where = `wave ${w} ${ns}: ${args.join(' ')}`;
        if (!myNs.has(ns)) errors.push(`${where}: namespace ${ns} does not exist yet`);
        const [obj, verb] = args;
        if (obj === 'netns' && verb === 'add') {
          myNs.add(args[2]!);
          commit.push(() => netns.add(args[2]!));
        } else if (obj === 'netns' && verb === 'exec') {
          if (!myNs.has(args[2]!)) errors.push(`${where}: namespace ${args[2]} does not exist yet`);
        } else if (obj === 'link' && verb === 'add') {
          // link add name A [netns N] type bridge|veth [peer name B [netns M]]
          const peer = args.indexOf('peer');
          const ends = peer < 0 ? [args.slice(2)] : [args.slice(2, peer), args.slice(peer + 1)];
          const made = ends.map((words) => {
            const at = words.indexOf('netns');
            const inNs = at >= 0 ? words[at + 1]! : ns;
            if (!myNs.has(inNs)) errors.push(`${where}: namespace ${inNs} does not exist yet`);
            return `${inNs}:${words[words.indexOf('name') + 1]}`;
          });
          for (const m of made) {
            myLinks.add(m);
            commit.push(() => links.add(m));
          }
        } else if (obj === 'link' && verb === 'set') {
          if (args[3] !== 'lo' && !myLinks.has(`${ns}:${args[3]}`)) errors.push(`${where}: no such link yet`);
          const m = args.indexOf('master');
          if (m > 0 && !myLinks.has(`${ns}:${args[m + 1]}`)) errors.push(`${where}: master does not exist yet`);
          if (args.at(-1) === 'up') {
            myUp.add(`${ns}:${args[3]}`);
            commit.push(() => up.add(`${ns}:${args[3]}`));
          }
        } else if (obj === 'addr') {
          if (!myLinks.has(`${ns}:${args[4]}`)) errors.push(`${where}: no such link yet`);
          const a = { ns, link: `${ns}:${args[4]}`, net: args[2]!.split('.').slice(0, 3).join('.') };
          myAddrs.push(a);
          commit.push(() => addrs.push(a));
        } else if (obj === 'route') {
          // A gateway must be on a subnet of an up interface here (generated subnets are /24s).
          const via = args[args.indexOf('via') + 1]!;
          const net = via.split('.').slice(0, 3).join('.');
          if (!myAddrs.some((a) => a.ns === ns && a.net === net && myUp.has(a.link))) errors.push(`${where}: gateway not on-link on an up interface yet`);
        }
      }
    }
    commit.forEach((f) => f());
  }
  return errors;
}

describe('scheduling (property)', () => {
  it('never runs an ip line before what it needs exists', () => {
    fc.assert(
      fc.property(labArb, (file) => {
        const { topology, diags } = buildTopology(file, pos);
        if (!topology) return fc.pre(false) as never; // a generated lab may repeat an interface name: skip
        expect(diags).toEqual([]);
        const { plan: p } = plan(topology, empty);
        expect(p.changes.every((c) => c.action === 'create')).toBe(true);
        const { create } = schedule(p, compilePlan(p));
        expect(replay(create)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('orders every create after the creates it depends on', () => {
    fc.assert(
      fc.property(labArb, (file) => {
        const { topology } = buildTopology(file, pos);
        if (!topology) return fc.pre(false) as never;
        const { plan: p } = plan(topology, empty);
        const at = new Map(orderSteps(p.changes).map((s, i) => [s.id, i]));
        for (const c of p.changes) {
          const r = c.after!;
          if (r.kind === 'veth') for (const e of [r.a, r.b]) if (e.ns !== HOST) expect(at.get(`netns/${e.ns}`)!).toBeLessThan(at.get(r.id)!);
          if (r.kind === 'address') {
            const link = p.changes.find((x) => (x.after?.kind === 'veth' && [x.after.a, x.after.b].some((e) => e.ns === r.ns && e.name === r.ifname)) || (x.after?.kind === 'bridge' && x.after.ns === r.ns && x.after.name === r.ifname));
            expect(at.get(link!.id)!).toBeLessThan(at.get(r.id)!);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
