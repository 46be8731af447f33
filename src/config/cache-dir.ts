/**
 * Where topo caches what it can compute again (checked lab models, compiled code): beside the
 * locks in /run (lock.ts), on tmpfs, so a reboot clears it.
 */
export const CACHE_DIR = '/run/topo/cache';
