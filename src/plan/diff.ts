import { error, type Diagnostic } from '../diag/diagnostic.js';
import { foreignKey, type LiveState } from '../live/normalize.js';
import {
  HOST,
  endKey,
  interfacesOf,
  namespacesOf,
  type Bridge,
  type Resource,
  type Topology,
  type Veth,
  type VethEnd,
} from '../model/resources.js';
import type { AttrChange, Change } from './types.js';

const isLink = (r: Resource): r is Bridge | Veth => r.kind === 'bridge' || r.kind === 'veth';

/**
 * Compares the desired topology with the live state of the lab. Pure.
 *
 * Only attributes the file states are compared (an unset mtu means "don't care"). Deletes only
 * ever touch owned resources; a desired name held by a foreign object is a conflict, reported
 * as a diagnostic with the file position, never a silent replace.
 */
export function diff(desired: Topology, live: LiveState): { changes: Change[]; conflicts: Diagnostic[] } {
  const conflicts = findConflicts(desired, live);
  const changes = new Map<string, Change>();
  const want = desired.resources;
  const have = live.resources;

  // Structure first: which namespaces and links appear, go, or must be replaced.
  for (const d of want.values()) if (!have.has(d.id) && (d.kind === 'netns' || isLink(d))) changes.set(d.id, { id: d.id, kind: d.kind, action: 'create', after: d, reason: 'missing' });
  for (const l of have.values()) {
    if (want.has(l.id) || l.kind === 'sysctl') continue;
    // A namespace destroy did not read: what it holds is not listed, and goes with it.
    const reason = l.kind === 'netns' && l.unread ? 'with all it holds' : 'not in the file';
    changes.set(l.id, { id: l.id, kind: l.kind, action: 'delete', before: l, reason });
  }
  mergeReplaces(changes);

  // Interfaces that vanish during this apply: deleted or replaced links, and all of a deleted netns.
  const goneNs = new Set([...changes.values()].filter((c) => c.kind === 'netns' && c.action === 'delete').map((c) => c.before!.id.slice('netns/'.length)));
  const goneIfaces = new Map<string, string>(); // ns:ifname -> id of the change that removes it
  for (const c of changes.values()) if (c.before && isLink(c.before) && c.action !== 'create') for (const e of interfacesOf(c.before)) goneIfaces.set(endKey(e), c.id);
  const vanishes = (ns: string, ifname?: string) => goneNs.has(ns) || (ifname !== undefined && goneIfaces.has(`${ns}:${ifname}`));
  const nsWithLinkChurn = new Set([...goneIfaces.keys()].map((k) => k.slice(0, k.indexOf(':'))));

  for (const d of want.values()) {
    if (changes.has(d.id)) continue;
    const l = have.get(d.id);
    if (!l) {
      changes.set(d.id, { id: d.id, kind: d.kind, action: 'create', after: d, reason: 'missing' });
      continue;
    }
    if (d.kind === 'netns' && l.kind === 'netns' && l.halfMade) {
      // `netns del` takes the entry away (its unmount fails, its unlink does not), `netns add` makes it anew.
      changes.set(d.id, { id: d.id, kind: d.kind, action: 'replace', before: l, after: d, reason: 'left half-made by an interrupted apply' });
      continue;
    }
    if (d.kind === 'address' && vanishes(d.ns, d.ifname)) {
      changes.set(d.id, { id: d.id, kind: d.kind, action: 'create', before: l, after: d, reason: `recreated with ${d.ns}:${d.ifname}` });
      continue;
    }
    if (d.kind === 'route' && nsWithLinkChurn.has(d.ns)) {
      // The kernel drops routes whose link goes away or down (kernel-facts 2.9): put them back.
      changes.set(d.id, { id: d.id, kind: d.kind, action: 'create', before: l, after: d, reason: 'reasserted after link changes' });
      continue;
    }
    const attrs = compare(d, l, goneIfaces);
    // An unmarked object of ours can only come from the journal: a run died between make and mark.
    const reason = attrs.some((a) => a.path.endsWith('mark')) ? 'left unmarked by an interrupted apply' : 'drift';
    if (attrs.length > 0) changes.set(d.id, { id: d.id, kind: d.kind, action: 'update', before: l, after: d, reason, attrs });
  }

  // Deletes the kernel performs on its own: everything inside a deleted netns, and what sits on a deleted link.
  for (const [id, c] of changes) {
    if (c.action !== 'delete') continue;
    const r = c.before!;
    const byNs = r.kind === 'netns' ? undefined : namespacesOf(r).find((ns) => goneNs.has(ns));
    if (byNs) {
      changes.set(id, { ...c, impliedBy: `netns/${byNs}`, reason: `removed with netns ${byNs}` });
      continue;
    }
    if (r.kind === 'address' || r.kind === 'route') {
      const ifname = r.kind === 'address' ? r.ifname : r.dev;
      const owner = ifname === undefined ? undefined : goneIfaces.get(`${r.ns}:${ifname}`);
      if (owner) changes.set(id, { ...c, impliedBy: owner, reason: `removed with ${r.ns}:${ifname}` });
    }
  }
  return { changes: [...changes.values()], conflicts };
}

/** A created link whose interface name is held by a deleted one is a replace: one line, with the reason. */
function mergeReplaces(changes: Map<string, Change>) {
  const deletes = [...changes.values()].filter((c) => c.action === 'delete' && isLink(c.before!));
  for (const c of [...changes.values()]) {
    if (c.action !== 'create' || !isLink(c.after!)) continue;
    const mine = new Set(interfacesOf(c.after!).map(endKey));
    const old = deletes.find((d) => changes.has(d.id) && interfacesOf(d.before!).some((e) => mine.has(endKey(e))));
    if (!old) continue;
    changes.delete(old.id);
    changes.set(c.id, { ...c, action: 'replace', before: old.before!, reason: replaceReason(old.before as Bridge | Veth, c.after as Bridge | Veth) });
  }
}

function replaceReason(before: Bridge | Veth, after: Bridge | Veth): string {
  if (before.kind !== after.kind) return `${before.kind} becomes a ${after.kind}`;
  if (before.kind === 'veth' && after.kind === 'veth') {
    const b = `${endKey(before.a)} <-> ${endKey(before.b)}`.replace('?:?', 'an unknown peer');
    return `its ends changed, was ${b}`;
  }
  return 'identity changed';
}

/** The attributes the file states that the kernel does not match. */
function compare(d: Resource, l: Resource, goneIfaces: ReadonlyMap<string, string>): AttrChange[] {
  const out: AttrChange[] = [];
  const cmp = (path: string, want: unknown, have: unknown) => {
    if (want !== undefined && want !== have) out.push({ path, before: have ?? null, after: want });
  };
  switch (d.kind) {
    case 'netns':
      cmp('lo.mark', d.marked, (l as typeof d).marked);
      cmp('lo.up', d.loUp, (l as typeof d).loUp);
      break;
    case 'bridge': {
      const x = l as typeof d;
      cmp('mark', d.marked, x.marked);
      cmp('up', d.up, x.up);
      cmp('mtu', d.mtu, x.mtu);
      cmp('mac', d.mac, x.mac);
      break;
    }
    case 'veth': {
      const x = l as typeof d;
      compareEnd(d.a, x.a, goneIfaces, cmp);
      compareEnd(d.b, x.b, goneIfaces, cmp);
      break;
    }
    case 'route': {
      const x = l as typeof d;
      cmp('via', d.via, x.via);
      cmp('dev', d.dev, x.dev);
      cmp('metric', d.metric, x.metric);
      break;
    }
    case 'sysctl':
      cmp('value', d.value, (l as typeof d).value);
      break;
    case 'address':
      break;
  }
  return out;
}

function compareEnd(d: VethEnd, l: VethEnd, goneIfaces: ReadonlyMap<string, string>, cmp: (p: string, w: unknown, h: unknown) => void) {
  const at = endKey(d);
  cmp(`${at} mark`, true, l.marked);
  cmp(`${at} up`, d.up, l.up);
  cmp(`${at} mtu`, d.mtu, l.mtu);
  cmp(`${at} mac`, d.mac, l.mac);
  // A port of a bridge that is being replaced loses its master with it.
  const liveMaster = l.master !== null && goneIfaces.has(`${l.ns}:${l.master}`) ? null : l.master;
  if (d.master !== liveMaster) cmp(`${at} master`, d.master ?? 'none', liveMaster ?? 'none');
}

function findConflicts(desired: Topology, live: LiveState): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of desired.resources.values()) {
    if (d.kind === 'netns') {
      const why = live.foreign.get(foreignKey.netns(d.name));
      if (why) {
        out.push(
          error('CONFLICT_FOREIGN', `namespace '${d.name}' already exists and ${why}`, d.origin, `topo never touches objects it does not own: rename the node, or remove the namespace yourself (ip netns del ${d.name})`),
        );
      }
    } else if (isLink(d)) {
      for (const e of interfacesOf(d)) {
        if (e.ns !== HOST && live.foreign.has(foreignKey.netns(e.ns))) continue; // reported once, at the namespace
        const why = live.foreign.get(foreignKey.link(e.ns, e.name));
        if (why) {
          const where = e.ns === HOST ? 'the host namespace' : `namespace '${e.ns}'`;
          out.push(
            error('CONFLICT_FOREIGN', `interface '${e.name}' already exists in ${where} and ${why}`, d.origin, `topo never touches objects it does not own: rename it in the file, or remove it yourself (ip${e.ns === HOST ? '' : ` -n ${e.ns}`} link del ${e.name})`),
          );
        }
      }
    }
  }
  return out;
}
