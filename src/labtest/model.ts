import { error, type Diagnostic, type SourcePos } from '../diag/diagnostic.js';
import type { JsonPath, ParsedYaml } from '../config/parse-yaml.js';
import type { TestSpec } from '../config/lab-file.js';
import { parseDuration } from '../lock/lock.js';
import { parseCidr, parseIp, type Family } from '../model/cidr.js';
import { HOST, type Topology } from '../model/resources.js';
import { suggestion } from '../util/did-you-mean.js';

/** Where a test points: an address, and the node it belongs to when the lab knows it. */
export interface Target {
  readonly address: string;
  readonly node?: string;
}

interface Common {
  readonly index: number;
  readonly name: string;
  readonly budgetMs: number;
  readonly origin: SourcePos;
}

export interface PingTest extends Common {
  readonly kind: 'ping';
  readonly from: string;
  readonly family: Family;
  readonly targets: readonly Target[];
  readonly expect: 'pass' | 'fail';
}

export interface TcpTest extends Common {
  readonly kind: 'tcp';
  readonly from: string;
  /** The node topo listens in for the test. */
  readonly listener: string;
  readonly port: number;
  readonly family: Family;
  readonly targets: readonly Target[];
  readonly expect: 'pass' | 'fail';
}

export interface RouteTest extends Common {
  readonly kind: 'route';
  readonly node: string;
  /** A canonical prefix, 'default', or an address (then: the route the kernel would choose). */
  readonly to: string;
  readonly lookup: 'exact' | 'get';
  readonly family: Family;
  readonly via?: string;
  readonly dev?: string;
}

export type LabTest = PingTest | TcpTest | RouteTest;

export const DEFAULT_BUDGET_MS = 3000;

/**
 * The file's `tests:` as runnable checks, resolved against the desired topology: node names
 * become addresses, and every reference is checked now, so a bad test is a validate-time error
 * at its line, like any other.
 */
export function buildTests(specs: readonly TestSpec[], topology: Topology, posOf: ParsedYaml['posOf']): { tests: LabTest[]; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const tests: LabTest[] = [];
  const nodes = new Set<string>([HOST]);
  const addrs = new Map<string, { address: string; family: Family }[]>();
  const owner = new Map<string, string>();
  for (const r of topology.resources.values()) {
    if (r.kind === 'netns') nodes.add(r.name);
    if (r.kind === 'address') {
      const address = r.cidr.slice(0, r.cidr.indexOf('/'));
      const family: Family = address.includes(':') ? 6 : 4;
      addrs.set(r.ns, [...(addrs.get(r.ns) ?? []), { address, family }]);
      owner.set(address, r.ns);
    }
  }

  specs.forEach((spec, index) => {
    const base: JsonPath = ['tests', index];
    const kinds = (['ping', 'tcp', 'route'] as const).filter((k) => spec[k] !== undefined);
    if (kinds.length !== 1) {
      diags.push(error('TEST_KIND', kinds.length === 0 ? 'a test needs one of ping, tcp or route' : `a test has exactly one of ping, tcp or route, not ${kinds.join(' and ')}`, posOf(base), 'split it into one test per check'));
      return;
    }
    const kind = kinds[0]!;
    const at = (...p: (string | number)[]) => posOf([...base, kind, ...p]);
    let budgetMs = DEFAULT_BUDGET_MS;
    if (spec.timeout !== undefined) {
      const ms = parseDuration(spec.timeout);
      if (ms === undefined || ms <= 0) diags.push(error('BAD_TIMEOUT', `timeout '${spec.timeout}' is not a duration`, posOf([...base, 'timeout']), 'write e.g. 3s or 500ms'));
      else budgetMs = ms;
    }
    const knownNode = (name: string, field: string): boolean => {
      if (nodes.has(name)) return true;
      diags.push(error('UNKNOWN_NODE', `${kind} test names unknown node '${name}'`, at(field), suggestion(name, nodes) ?? 'use a node from nodes:'));
      return false;
    };
    /** A node name (its addresses of the family) or an IP address. */
    const resolve = (to: string, family: Family, field: string): Target[] | undefined => {
      if (nodes.has(to)) {
        const list = (addrs.get(to) ?? []).filter((a) => a.family === family).map((a) => ({ address: a.address, node: to }));
        if (list.length === 0) {
          diags.push(error('NO_ADDRESS', `node '${to}' has no IPv${family} address in the file`, at(field), family === 4 ? 'give it an address, or test with family: 6' : 'give it an IPv6 address, or test IPv4'));
          return undefined;
        }
        return list;
      }
      const ip = parseIp(to);
      if (!ip.ok) {
        const near = suggestion(to, nodes);
        diags.push(error('BAD_TARGET', `'${to}' is neither a node of the lab nor an IP address`, at(field), near ?? ip.hint ?? 'name a node, or write an address such as 10.0.0.2'));
        return undefined;
      }
      if (ip.value.family !== family) {
        diags.push(error('FAMILY_MISMATCH', `'${to}' is an IPv${ip.value.family} address but the test is IPv${family}`, at(field), `set family: ${ip.value.family}`));
        return undefined;
      }
      const node = owner.get(ip.value.address);
      return [{ address: ip.value.address, ...(node ? { node } : {}) }];
    };
    const common = { index, budgetMs, origin: posOf([...base, kind], { key: true }) };

    if (kind === 'ping') {
      const p = spec.ping!;
      const family = (p.family ?? 4) as Family;
      const fromOk = knownNode(p.from, 'from');
      const targets = resolve(p.to, family, 'to');
      if (!fromOk || !targets) return;
      const expect = p.expect ?? 'pass';
      tests.push({ ...common, kind, from: p.from, family, targets, expect, name: spec.name ?? `ping ${p.from} → ${p.to}${expect === 'fail' ? ' (must fail)' : ''}` });
    } else if (kind === 'tcp') {
      const t = spec.tcp!;
      const family = (t.family ?? 4) as Family;
      const fromOk = knownNode(t.from, 'from');
      const targets = resolve(t.to, family, 'to');
      if (!fromOk || !targets) return;
      const listener = targets[0]!.node;
      if (listener === undefined) {
        diags.push(error('NO_LISTENER', `no node of the lab has address ${t.to}, so topo cannot start a listener for it`, at('to'), 'name the node that should listen instead'));
        return;
      }
      const expect = t.expect ?? 'pass';
      tests.push({ ...common, kind, from: t.from, listener, port: t.port, family, targets, expect, name: spec.name ?? `tcp ${t.from} → ${t.to}:${t.port}${expect === 'fail' ? ' (must fail)' : ''}` });
    } else {
      const r = spec.route!;
      if (!knownNode(r.node, 'node')) return;
      let to: string;
      let lookup: 'exact' | 'get';
      let family: Family;
      if (r.to === 'default') {
        [to, lookup, family] = ['default', 'exact', r.via?.includes(':') ? 6 : 4];
      } else if (r.to.includes('/')) {
        const c = parseCidr(r.to);
        if (!c.ok) {
          diags.push(error('BAD_ROUTE_TEST', `route test: ${c.reason}`, at('to'), c.hint ?? 'write a prefix such as 10.1.0.0/24, an address, or default'));
          return;
        }
        [to, lookup, family] = [c.value.text, 'exact', c.value.family];
      } else {
        const ip = parseIp(r.to);
        if (!ip.ok) {
          diags.push(error('BAD_ROUTE_TEST', `route test: ${ip.reason}`, at('to'), ip.hint ?? 'write a prefix such as 10.1.0.0/24, an address, or default'));
          return;
        }
        [to, lookup, family] = [ip.value.address, 'get', ip.value.family];
      }
      if (r.via !== undefined) {
        const v = parseIp(r.via);
        if (!v.ok || v.value.family !== family) {
          diags.push(error('BAD_ROUTE_TEST', v.ok ? `via ${r.via} is IPv${v.value.family} but the route is IPv${family}` : `route test: ${v.reason}`, at('via'), v.ok ? undefined : v.hint));
          return;
        }
      }
      tests.push({ ...common, kind, node: r.node, to, lookup, family, ...(r.via !== undefined ? { via: r.via } : {}), ...(r.dev !== undefined ? { dev: r.dev } : {}), name: spec.name ?? `route ${r.node} ${r.to}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}` });
    }
  });
  return { tests, diags };
}
