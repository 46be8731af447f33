import { readdirSync, statSync } from 'node:fs';

/** Where `ip netns` keeps its names. */
export const NETNS_DIR = '/run/netns';

export function listNetnsDir(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch {
    return []; // no namespace was ever made here
  }
}

/**
 * Each named namespace's full identity, `INODE:CTIME_NS` (lock/netns-record.ts says why the
 * inode alone is not enough), read with one stat each and no process. On its own (not only
 * IpDriver's) because the bin reads them before the rest of topo has loaded (cli/early-destroy.ts).
 */
export function netnsIdentities(names: readonly string[] = listNetnsDir()): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of names) {
    try {
      const st = statSync(`${NETNS_DIR}/${n}`, { bigint: true });
      out.set(n, `${st.ino}:${st.ctimeNs}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
