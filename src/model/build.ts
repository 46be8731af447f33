import { error, warning, type Diagnostic, type SourcePos } from '../diag/diagnostic.js';
import type { JsonPath, ParsedYaml } from '../config/parse-yaml.js';
import type { InterfaceSpec, LabFile } from '../config/lab-file.js';
import { suggestion } from '../util/did-you-mean.js';
import { printable } from '../util/printable.js';
import { contains, hostAddressProblem, networkOf, parseCidr, parseIp, type Cidr } from './cidr.js';
import {
  HOST,
  ids,
  sortById,
  sortEnds,
  type Address,
  type Bridge,
  type Netns,
  type Resource,
  type Route,
  type Sysctl,
  type Topology,
  type Veth,
  type VethEnd,
} from './resources.js';

/** Interface names the kernel or `ip` treats specially (kernel-facts 2.2). */
const RESERVED_IFNAMES = new Set(['lo', 'all', 'default']);

type Pos = (path: JsonPath, opts?: { key?: boolean }) => SourcePos;

interface IfaceSlot {
  readonly pos: SourcePos;
  readonly kind: 'bridge' | 'veth';
  /** For veth ends: index of the link. */
  readonly link?: number;
}

/**
 * Turns a schema-valid lab file into the desired Topology, checking everything the schema
 * cannot: references between nodes, bridges and links, duplicates, addresses and routes.
 * Pure: it reports every problem at once and never looks at the kernel.
 */
export function buildTopology(file: LabFile, posOf: ParsedYaml['posOf']): { topology?: Topology; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const pos: Pos = posOf;
  const res = new Map<string, Resource>();
  const add = (r: Resource) => res.set(r.id, r);
  const nodes = file.nodes ?? {};
  const bridges = file.bridges ?? {};
  const links = file.links ?? [];

  if (Object.keys(nodes).filter((n) => n !== HOST).length === 0 && Object.keys(bridges).length === 0 && links.length === 0) {
    diags.push(error('EMPTY_LAB', 'the lab defines no nodes, bridges or links', pos([]), 'start from examples/seed.yaml; to remove a lab use `topo destroy`'));
  }

  // Namespaces. `host` is the root namespace: referenced, never created.
  const nsOf = new Map<string, string>(); // node or bridge name -> namespace
  for (const name of Object.keys(nodes)) {
    nsOf.set(name, name);
    if (name === HOST) {
      const h = nodes[name]!;
      for (const k of ['routes', 'sysctls'] as const) {
        if (h[k] !== undefined) {
          diags.push(error('HOST_CHANGE', `nodes.host may not have ${k}: they would change the machine itself`, pos(['nodes', HOST, k], { key: true }), 'put them on a namespace node instead'));
        }
      }
      continue;
    }
    add({ kind: 'netns', id: ids.netns(name), name, loUp: true, marked: true, origin: pos(['nodes', name], { key: true }) } satisfies Netns);
  }
  nsOf.set(HOST, HOST);

  // Interfaces per namespace, to catch duplicates wherever they come from.
  const slots = new Map<string, Map<string, IfaceSlot>>();
  const claim = (ns: string, name: string, slot: IfaceSlot, what: string): boolean => {
    let m = slots.get(ns);
    if (!m) slots.set(ns, (m = new Map()));
    const prev = m.get(name);
    if (prev) {
      diags.push(
        error(
          'DUPLICATE_INTERFACE',
          `${what} ${ns}:${name} is already defined${prev.kind === 'veth' ? ' by another link' : ' as a bridge'}`,
          slot.pos,
          'an interface name may appear once per namespace',
          prev.pos,
        ),
      );
      return false;
    }
    m.set(name, slot);
    return true;
  };
  const checkIfname = (name: string, at: SourcePos): boolean => {
    if (RESERVED_IFNAMES.has(name)) {
      diags.push(error('RESERVED_NAME', `'${name}' is reserved and cannot be a lab interface`, at, 'pick another name'));
      return false;
    }
    if (/^[0-9]+$/.test(name)) {
      diags.push(error('NUMERIC_NAME', `interface name '${name}' is all digits, which ip confuses with an index`, at, 'add a letter, e.g. eth' + name));
      return false;
    }
    if (Buffer.byteLength(name) > 15) {
      diags.push(error('NAME_TOO_LONG', `interface name '${name}' is ${Buffer.byteLength(name)} bytes; Linux allows at most 15`, at, 'shorten it: the kernel would refuse it (IFNAMSIZ)'));
      return false;
    }
    return true;
  };

  const macs: { mac: string; pos: SourcePos }[] = [];
  // Bridges.
  const addresses: { ns: string; ifname: string; text: string; path: JsonPath }[] = [];
  for (const [name, b] of Object.entries(bridges)) {
    const at = pos(['bridges', name], { key: true });
    if (name === HOST) {
      diags.push(error('RESERVED_NAME', `'host' is reserved for the root namespace and cannot name a bridge`, at, 'pick another name'));
      continue;
    }
    if (nodes[name] !== undefined) {
      diags.push(error('NAME_CLASH', `bridge '${name}' has the same name as a node`, at, 'bridge and node names must differ'));
      continue;
    }
    const ns = b.node ?? HOST;
    if (!nsOf.has(ns)) {
      diags.push(error('UNKNOWN_NODE', `bridge '${name}' is placed in unknown node '${ns}'`, pos(['bridges', name, 'node']), suggestion(ns, nodes ? Object.keys(nodes) : [])));
      continue;
    }
    if (!checkIfname(name, at)) continue;
    nsOf.set(name, ns);
    claim(ns, name, { pos: at, kind: 'bridge' }, 'bridge');
    add({ kind: 'bridge', id: ids.bridge(ns, name), ns, name, ...attrs(b), marked: true, origin: at } satisfies Bridge);
    if (b.mac) macs.push({ mac: b.mac.toLowerCase(), pos: pos(['bridges', name, 'mac']) });
    (b.addresses ?? []).forEach((text, i) => addresses.push({ ns, ifname: name, text, path: ['bridges', name, 'addresses', i] }));
  }

  // Links: veth pairs, with each end placed by its node or bridge.
  const endAttrs = new Map<string, { spec: InterfaceSpec; path: JsonPath }>();
  for (const [node, spec] of Object.entries(nodes)) {
    for (const [ifname, ispec] of Object.entries(spec.interfaces ?? {})) {
      endAttrs.set(`${node}:${ifname}`, { spec: ispec, path: ['nodes', node, 'interfaces', ifname] });
    }
  }
  const usedAttrs = new Set<string>();
  const referable = [...nsOf.keys()];
  links.forEach((link, i) => {
    const ends: VethEnd[] = [];
    link.endpoints.forEach((ep, j) => {
      const at = pos(['links', i, 'endpoints', j]);
      const [owner, ifname] = ep.split(':') as [string, string];
      const ns = nsOf.get(owner);
      if (ns === undefined) {
        diags.push(error('UNKNOWN_NODE', `endpoint '${printable(ep)}' names unknown node or bridge '${printable(owner)}'`, at, suggestion(owner, referable) ?? `declare it under nodes: or bridges:`));
        return;
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ifname)) {
        diags.push(error('BAD_NAME', `invalid interface name '${printable(ifname)}' in endpoint '${printable(ep)}'`, at, 'names use letters, digits, "_", "." and "-", and start with a letter or digit'));
        return;
      }
      if (!checkIfname(ifname, at)) return;
      if (!claim(ns, ifname, { pos: at, kind: 'veth', link: i }, 'interface')) return;
      const isBridge = bridges[owner] !== undefined;
      const a = endAttrs.get(`${ns}:${ifname}`);
      if (a) usedAttrs.add(`${ns}:${ifname}`);
      const spec = a?.spec ?? {};
      if (spec.mac) macs.push({ mac: spec.mac.toLowerCase(), pos: pos([...a!.path, 'mac']) });
      const mtu = spec.mtu ?? link.mtu;
      ends.push({
        ns,
        name: ifname,
        up: spec.up ?? true,
        ...(mtu !== undefined ? { mtu } : {}),
        ...(spec.mac ? { mac: spec.mac.toLowerCase() } : {}),
        master: isBridge ? owner : null,
        marked: true,
      });
      (spec.addresses ?? []).forEach((text, k) => addresses.push({ ns, ifname, text, path: [...a!.path, 'addresses', k] }));
    });
    if (ends.length === 2) {
      const [x, y] = sortEnds(ends[0]!, ends[1]!);
      add({ kind: 'veth', id: ids.veth(x, y), a: x, b: y, origin: pos(['links', i]) } satisfies Veth);
    }
  });

  // Attributes for interfaces that nothing creates.
  for (const [key, { path }] of endAttrs) {
    if (usedAttrs.has(key)) continue;
    const [node, ifname] = key.split(':') as [string, string];
    const here = [...(slots.get(node)?.keys() ?? [])];
    const isBridge = bridges[ifname] !== undefined;
    diags.push(
      error(
        'UNKNOWN_INTERFACE',
        `no link creates interface '${ifname}' in node '${node}'`,
        pos(path, { key: true }),
        isBridge ? `set bridge attributes under bridges.${ifname}` : suggestion(ifname, here) ?? `add a link with endpoint ${node}:${ifname}`,
      ),
    );
  }

  // Addresses: valid, canonical, usable, and each IP used once in the lab.
  const cidrsByNs = new Map<string, { cidr: Cidr; ifname: string }[]>();
  const byIp = new Map<string, SourcePos>();
  for (const a of addresses) {
    const at = pos(a.path);
    const c = parseCidr(a.text);
    if (!c.ok) {
      diags.push(error('BAD_ADDRESS', c.reason, at, c.hint));
      continue;
    }
    const problem = hostAddressProblem(c.value);
    if (problem) {
      diags.push(error('BAD_ADDRESS', problem, at));
      continue;
    }
    const prev = byIp.get(c.value.address);
    if (prev) {
      diags.push(error('DUPLICATE_ADDRESS', `address ${c.value.address} is assigned twice`, at, 'each address may appear once in a lab', prev));
      continue;
    }
    byIp.set(c.value.address, at);
    const list = cidrsByNs.get(a.ns) ?? [];
    list.push({ cidr: c.value, ifname: a.ifname });
    cidrsByNs.set(a.ns, list);
    add({ kind: 'address', id: ids.address(a.ns, a.ifname, c.value.text), ns: a.ns, ifname: a.ifname, cidr: c.value.text, origin: at } satisfies Address);
  }

  // Two interfaces of one namespace in one subnet: the kernel takes it, but replies leave by the
  // first route, so one of the links silently carries nothing (bad-inputs row 34).
  for (const [ns, list] of cidrsByNs) {
    const seenNet = new Map<string, { ifname: string; pos: SourcePos }>();
    for (const { cidr, ifname } of list) {
      const net = networkOf(cidr);
      const at = res.get(ids.address(ns, ifname, cidr.text))?.origin;
      const prev = seenNet.get(net);
      if (prev && prev.ifname !== ifname && at) {
        diags.push(warning('SUBNET_OVERLAP', `${ns}:${ifname} and ${ns}:${prev.ifname} are both in ${net}`, at, 'traffic to that subnet leaves by one of them only; use separate subnets, or a bridge', prev.pos));
      } else if (!prev && at) seenNet.set(net, { ifname, pos: at });
    }
  }

  // Scale: the kernel holds up (kernel-facts 2.15), but a lab this size is more likely a typo in
  // a generator than a plan; the limit is a guard rail, raised with TOPO_MAX_NAMESPACES.
  const namespaces = Object.keys(nodes).filter((n) => n !== HOST).length;
  const limit = maxNamespaces();
  if (namespaces > limit) {
    diags.push(error('LAB_TOO_LARGE', `the lab has ${namespaces} namespaces; the limit is ${limit}`, pos(['nodes'], { key: true }), `expect about ${estimate(namespaces)}; raise the limit with TOPO_MAX_NAMESPACES=${namespaces} if you mean it`));
  }

  // Routes and sysctls, per namespace node.
  for (const [node, spec] of Object.entries(nodes)) {
    if (node === HOST) continue;
    const seen = new Map<string, SourcePos>();
    (spec.routes ?? []).forEach((r, i) => {
      const path: JsonPath = ['nodes', node, 'routes', i];
      const route = checkRoute(node, r, path, pos, slots.get(node), cidrsByNs.get(node) ?? [], diags);
      if (!route) return;
      const prev = seen.get(route.to);
      if (prev) {
        diags.push(error('DUPLICATE_ROUTE', `node '${node}' has two routes to ${r.to}`, pos(path), 'keep one route per destination', prev));
        return;
      }
      seen.set(route.to, pos(path));
      add(route);
    });
    for (const [key, value] of Object.entries(spec.sysctls ?? {})) {
      const text = String(value);
      const at = pos(['nodes', node, 'sysctls', key]);
      // Numbers, words and space-separated lists (e.g. ping_group_range "0 2147483647"): what
      // net.* sysctls take. Anything else would only fail in the kernel, mid-apply.
      if (!/^[A-Za-z0-9_.:\/-]+( [A-Za-z0-9_.:\/-]+)*$/.test(text)) {
        diags.push(error('BAD_SYSCTL', `sysctl ${key} has an unusable value '${text}'`, at, 'use a number, a word, or words separated by single spaces'));
        continue;
      }
      const problem = sysctlProblem(key, text, slots.get(node), cidrsByNs.get(node) ?? []);
      if (problem) {
        diags.push(error('BAD_SYSCTL', problem.message, problem.onKey ? pos(['nodes', node, 'sysctls', key], { key: true }) : at, problem.hint));
        continue;
      }
      add({ kind: 'sysctl', id: ids.sysctl(node, key), ns: node, key, value: text, origin: at } satisfies Sysctl);
    }
  }

  checkMacs(macs, diags);
  if (diags.some((d) => d.severity === 'error')) return { diags };
  if (namespaces > 100) diags.push(warning('LARGE_LAB', `the lab has ${namespaces} namespaces: expect about ${estimate(namespaces)}`, pos(['nodes'], { key: true })));
  return { topology: { lab: file.lab, resources: sortById(res) }, diags };
}

/**
 * What the kernel would reject only mid-apply: per-interface keys for an interface the node does
 * not have, and switches that take 0 or 1 (`ip_forward: 2` is accepted silently, kernel-facts 2.13).
 */
function sysctlProblem(key: string, value: string, ifaces: Map<string, IfaceSlot> | undefined, cidrs: readonly { cidr: Cidr; ifname: string }[]): { message: string; hint?: string; onKey?: boolean } | undefined {
  // Set last in the node (model/deps.ts), it would take away IPv6 addresses apply has just
  // given: verification, which read them before it, would not see that.
  const off = /^net\.ipv6\.conf\.([^.]+)\.disable_ipv6$/.exec(key);
  if (off && value !== '0') {
    const v6 = cidrs.find((c) => c.cidr.family === 6 && (off[1] === 'all' || off[1] === c.ifname));
    if (v6) return { message: `sysctl ${key} turns IPv6 off, but ${v6.ifname} has the IPv6 address ${v6.cidr.text}`, hint: 'drop the IPv6 addresses of that interface, or the sysctl' };
  }
  const perIf = /^net\.ipv[46]\.(conf|neigh)\.([^.]+)\.(.+)$/.exec(key);
  if (perIf) {
    const [, , ifname, rest] = perIf as unknown as [string, string, string, string];
    if (rest.includes('.')) return { message: `sysctl key '${key}' has too many parts for net.ipv4.conf.<interface>.<setting>`, hint: 'interface names with dots cannot be used in sysctl keys', onKey: true };
    if (!['all', 'default', 'lo'].includes(ifname) && !ifaces?.has(ifname)) {
      return { message: `sysctl ${key} names interface '${ifname}', which this node does not have`, hint: suggestion(ifname, ['all', 'default', ...(ifaces?.keys() ?? [])]) ?? 'use all, default, or an interface of this node', onKey: true };
    }
  }
  if (/(^net\.ipv4\.ip_forward|\.forwarding)$/.test(key) && value !== '0' && value !== '1') {
    return { message: `sysctl ${key} takes 0 or 1, not '${value}'` };
  }
  return undefined;
}

/** Default 1000; TOPO_MAX_NAMESPACES overrides it. */
export function maxNamespaces(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.TOPO_MAX_NAMESPACES);
  return Number.isInteger(n) && n > 0 ? n : 1000;
}

/** Measured here: ~5 ms and ~330 kB of kernel memory per namespace with its veth (kernel-facts 2.15). */
function estimate(namespaces: number): string {
  return `${Math.max(1, Math.round((namespaces * 5) / 1000))} s and ${Math.round((namespaces * 330) / 1024)} MB of kernel memory`;
}

function attrs(spec: InterfaceSpec): { up: boolean; mtu?: number; mac?: string } {
  return {
    up: spec.up ?? true,
    ...(spec.mtu !== undefined ? { mtu: spec.mtu } : {}),
    ...(spec.mac !== undefined ? { mac: spec.mac.toLowerCase() } : {}),
  };
}

function checkRoute(
  node: string,
  r: { to: string; via: string; dev?: string; metric?: number },
  path: JsonPath,
  pos: Pos,
  ifaces: Map<string, IfaceSlot> | undefined,
  cidrs: { cidr: Cidr; ifname: string }[],
  diags: Diagnostic[],
): Route | undefined {
  const via = parseIp(r.via);
  if (!via.ok) {
    diags.push(error('BAD_ROUTE', `route via: ${via.reason}`, pos([...path, 'via']), via.hint));
    return undefined;
  }
  let to: string;
  if (r.to === 'default') {
    to = via.value.family === 4 ? '0.0.0.0/0' : '::/0';
  } else {
    const c = parseCidr(r.to);
    if (!c.ok) {
      diags.push(error('BAD_ROUTE', `route to: ${c.reason}`, pos([...path, 'to']), c.hint));
      return undefined;
    }
    if (networkOf(c.value) !== c.value.text) {
      diags.push(error('BAD_ROUTE', `route destination ${r.to} has host bits set`, pos([...path, 'to']), `did you mean ${networkOf(c.value)}?`));
      return undefined;
    }
    if (c.value.family !== via.value.family) {
      diags.push(error('BAD_ROUTE', `route to ${r.to} is IPv${c.value.family} but via ${r.via} is IPv${via.value.family}`, pos([...path, 'via'])));
      return undefined;
    }
    to = c.value.text;
  }
  if (r.dev !== undefined && !ifaces?.has(r.dev)) {
    diags.push(error('UNKNOWN_INTERFACE', `route dev '${r.dev}' is not an interface of node '${node}'`, pos([...path, 'dev']), suggestion(r.dev, ifaces?.keys() ?? [])));
    return undefined;
  }
  if (cidrs.some((c) => c.cidr.address === via.value.address)) {
    diags.push(error('BAD_ROUTE', `gateway ${r.via} is an address of node '${node}' itself`, pos([...path, 'via']), 'the gateway must be a neighbour on the link, e.g. the peer\'s address'));
    return undefined;
  }
  const onLink = cidrs.some((c) => (r.dev === undefined || c.ifname === r.dev) && contains(c.cidr, via.value));
  const linkLocal6 = via.value.family === 6 && via.value.address.startsWith('fe80:');
  if (!onLink && !(linkLocal6 && r.dev !== undefined)) {
    diags.push(
      error(
        'GATEWAY_OFF_LINK',
        `gateway ${r.via} is not on any subnet of node '${node}'${r.dev ? ` on ${r.dev}` : ''}`,
        pos([...path, 'via']),
        'the kernel refuses such a route ("Nexthop has invalid gateway"); give the node an address in that subnet',
      ),
    );
    return undefined;
  }
  return {
    kind: 'route',
    id: ids.route(node, to),
    ns: node,
    to,
    via: via.value.address,
    ...(r.dev !== undefined ? { dev: r.dev } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
    origin: pos(path),
  };
}

function checkMacs(macs: { mac: string; pos: SourcePos }[], diags: Diagnostic[]) {
  const seen = new Map<string, SourcePos>();
  for (const { mac, pos } of macs) {
    if (parseInt(mac.slice(0, 2), 16) & 1) diags.push(error('BAD_MAC', `MAC ${mac} has the multicast bit set`, pos, 'use a unicast MAC, e.g. 02:00:00:00:00:01'));
    else if (/^(00:){5}00$/.test(mac)) diags.push(error('BAD_MAC', 'MAC 00:00:00:00:00:00 cannot be assigned', pos, 'use a unicast MAC, e.g. 02:00:00:00:00:01'));
    else if (seen.has(mac)) diags.push(error('DUPLICATE_MAC', `MAC ${mac} is used twice`, pos, 'each MAC may appear once in a lab', seen.get(mac)));
    else seen.set(mac, pos);
  }
}
