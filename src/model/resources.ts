import type { SourcePos } from '../diag/diagnostic.js';

/** The root namespace. `host` is reserved as a node name, so it can never clash with a netns. */
export const HOST = 'host';

/** `ns:name` of an interface; ns is a netns name or HOST. */
export interface EndRef {
  readonly ns: string;
  readonly name: string;
}

interface Base<K extends string> {
  readonly kind: K;
  readonly id: string;
  /** Where the file declares it. Absent on live resources. */
  readonly origin?: SourcePos;
}

export interface Netns extends Base<'netns'> {
  readonly name: string;
  /** `lo` is admin-up. Always desired; drift when someone sets it down. */
  readonly loUp: boolean;
  /** Its `lo` carries the mark. Always desired; false only for one adopted from the journal. */
  readonly marked: boolean;
  /** Live only: known as the lab's by its recorded identity, not read (destroy's shortcut). */
  readonly unread?: true;
  /**
   * Live only: a /run/netns entry that is no namespace, which the lab's journal says an apply was
   * making: its `ip netns add` was cut between the file and its mount (a second Ctrl-C).
   */
  readonly halfMade?: true;
}

/** Attributes shared by every interface topo creates. `undefined` means "don't care". */
export interface LinkAttrs {
  readonly up: boolean;
  readonly mtu?: number;
  readonly mac?: string;
}

export interface Bridge extends Base<'bridge'>, EndRef, LinkAttrs {
  /** Carries the mark. Always desired; false only for one adopted from the journal. */
  readonly marked: boolean;
}

export interface VethEnd extends EndRef, LinkAttrs {
  /** The bridge this end is enslaved to, or null for none (the file decides: drift otherwise). */
  readonly master: string | null;
  /** The ownership mark is present on this end. Always true when desired. */
  readonly marked: boolean;
}

/** A veth pair. Ends are sorted by `ns:name`, so one pair has one id however it was written. */
export interface Veth extends Base<'veth'> {
  readonly a: VethEnd;
  readonly b: VethEnd;
}

export interface Address extends Base<'address'> {
  readonly ns: string;
  readonly ifname: string;
  /** Canonical CIDR: IPv4 dotted quad, IPv6 RFC 5952, always with a prefix length. */
  readonly cidr: string;
}

export interface Route extends Base<'route'> {
  readonly ns: string;
  /** Canonical destination: `0.0.0.0/0` and `::/0` for the defaults, so families never clash. */
  readonly to: string;
  readonly via?: string;
  readonly dev?: string;
  readonly metric?: number;
}

export interface Sysctl extends Base<'sysctl'> {
  readonly ns: string;
  readonly key: string;
  readonly value: string;
}

export type Resource = Netns | Bridge | Veth | Address | Route | Sysctl;
export type ResourceKind = Resource['kind'];

/** A whole lab, desired or live: resources by id. */
export interface Topology {
  readonly lab: string;
  readonly resources: ReadonlyMap<string, Resource>;
}

export const ids = {
  netns: (name: string) => `netns/${name}`,
  bridge: (ns: string, name: string) => `bridge/${ns}/${name}`,
  veth: (a: EndRef, b: EndRef) => `veth/${a.ns}:${a.name}=${b.ns}:${b.name}`,
  address: (ns: string, ifname: string, cidr: string) => `address/${ns}/${ifname}/${cidr}`,
  route: (ns: string, to: string) => `route/${ns}/${to}`,
  sysctl: (ns: string, key: string) => `sysctl/${ns}/${key}`,
};

export function endKey(e: EndRef): string {
  return `${e.ns}:${e.name}`;
}

/** Orders a veth's ends canonically. */
export function sortEnds<T extends EndRef>(x: T, y: T): [T, T] {
  return endKey(x) <= endKey(y) ? [x, y] : [y, x];
}

/** The namespaces a resource lives in (a veth may span two). */
export function namespacesOf(r: Resource): string[] {
  switch (r.kind) {
    case 'netns':
      return [r.name];
    case 'veth':
      return r.a.ns === r.b.ns ? [r.a.ns] : [r.a.ns, r.b.ns];
    default:
      return [r.ns];
  }
}

/** The interfaces a link-like resource occupies. */
export function interfacesOf(r: Resource): EndRef[] {
  if (r.kind === 'bridge') return [{ ns: r.ns, name: r.name }];
  if (r.kind === 'veth') return [r.a, r.b];
  return [];
}

/** How routes and addresses read in output: `default` instead of 0.0.0.0/0. */
export function displayTo(to: string): string {
  return to === '0.0.0.0/0' || to === '::/0' ? 'default' : to;
}

/** A copy sorted by id: maps iterate in insertion order, and output must not depend on it. */
export function sortById<T extends { id: string }>(m: ReadonlyMap<string, T>): Map<string, T> {
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
