/**
 * NODE_EXTRA_CA_CERTS makes Node 20 read and parse that certificate bundle as it starts, before
 * any of topo runs: 60-80 ms of every command on the 2-core test VM (whose environment sets it),
 * for certificates topo never uses (it makes no TLS connections). So the bin starts Node without
 * it and keeps its value aside (its shebang: `env -S -u NODE_EXTRA_CA_CERTS
 * TOPO_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node`); `restoreCaCerts` puts it back at once, so
 * that every process topo starts (a user's command in a lab, too) gets the environment it would
 * have had. topo's own Node processes set it aside again (`withoutCaCerts`).
 */
export const SAVED_CA_CERTS = 'TOPO_EXTRA_CA_CERTS';

/** Puts back the NODE_EXTRA_CA_CERTS that the bin's shebang set aside (empty: it was not set). */
export function restoreCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const saved = env[SAVED_CA_CERTS];
  if (saved === undefined) return;
  delete env[SAVED_CA_CERTS];
  if (saved !== '') env.NODE_EXTRA_CA_CERTS = saved;
}

/** The environment for topo started again as a Node process: its certificates set aside, as by the bin. */
export function withoutCaCerts(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: ca, ...rest } = env;
  return ca === undefined ? env : { ...rest, [SAVED_CA_CERTS]: ca };
}
