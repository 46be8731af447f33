import { HOST, ids, sortById, sortEnds, type Resource, type Topology, type VethEnd } from '../model/resources.js';
import { labOfMark } from './marker.js';
import type { IpLink, KernelSnapshot, NsSnapshot } from './snapshot.js';

/** What the kernel holds, seen through one lab's eyes. */
export interface LiveState extends Topology {
  /**
   * Objects that exist but that this lab does not own, keyed `netns/NAME` or `link/NS/NAME`,
   * with a description. They can only ever cause a conflict; topo never touches them.
   */
  readonly foreign: ReadonlyMap<string, string>;
  /** Namespaces that exist, owned or not. */
  readonly namespaces: ReadonlySet<string>;
  /** Things wrong with owned objects that a plan cannot express, e.g. IPv6 DAD failures. */
  readonly problems: readonly string[];
  /** Owned interfaces (`ns:name`) with an IPv6 address still in DAD, link-local included. */
  readonly tentative: ReadonlySet<string>;
  /** The raw read this was made from: verification re-reads only what apply touched, and keeps the rest. */
  readonly source: KernelSnapshot;
}

export const foreignKey = {
  netns: (name: string) => `netns/${name}`,
  link: (ns: string, name: string) => `link/${ns}/${name}`,
};

/**
 * Turns raw `ip -j` output into the same resource shapes the file produces, so the diff is a
 * function of two maps. Kernel-made things (fe80:: addresses, kernel routes, operstate, ifindex)
 * are dropped here, once, so that they can never show up as drift.
 *
 * `trusted` namespaces were not read: destroy knows them as the lab's own by their recorded
 * identity (lock/netns-record.ts). They are owned, their contents unknown; a veth end elsewhere
 * whose peer lives in one is paired with an unnamed end there.
 */
export function normalize(snap: KernelSnapshot, lab: string, journal: ReadonlySet<string> = new Set(), trusted: ReadonlySet<string> = new Set()): LiveState {
  const owned = new Map<string, Resource>();
  const foreign = new Map<string, string>();
  const problems: string[] = [];
  const tentative = new Set<string>();
  const byNs = new Map(snap.namespaces.map((s) => [s.ns, s]));
  const pointing = pointingAt(snap, byNs);
  const ownedNs = new Set<string>();

  for (const s of snap.strays) {
    if (journal.has(foreignKey.netns(s.name))) owned.set(ids.netns(s.name), { kind: 'netns', id: ids.netns(s.name), name: s.name, loUp: false, marked: false, halfMade: true });
    else foreign.set(foreignKey.netns(s.name), s.reason);
  }
  for (const ns of trusted) owned.set(ids.netns(ns), { kind: 'netns', id: ids.netns(ns), name: ns, loUp: true, marked: true, unread: true });
  for (const s of snap.namespaces) {
    if (s.ns === HOST) continue;
    const lo = s.links.find((l) => l.ifname === 'lo');
    const mark = labOfMark(lo?.ifalias);
    if (mark === lab || (mark === undefined && journal.has(foreignKey.netns(s.ns)))) {
      ownedNs.add(s.ns);
      owned.set(ids.netns(s.ns), { kind: 'netns', id: ids.netns(s.ns), name: s.ns, loUp: hasFlag(lo, 'UP'), marked: mark === lab });
    } else {
      foreign.set(foreignKey.netns(s.ns), mark ? `belongs to lab '${mark}'` : 'was not created by topo (its lo has no topo mark)');
    }
  }

  // Links: owned iff marked. Everything else is foreign, whatever its name.
  const ownedIfaces = new Set<string>(); // ns:name
  const pairedEnds = new Set<string>();
  for (const s of snap.namespaces) {
    for (const l of s.links) {
      if (l.ifname === 'lo' || pairedEnds.has(`${s.ns}:${l.ifname}`)) continue;
      const mark = labOfMark(l.ifalias);
      const kind = l.linkinfo?.info_kind;
      // Unmarked but journaled: this lab was creating it when a run died (see lock/journal.ts).
      const adopted = mark === undefined && journal.has(foreignKey.link(s.ns, l.ifname));
      if (!ownsLink(lab, journal, s.ns, l)) {
        // A veth end without our mark may still be the peer of a marked end: pairing decides below.
        foreign.set(foreignKey.link(s.ns, l.ifname), mark ? `belongs to lab '${mark}'` : 'was not created by topo (no topo mark)');
        continue;
      }
      if (kind === 'bridge') {
        ownedIfaces.add(`${s.ns}:${l.ifname}`);
        owned.set(ids.bridge(s.ns, l.ifname), { kind: 'bridge', id: ids.bridge(s.ns, l.ifname), ns: s.ns, name: l.ifname, ...linkAttrs(l), marked: !adopted });
      } else if (kind === 'veth') {
        const me = `${s.ns}:${l.ifname}`;
        const peer = findPeer(s, l, byNs, pointing);
        const a = end(s.ns, l, !adopted);
        const peerNs = peer ? undefined : unreadPeerNs(s, l, trusted);
        if (peerNs !== undefined) {
          ownedIfaces.add(me);
          const b: VethEnd = { ns: peerNs, name: '?', up: false, master: null, marked: true };
          const [x, y] = sortEnds(a, b);
          owned.set(ids.veth(x, y), { kind: 'veth', id: ids.veth(x, y), a: x, b: y });
          continue;
        }
        if (!peer) {
          // The peer is out of sight (a namespace nobody named) or gone: deletable, never matched.
          ownedIfaces.add(me);
          const id = `veth/${me}=?`;
          owned.set(id, { kind: 'veth', id, a, b: { ns: '?', name: '?', up: false, master: null, marked: false } });
          continue;
        }
        const peerMark = labOfMark(peer.link.ifalias);
        if (adopted && peerMark !== undefined && peerMark !== lab) {
          // Its peer belongs to someone else: this pair is not the one we were making.
          foreign.set(foreignKey.link(s.ns, l.ifname), 'was not created by topo (no topo mark)');
          continue;
        }
        const b = end(peer.ns, peer.link, peerMark === lab);
        pairedEnds.add(me).add(`${peer.ns}:${peer.link.ifname}`);
        ownedIfaces.add(me).add(`${peer.ns}:${peer.link.ifname}`);
        foreign.delete(foreignKey.link(peer.ns, peer.link.ifname));
        const [x, y] = sortEnds(a, b);
        owned.set(ids.veth(x, y), { kind: 'veth', id: ids.veth(x, y), a: x, b: y });
      }
    }
  }

  // Addresses on owned interfaces. Scope-link (fe80::) is the kernel's, never ours.
  for (const s of snap.namespaces) {
    for (const a of s.addrs) {
      if (!ownedIfaces.has(`${s.ns}:${a.ifname}`)) continue;
      for (const info of a.addr_info ?? []) {
        if (info.tentative && !info.dadfailed) tentative.add(`${s.ns}:${a.ifname}`);
        if (info.scope === 'link' || info.dynamic || (info.family !== 'inet' && info.family !== 'inet6')) continue;
        const cidr = `${info.local}/${info.prefixlen}`;
        if (info.dadfailed) problems.push(`address ${cidr} on ${s.ns}:${a.ifname} failed IPv6 duplicate address detection`);
        owned.set(ids.address(s.ns, a.ifname, cidr), { kind: 'address', id: ids.address(s.ns, a.ifname, cidr), ns: s.ns, ifname: a.ifname, cidr });
      }
    }
  }

  // Routes and sysctls: the whole main table of an owned namespace is the lab's.
  for (const ns of ownedNs) {
    const s = byNs.get(ns)!;
    const routes = s.routes
      // Without -d, main-table routes have no `table` and user routes no `protocol`; with -d (which
      // the reader uses, for linkinfo) they say "table":"main", "protocol":"boot", "type":"unicast"
      // (iproute2 6.1). Accept both shapes.
      .filter((r) => (r.table === undefined || r.table === 'main') && (r.protocol === undefined || r.protocol === 'static' || r.protocol === 'boot') && (r.type === undefined || r.type === 'unicast'))
      .map((r) => ({ r, to: canonicalDst(r) }))
      .sort((x, y) => (x.r.metric ?? 0) - (y.r.metric ?? 0));
    for (const { r, to } of routes) {
      let id = ids.route(ns, to);
      if (owned.has(id)) id = `${id}#${r.metric ?? 0}`;
      owned.set(id, {
        kind: 'route',
        id,
        ns,
        to,
        ...(r.gateway !== undefined ? { via: r.gateway } : {}),
        ...(r.dev !== undefined ? { dev: r.dev } : {}),
        ...(r.metric !== undefined ? { metric: r.metric } : {}),
      });
    }
    for (const [key, value] of Object.entries(s.sysctls ?? {})) {
      owned.set(ids.sysctl(ns, key), { kind: 'sysctl', id: ids.sysctl(ns, key), ns, key, value: value.trim().split(/\s+/).join(' ') });
    }
  }

  return {
    lab,
    resources: sortById(owned),
    foreign,
    namespaces: new Set([...snap.namespaces.map((s) => s.ns).filter((n) => n !== HOST), ...trusted]),
    problems,
    tentative,
    source: snap,
  };
}

function hasFlag(l: IpLink | undefined, flag: string): boolean {
  return l?.flags?.includes(flag) ?? false;
}

function linkAttrs(l: IpLink): { up: boolean; mtu?: number; mac?: string } {
  return {
    up: hasFlag(l, 'UP'),
    ...(l.mtu !== undefined ? { mtu: l.mtu } : {}),
    ...(l.address !== undefined ? { mac: l.address } : {}),
  };
}

function end(ns: string, l: IpLink, marked: boolean): VethEnd {
  return { ns, name: l.ifname, ...linkAttrs(l), master: l.master ?? null, marked };
}

/** nsid → namespace name, as seen from inside `from`. An nsid without a name is the root (or an unnamed) namespace. */
function resolveNsid(from: NsSnapshot, nsid: number): string | undefined {
  let names = nsidNames.get(from);
  if (!names) {
    names = new Map();
    for (const x of from.nsids ?? []) if (!names.has(x.nsid)) names.set(x.nsid, x.name ?? HOST);
    nsidNames.set(from, names);
  }
  return names.get(nsid);
}

// By snapshot: a star's host holds an nsid and a veth end for each of N namespaces, and finding
// each end's nsid in the list was O(N²): ~7 ms at 200 (--cpu-prof of an apply).
const nsidNames = new WeakMap<NsSnapshot, Map<number, string>>();

type Found = { ns: string; link: IpLink };

const isCrossNs = (l: IpLink): l is IpLink & { link_netnsid: number } => l.link_netnsid !== undefined && l.link_netnsid !== null;

/**
 * Links seen from the namespaces whose nsids were read, keyed by where they point:
 * `PEERNS:PEERIFINDEX`. A namespace read without its nsids finds its veth ends' peers here.
 */
function pointingAt(snap: KernelSnapshot, byNs: ReadonlyMap<string, NsSnapshot>): Map<string, Found> {
  const out = new Map<string, Found>();
  for (const s of snap.namespaces) {
    if (!s.nsids) continue;
    for (const l of s.links) {
      if (!isCrossNs(l) || l.link_index === undefined) continue;
      const target = resolveNsid(s, l.link_netnsid);
      if (target !== undefined && byNs.has(target)) out.set(`${target}:${l.link_index}`, { ns: s.ns, link: l });
    }
  }
  return out;
}

/**
 * Finds a veth end's peer. Same-namespace peers are named by `link`; cross-namespace ones by
 * (link_netnsid, link_index), where the nsid is relative to the namespace we look from
 * (kernel-facts 2.5). A pair is accepted only when each end points back at the other's ifindex,
 * and the namespaces agree as far as their nsids were read: one side's nsids name the peer's
 * namespace exactly, and an ifindex is unique within a namespace.
 */
function findPeer(s: NsSnapshot, l: IpLink, byNs: ReadonlyMap<string, NsSnapshot>, pointing: ReadonlyMap<string, Found>): Found | undefined {
  if (!isCrossNs(l)) {
    const p = l.link ? s.links.find((x) => x.ifname === l.link) : undefined;
    return p && p.link === l.ifname ? { ns: s.ns, link: p } : undefined;
  }
  const peerNs = s.nsids ? resolveNsid(s, l.link_netnsid) : undefined;
  if (peerNs === undefined) {
    // Only the other side can name this pair: some read namespace's link points at this end.
    // (Also where this side's nsids were read in part: live/read.ts asks only for some.)
    const back = pointing.get(`${s.ns}:${l.ifindex}`);
    return back && back.link.ifindex === l.link_index && back.ns !== s.ns ? back : undefined;
  }
  const ps = byNs.get(peerNs);
  const p = ps?.links.find((x) => x.ifindex === l.link_index);
  if (!ps || !p || p.link_index !== l.ifindex || !isCrossNs(p)) return undefined;
  const back = ps.nsids ? resolveNsid(ps, p.link_netnsid) : undefined;
  return back === undefined || back === s.ns ? { ns: peerNs, link: p } : undefined;
}

/** The trusted (unread) namespace a cross-namespace veth end's peer lives in, if that is where. */
function unreadPeerNs(s: NsSnapshot, l: IpLink, trusted: ReadonlySet<string>): string | undefined {
  if (trusted.size === 0 || !isCrossNs(l)) return undefined;
  const ns = resolveNsid(s, l.link_netnsid);
  return ns !== undefined && trusted.has(ns) ? ns : undefined;
}

/**
 * Namespaces read without their nsids (or with only some: `partial`) that hold a
 * cross-namespace link no read names: their nsids must be read before the snapshot can be
 * normalized (live/read.ts does).
 */
export function pairingGaps(snap: KernelSnapshot, partial: ReadonlySet<string> = new Set(), mine?: { lab: string; journal: ReadonlySet<string> }): string[] {
  const byNs = new Map(snap.namespaces.map((s) => [s.ns, s]));
  const pointing = pointingAt(snap, byNs);
  // With `mine`, only the lab's own links count: normalize pairs nothing else (a foreign end is
  // paired, if at all, from the lab's end). Another lab's 200-chain otherwise cost a small lab's
  // plan a `netns list-id` in each of its namespaces, O(N) each: 0.48 s of a 1 s plan.
  const counts = (ns: string, l: IpLink) => !mine || ownsLink(mine.lab, mine.journal, ns, l);
  return snap.namespaces.filter((s) => (!s.nsids || partial.has(s.ns)) && s.links.some((l) => isCrossNs(l) && counts(s.ns, l) && !findPeer(s, l, byNs, pointing))).map((s) => s.ns);
}

/** A link is the lab's when it carries the lab's mark, or carries none and the lab's journal says a run of it was making it. */
function ownsLink(lab: string, journal: ReadonlySet<string>, ns: string, l: IpLink): boolean {
  const mark = labOfMark(l.ifalias);
  return mark === lab || (mark === undefined && journal.has(foreignKey.link(ns, l.ifname)));
}

function canonicalDst(r: { dst: string; gateway?: string; pref?: string; metric?: number }): string {
  if (r.dst === 'default') return r.gateway?.includes(':') || r.pref !== undefined ? '::/0' : '0.0.0.0/0';
  if (r.dst.includes('/')) return r.dst;
  return r.dst.includes(':') ? `${r.dst}/128` : `${r.dst}/32`;
}
