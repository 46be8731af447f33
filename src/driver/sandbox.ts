import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TopoError } from '../diag/errors.js';
import { HOST } from '../model/resources.js';
import type { Driver } from './driver.js';
import { runToEnd, startProcess } from './ip-driver.js';
import { withoutCaCerts } from '../util/node-env.js';

/** Set in the environment of a topo that runs inside its own throwaway sandbox. */
export const SANDBOX_ENV = 'TOPO_SANDBOX';

export const inSandbox = (): boolean => process.env[SANDBOX_ENV] === '1';

/**
 * The namespaces of a throwaway sandbox: network (its own, empty), mount (so its /run/netns is
 * private), PID (when its first process ends, the kernel kills every other one, listeners and
 * shells included, so nothing can hold a namespace alive), and, for a user without root, a user
 * namespace in which that user is root. When the sandbox's last process exits, the kernel
 * reclaims all of it: nothing is left behind, whatever the reason for the exit.
 */
export function sandboxArgv(uid: number | undefined = process.getuid?.()): string[] {
  return [...(uid === 0 ? [] : ['--user', '--map-root-user']), '--net', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private'];
}

/** Runs topo itself again, with these arguments, inside a fresh sandbox. Resolves with its exit code. */
export async function runInSandbox(args: readonly string[]): Promise<number> {
  const main = fileURLToPath(new URL('../cli/topo.cjs', import.meta.url));
  if (process.getuid?.() !== 0) {
    // Say why before anything else runs, rather than leave the user with unshare's terse words.
    const probe = runToEnd('unshare', ['--user', '--map-root-user', '--net', 'true']);
    if (!probe.ok) {
      throw new TopoError(
        `cannot create a sandbox without root: ${(probe.error?.message ?? probe.stderr).trim() || 'unshare failed'}`,
        'system',
        probe.error ? 'install util-linux (it provides unshare)' : 'this kernel does not let unprivileged users create user namespaces; allow them (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0), or run with sudo',
      );
    }
  }
  return new Promise((resolve, reject) => {
    const p = startProcess('unshare', [...sandboxArgv(), '--', process.execPath, ...process.execArgv, main, ...args], { stdio: 'inherit', env: { ...withoutCaCerts(), [SANDBOX_ENV]: '1' } });
    // Ctrl-C (or a TERM) ends the sandbox at once: unshare dies, --kill-child takes its child,
    // and the PID namespace takes every other process, so nothing is left behind. There is
    // nothing to finish cleanly: the whole lab is throwaway. SIGKILL, because unshare ignores
    // INT and TERM while it waits for its child.
    let stopped: 'SIGINT' | 'SIGTERM' | undefined;
    const end = (sig: 'SIGINT' | 'SIGTERM') => {
      stopped = sig;
      p.kill('SIGKILL');
    };
    process.on('SIGINT', end).on('SIGTERM', end);
    p.on('error', (e) => reject(new TopoError(`cannot start a sandbox: ${e.message}`, 'system', 'install util-linux (it provides unshare)')));
    p.on('close', (code, signal) => {
      process.off('SIGINT', end).off('SIGTERM', end);
      resolve(stopped === 'SIGINT' ? 130 : stopped === 'SIGTERM' ? 143 : code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

/** Inside the sandbox: a private /run, so /run/netns and topo's locks are the sandbox's own. */
export async function prepareSandbox(driver: Pick<Driver, 'runBatch'>): Promise<void> {
  const r = runToEnd('mount', ['-t', 'tmpfs', 'topo-sandbox', '/run']);
  if (!r.ok) throw new TopoError(`cannot mount a private /run in the sandbox: ${(r.stderr || r.error?.message || '').trim()}`, 'system');
  mkdirSync('/run/netns', { recursive: true });
  await driver.runBatch(HOST, [['link', 'set', 'dev', 'lo', 'up']]);
}
