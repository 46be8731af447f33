import { readFileSync } from 'node:fs';
import { PermissionError } from '../diag/errors.js';

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

/** The effective capability set, from /proc (no process needed). */
export function effectiveCaps(statusText?: string): bigint {
  const text = statusText ?? readFileSync('/proc/self/status', 'utf8');
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

export function hasPrivileges(caps: bigint): boolean {
  const has = (bit: number) => (caps & (1n << BigInt(bit))) !== 0n;
  return has(CAP_NET_ADMIN) && has(CAP_SYS_ADMIN);
}

/**
 * Commands that read or change namespaces need CAP_NET_ADMIN (links, addresses) and
 * CAP_SYS_ADMIN (entering and mounting namespaces). Say so before anything runs.
 */
export function requirePrivileges(command: string, caps: bigint = effectiveCaps()): void {
  if (hasPrivileges(caps)) return;
  throw new PermissionError(
    `topo ${command} needs root: it reads and changes network namespaces (CAP_NET_ADMIN and CAP_SYS_ADMIN)`,
    `run it with sudo, e.g. \`sudo topo ${command} lab.yaml\`; \`topo validate\` works without root`,
  );
}
