import { existsSync, readFileSync } from 'node:fs';
import { InputError, TopoError } from '../../diag/errors.js';
import type { Driver } from '../../driver/driver.js';
import type { Topology } from '../../model/resources.js';
import { HOST } from '../../model/resources.js';
import type { CommandOptions } from '../args.js';
import type { Io } from '../io.js';
import { desiredFrom, planAgainstKernel, type Desired } from '../pipeline.js';
import { effectiveCaps, requirePrivileges } from '../preflight.js';

export interface Check {
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly detail: string;
  readonly hint?: string;
}

const BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables';

/**
 * Whether br_netfilter sends bridged frames through iptables while FORWARD drops them: labs then
 * look right and pass no traffic (landscape.md, "host firewall breaks labs"). Only matters for
 * bridges in the host namespace.
 */
export async function netfilterCheck(t: Topology, driver: Driver): Promise<Check | undefined> {
  const hostBridges = [...t.resources.values()].some((r) => r.kind === 'bridge' && r.ns === HOST);
  if (!hostBridges) return undefined;
  if (!existsSync(BRIDGE_NF) || readFileSync(BRIDGE_NF, 'utf8').trim() !== '1') {
    return { name: 'bridged traffic and the firewall', status: 'ok', detail: 'br_netfilter does not pass bridged traffic through iptables' };
  }
  const drops = (await driver.forwardPolicies()).filter((p) => p.policy !== 'ACCEPT');
  if (drops.length === 0) return { name: 'bridged traffic and the firewall', status: 'ok', detail: 'br_netfilter is on, and FORWARD accepts' };
  return {
    name: 'bridged traffic and the firewall',
    status: 'warn',
    detail: `br_netfilter passes bridged frames through ${drops.map((d) => `${d.tool} (FORWARD policy ${d.policy})`).join(' and ')}: traffic across host bridges may be dropped`,
    hint: `allow it, e.g. \`iptables -I FORWARD -i <bridge> -o <bridge> -j ACCEPT\`, or \`sysctl net.bridge.bridge-nf-call-iptables=0\``,
  };
}

async function runChecks(desired: Desired, driver: Driver, probe: boolean): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    requirePrivileges('doctor', effectiveCaps());
    checks.push({ name: 'privileges', status: 'ok', detail: 'CAP_NET_ADMIN and CAP_SYS_ADMIN' });
  } catch (e) {
    checks.push({ name: 'privileges', status: 'fail', detail: (e as TopoError).message, hint: (e as TopoError).hint ?? 'run with sudo' });
    return checks; // nothing else can be checked without them
  }
  try {
    const v = await driver.ipVersion();
    checks.push(v.json ? { name: 'iproute2', status: 'ok', detail: `${v.version}, with JSON output` } : { name: 'iproute2', status: 'fail', detail: `${v.version} cannot print JSON (ip -j)`, hint: 'install iproute2 4.13 or later' });
    if (!v.json) return checks;
  } catch (e) {
    checks.push({ name: 'iproute2', status: 'fail', detail: (e as Error).message, hint: (e as TopoError).hint ?? 'install iproute2' });
    return checks;
  }
  const kinds = linkKinds(desired.topology);
  if (probe) {
    // One scratch namespace for all of it: the link kinds, and the host nsid apply gives each
    // namespace it makes.
    const netns = [...desired.topology.resources.values()].some((r) => r.kind === 'netns');
    const all = await driver.probeKinds([...kinds, ...(netns ? (['nsid'] as const) : [])]);
    const failed = all.filter((f) => f.kind !== 'nsid');
    checks.push(
      failed.length === 0
        ? { name: 'kernel link kinds', status: 'ok', detail: kinds.length ? `${kinds.join(' and ')} can be created` : 'the lab creates no links' }
        : { name: 'kernel link kinds', status: 'fail', detail: failed.map((f) => `${f.kind}: ${f.error}`).join('; '), hint: `load the module${failed.length > 1 ? 's' : ''} (modprobe ${failed.map((f) => f.kind).join(' ')}) or use a kernel that has ${failed.length > 1 ? 'them' : 'it'}` },
    );
    const ids = all.find((f) => f.kind === 'nsid');
    if (netns) {
      checks.push(
        ids
          ? { name: 'namespace ids', status: 'fail', detail: `ip netns set NAME auto: ${ids.error}`, hint: NSID_HINT }
          : { name: 'namespace ids', status: 'ok', detail: 'ip netns set NAME auto gives a new namespace an id in the host' },
      );
    }
  }
  if (driver.entry) {
    const entry = driver.entry();
    checks.push(
      entry
        ? { name: 'namespace entry', status: 'ok', detail: entry === 'ip' ? 'GNU xargs: reads and batches run a few `xargs -L 1 ip -n NS` processes, not one process per namespace from topo' : 'GNU xargs and nsenter: with this many namespaces, reads and batches join each one with nsenter, which copies no mount table' }
        : {
            name: 'namespace entry',
            status: 'warn',
            detail: 'GNU xargs is not on PATH (BusyBox\'s will not do): namespaces are entered from `ip -batch` processes of `netns exec` lines, and a batch that sets sysctls runs in processes of its own',
            hint: 'install findutils (xargs)',
          },
    );
  }
  const nf = await netfilterCheck(desired.topology, driver);
  if (nf) checks.push(nf);
  try {
    await planAgainstKernel(desired, driver, 'apply');
    checks.push({ name: 'name collisions', status: 'ok', detail: 'no object topo does not own holds a name the lab wants' });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    checks.push({ name: 'name collisions', status: 'fail', detail: e.diagnostics.map((d) => d.message).join('; '), hint: 'rename them in the file, or remove the objects yourself if they are debris' });
  }
  return checks;
}

/** What to do when `ip netns set NAME auto` fails (doctor, and apply's preflight). */
export const NSID_HINT = 'install a newer iproute2: one whose `ip netns help` lists NETNSID := auto | POSITIVE-INT';

/** The kinds of link a lab makes. */
export function linkKinds(t: Topology): ('bridge' | 'veth')[] {
  return [...new Set([...t.resources.values()].flatMap((r) => (r.kind === 'bridge' || r.kind === 'veth' ? [r.kind] : [])))];
}

export async function runDoctor(o: CommandOptions, io: Io): Promise<number> {
  const desired = await desiredFrom(o.file, undefined, io);
  const checks = await runChecks(desired, io.driver(), true);
  const mark = { ok: io.style.green('ok  '), warn: io.style.yellow('warn'), fail: io.style.red('FAIL') };
  for (const c of checks) {
    io.out(`${mark[c.status]}  ${c.name}: ${c.detail}\n`);
    if (c.hint && c.status !== 'ok') io.out(`      fix: ${c.hint}\n`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  io.out(failed ? `\n${failed} problem${failed === 1 ? '' : 's'} to fix before \`topo apply\`.\n` : `\nReady: \`topo apply ${o.file}\` can run here.\n`);
  return failed ? 1 : 0;
}
