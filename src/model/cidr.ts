import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; hint?: string };

export interface Cidr {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
  /** address/prefix in canonical text. */
  readonly text: string;
}

// ipaddr.js accepts inet_aton forms (octal "010", "1.2.3"); `ip` would read "010.005.000.010" as
// 8.5.0.8 (kernel-facts 2.8). Only the plain dotted quad is unambiguous, so only it is accepted.
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/** Parses one IP address (no prefix) and demands its canonical spelling. */
export function parseIp(text: string): Parsed<{ family: Family; address: string }> {
  if (text.includes('%')) return { ok: false, reason: 'zone indexes (%) are not supported', hint: 'drop the %zone part' };
  if (text.includes('.') && !text.includes(':')) {
    if (!IPV4.test(text)) {
      const loose = ipaddr.IPv4.isValid(text) ? ipaddr.IPv4.parse(text).toString() : undefined;
      return looseHint(`'${text}' is not a plain dotted-quad IPv4 address`, loose && /^0\d|\.0\d/.test(text) ? 'leading zeros are read as octal by ip; write it without them' : undefined);
    }
    return { ok: true, value: { family: 4, address: text } };
  }
  if (!ipaddr.IPv6.isValid(text)) return { ok: false, reason: `'${text}' is not an IP address` };
  const canon = ipaddr.IPv6.parse(text).toString();
  if (canon !== text) return { ok: false, reason: `'${text}' is not in canonical form`, hint: `write ${canon}` };
  return { ok: true, value: { family: 6, address: canon } };
}

function looseHint(reason: string, hint?: string): Parsed<never> {
  return hint ? { ok: false, reason, hint } : { ok: false, reason };
}

/** Parses `address/prefix`; the prefix is required, because `ip` silently defaults it to /32. */
export function parseCidr(text: string): Parsed<Cidr> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `'${text}' has no prefix length`, hint: `write e.g. ${text}/24 (ip would assume /32 or /128)` };
  const ip = parseIp(text.slice(0, slash));
  if (!ip.ok) return ip;
  const p = text.slice(slash + 1);
  const max = ip.value.family === 4 ? 32 : 128;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > max) {
    return { ok: false, reason: `'${text}' has an invalid prefix length`, hint: `use 0 to ${max}` };
  }
  const prefix = Number(p);
  return { ok: true, value: { ...ip.value, prefix, text: `${ip.value.address}/${prefix}` } };
}

/** The network part of a CIDR, e.g. 10.0.0.0/24 for 10.0.0.1/24. */
export function networkOf(c: Cidr): string {
  const net = c.family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(c.text) : ipaddr.IPv6.networkAddressFromCIDR(c.text);
  return `${net.toString()}/${c.prefix}`;
}

/** Why this CIDR cannot be an interface address, or undefined when it can. */
export function hostAddressProblem(c: Cidr): string | undefined {
  const addr = ipaddr.parse(c.address);
  const range = addr.range();
  if (range === 'unspecified') return 'the unspecified address cannot be assigned (ip would silently do nothing)';
  if (range === 'multicast') return 'a multicast address cannot be an interface address';
  if (range === 'loopback') return 'loopback addresses belong on lo';
  if (c.family === 4 && c.prefix <= 30) {
    if (networkOf(c) === c.text) return `${c.address} is the network address of ${c.text}`;
    if (ipaddr.IPv4.broadcastAddressFromCIDR(c.text).toString() === c.address) return `${c.address} is the broadcast address of ${networkOf(c)}`;
  }
  return undefined;
}

/** Whether ip lies inside the subnet of cidr. */
export function contains(cidr: Cidr, ip: { family: Family; address: string }): boolean {
  if (cidr.family !== ip.family) return false;
  const a = ipaddr.parse(ip.address);
  const net = ipaddr.parse(cidr.address);
  return (a as ipaddr.IPv4).match(net as ipaddr.IPv4, cidr.prefix);
}
