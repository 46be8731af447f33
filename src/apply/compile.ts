import { InternalError } from '../diag/errors.js';
import { marker } from '../live/marker.js';
import { HOST, type Resource, type VethEnd } from '../model/resources.js';
import type { Change, Plan, Step } from '../plan/types.js';
import type { Op } from './ops.js';

/**
 * The ops of one step, in the order they must run. Pure. `hostPeered`: the namespaces this plan
 * also gives a new veth to the host (see createOps).
 */
export function compileStep(step: Step, change: Change, lab: string, hostPeered: ReadonlySet<string> = new Set()): Op[] {
  if (step.phase === 'destroy') return destroyOps(change.before!);
  const r = change.after!;
  if (change.action === 'update') return updateOps(r, change, lab);
  return createOps(r, lab, hostPeered);
}

export function compilePlan(plan: Plan): Op[][] {
  const byId = new Map(plan.changes.map((c) => [c.id, c]));
  const hostPeered = new Set<string>();
  for (const c of plan.changes) {
    const r = c.after;
    if ((c.action !== 'create' && c.action !== 'replace') || r?.kind !== 'veth') continue;
    if (r.a.ns === HOST && r.b.ns !== HOST) hostPeered.add(r.b.ns);
    if (r.b.ns === HOST && r.a.ns !== HOST) hostPeered.add(r.a.ns);
  }
  return plan.steps.map((s) => {
    const c = byId.get(s.id);
    if (!c) throw new InternalError(`step ${s.id} has no change`);
    return compileStep(s, c, plan.lab, hostPeered);
  });
}

const op = (ns: string, ...args: (string | number)[]): Op => ({ ns, args: args.map(String) });

function createOps(r: Resource, lab: string, hostPeered: ReadonlySet<string> = new Set()): Op[] {
  const mark = marker(lab);
  switch (r.kind) {
    case 'netns':
      // The mark goes on lo: lo can never be moved or deleted, so it lives exactly as long as the netns.
      // The host's nsid for it lets reads ask the host how namespaces name each other, instead
      // of each namespace's `netns list-id`, which is O(N) (live/read.ts). It goes with the netns.
      // A namespace that gets a veth to the host gets that nsid from the kernel as the veth is
      // made, since the host's end must name its peer's namespace (link_netnsid: kernel-facts
      // 2.5); measured: right after `link add p0 type veth peer name eth0 netns a`, in the same
      // batch, the host's `netns list-id` names `a`. Asking too is redundant work for the kernel:
      // a 200-star's apply took 692 ms median without those 200 lines against 742 with them (12
      // interleaved rounds), and 904 against 957 in 16 more (the rounds' own differences: 11 ms
      // at the median, within this VM's noise).
      return [
        op(HOST, 'netns', 'add', r.name),
        ...(hostPeered.has(r.name) ? [] : [op(HOST, 'netns', 'set', r.name, 'auto')]),
        op(r.name, 'link', 'set', 'dev', 'lo', 'alias', mark, 'up'),
      ];
    case 'bridge':
      return [
        op(r.ns, 'link', 'add', 'name', r.name, 'type', 'bridge'),
        op(r.ns, 'link', 'set', 'dev', r.name, 'alias', mark, ...linkSettings(r), r.up ? 'up' : 'down'),
      ];
    case 'veth': {
      // Made from the host, with both ends born in their final namespaces, so nothing is ever
      // stranded half-made (kernel-facts 2.11). From the host, every pair of a wave goes into the
      // host's one batch, and each namespace is then entered once, to mark and configure its own
      // ends: a chain of 200 took 3 passes over its namespaces when each pair was made from inside
      // one of them (its peer end needed a pass of its own), and now takes 1.
      const where = (e: VethEnd) => (e.ns === HOST ? [] : ['netns', e.ns]);
      const add = op(HOST, 'link', 'add', 'name', r.a.name, ...where(r.a), 'type', 'veth', 'peer', 'name', r.b.name, ...where(r.b));
      return [add, ...[r.a, r.b].map((e) => op(e.ns, 'link', 'set', 'dev', e.name, 'alias', mark, ...linkSettings(e), ...masterWords(e), e.up ? 'up' : 'down'))];
    }
    case 'address':
      // `replace` is idempotent, so a resumed apply never trips over its own half-done work.
      // IPv6 uses nodad: lab addresses are unique by validation, and DAD would hold them
      // tentative (unusable) for ~1-2 s after apply (kernel-facts 2.10).
      return [op(r.ns, 'addr', 'replace', r.cidr, 'dev', r.ifname, ...(r.cidr.includes(':') ? ['nodad'] : []))];
    case 'route':
      return [op(r.ns, 'route', 'replace', r.to, ...routeWords(r))];
    case 'sysctl':
      // In the namespace's own batch (its tail: model/deps.ts), as the `ip` command that does
      // the same from the host, which is what a failure names; IpDriver runs a batch's tail of
      // these as one `sysctl` process inside the namespace.
      return [op(r.ns, 'netns', 'exec', r.ns, 'sysctl', '-q', '-w', `${r.key}=${r.value}`)];
  }
}

function updateOps(r: Resource, change: Change, lab: string): Op[] {
  const changed = new Set((change.attrs ?? []).map((a) => a.path));
  switch (r.kind) {
    case 'netns':
      return [op(r.name, 'link', 'set', 'dev', 'lo', ...(changed.has('lo.mark') ? ['alias', marker(lab)] : []), 'up')];
    case 'bridge':
      return [op(r.ns, 'link', 'set', 'dev', r.name, ...(changed.has('mark') ? ['alias', marker(lab)] : []), ...linkSettings(r, changed), ...(changed.has('up') ? [r.up ? 'up' : 'down'] : []))];
    case 'veth':
      return [r.a, r.b].flatMap((e) => {
        const p = `${e.ns}:${e.name} `;
        const mine = new Set([...changed].filter((c) => c.startsWith(p)).map((c) => c.slice(p.length)));
        if (mine.size === 0) return [];
        const words = [
          ...(mine.has('mark') ? ['alias', marker(lab)] : []),
          ...linkSettings(e, mine),
          ...(mine.has('master') ? (e.master === null ? ['nomaster'] : ['master', e.master]) : []),
          ...(mine.has('up') || mine.has('master') ? [e.up ? 'up' : 'down'] : []),
        ];
        return [op(e.ns, 'link', 'set', 'dev', e.name, ...words)];
      });
    case 'route': {
      const before = change.before?.kind === 'route' ? change.before : undefined;
      // The metric is part of a route's key: a new metric adds a second route unless the old one goes.
      const del = before && changed.has('metric') ? [op(r.ns, 'route', 'del', before.to, ...routeWords(before))] : [];
      return [...del, op(r.ns, 'route', 'replace', r.to, ...routeWords(r))];
    }
    case 'sysctl':
    case 'address':
      return createOps(r, lab);
  }
}

function destroyOps(r: Resource): Op[] {
  switch (r.kind) {
    case 'netns':
      return [op(HOST, 'netns', 'del', r.name)];
    case 'bridge':
      return [op(r.ns, 'link', 'del', 'dev', r.name)];
    case 'veth': {
      // Deleting one end deletes both (kernel-facts 2.6); use an end whose namespace we can see.
      const e = r.a.ns === '?' ? r.b : r.a;
      return [op(e.ns, 'link', 'del', 'dev', e.name)];
    }
    case 'address':
      return [op(r.ns, 'addr', 'del', r.cidr, 'dev', r.ifname)];
    case 'route':
      return [op(r.ns, 'route', 'del', r.to, ...routeWords(r))];
    case 'sysctl':
      return []; // a sysctl has no "absent"; its namespace takes it along
  }
}

function linkSettings(e: { mtu?: number; mac?: string }, only?: Set<string>): string[] {
  const want = (k: string) => !only || only.has(k);
  return [...(e.mtu !== undefined && want('mtu') ? ['mtu', String(e.mtu)] : []), ...(e.mac !== undefined && want('mac') ? ['address', e.mac] : [])];
}

function masterWords(e: VethEnd): string[] {
  return e.master === null ? [] : ['master', e.master];
}

function routeWords(r: { via?: string; dev?: string; metric?: number }): string[] {
  return [...(r.via !== undefined ? ['via', r.via] : []), ...(r.dev !== undefined ? ['dev', r.dev] : []), ...(r.metric !== undefined ? ['metric', String(r.metric)] : [])];
}
