import { writeFileSync } from 'node:fs';
import { NsRunner } from '../../driver/ns-runner.js';
import { inSandbox, prepareSandbox, runInSandbox } from '../../driver/sandbox.js';
import { InputError, TopoError } from '../../diag/errors.js';
import { error } from '../../diag/diagnostic.js';
import { runTests } from '../../labtest/run.js';
import { HOST } from '../../model/resources.js';
import { toJson } from '../../render/json.js';
import { junit, resultLine, summaryLine, testDoc } from '../../render/test-report.js';
import { suggestion } from '../../util/did-you-mean.js';
import type { CommandOptions } from '../args.js';
import type { Io } from '../io.js';
import { desiredFrom, type Desired } from '../pipeline.js';
import { requirePrivileges } from '../preflight.js';
import { runApply } from './apply.js';

/**
 * `topo test [FILE]`: runs the file's tests against the running lab. With --sandbox, topo runs
 * itself again inside a throwaway sandbox (rootless where the kernel allows), applies the lab
 * there, runs the tests, and the kernel reclaims everything when it exits.
 */
export async function runTest(o: CommandOptions, io: Io): Promise<number> {
  const desired = await desiredFrom(o.file, undefined, io);
  if (desired.tests.length === 0) {
    io.err(`${io.errStyle.yellow('warning:')} ${o.file} has no tests: section; nothing to run\n  hint: add e.g. tests: [{ ping: { from: ns0, to: ns1 } }]\n`);
    if (o.json) io.out(toJson(testDoc(desired.topology.lab, [])));
    return 0;
  }
  if (o.sandbox && !inSandbox()) return runInSandbox(passOn(o, ['test', o.file]));
  requirePrivileges('test');
  if (o.sandbox && !(await applyInSandbox(desired, o, io))) return 1;
  // A test in a namespace that is not there would fail for the wrong reason (or a must-fail
  // test pass for it): say what is missing instead.
  const needed = [...new Set(desired.tests.flatMap((t) => (t.kind === 'route' ? [t.node] : t.kind === 'tcp' ? [t.from, t.listener] : [t.from])))].filter((n) => n !== HOST);
  const present = io.driver().netnsIds(needed);
  const missing = needed.filter((n) => !present.has(n));
  if (missing.length > 0) {
    throw new TopoError(`lab '${desired.topology.lab}' is not running here: namespace${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist`, 'user', `run \`topo apply ${o.file}\` first, or \`topo test ${o.file} --sandbox\` to test in a throwaway sandbox`);
  }
  const start = Date.now();
  const show = o.json ? io.err : io.out;
  const results = await runTests(desired.tests, new NsRunner(), { onResult: (r) => show(resultLine(r, o.json ? io.errStyle : io.style)) });
  const ms = Date.now() - start;
  show(summaryLine(results, ms, o.json ? io.errStyle : io.style));
  if (o.junit !== undefined) writeFileSync(o.junit, junit(desired.topology.lab, o.file, results, ms));
  if (o.json) io.out(toJson(testDoc(desired.topology.lab, results)));
  return results.every((r) => r.passed) ? 0 : 1;
}

/** `topo sandbox FILE -- CMD...`: the lab in a throwaway sandbox, for as long as CMD runs. */
export async function runSandbox(o: CommandOptions, io: Io): Promise<number> {
  const desired = await desiredFrom(o.file, undefined, io);
  if (!inSandbox()) return runInSandbox(passOn(o, ['sandbox', o.file, '--', ...o.run]));
  if (!(await applyInSandbox(desired, o, io))) return 1;
  io.err(io.errStyle.dim(`Running ${o.run.join(' ')} in the sandbox; the lab vanishes when it exits.\n`));
  return new NsRunner().exec(HOST, o.run);
}

/** `topo exec NODE [FILE] -- CMD...` and `topo exec --all [FILE] -- CMD...`. */
export async function runExec(o: CommandOptions, io: Io): Promise<number> {
  const desired = await desiredFrom(o.file, undefined, io);
  const nodes = [...desired.topology.resources.values()].flatMap((r) => (r.kind === 'netns' ? [r.name] : []));
  if (o.node !== undefined && o.node !== HOST && !nodes.includes(o.node)) {
    throw new InputError([error('UNKNOWN_NODE', `'${o.node}' is not a node of lab '${desired.topology.lab}' (${o.file})`, undefined, suggestion(o.node, nodes) ?? `its nodes are: ${nodes.join(', ')}`)]);
  }
  requirePrivileges('exec');
  const runner = new NsRunner();
  if (o.node !== undefined) return runner.exec(o.node, o.run);
  // --all: every node at once; each line is prefixed with its node, whole lines only.
  const width = Math.max(...nodes.map((n) => n.length));
  const codes = await Promise.all(
    nodes.map((n) => runner.exec(n, o.run, (line, stream) => (stream === 'out' ? io.out : io.err)(`${io.style.dim(`${n.padEnd(width)} |`)} ${line}\n`))),
  );
  const failed = nodes.filter((_, i) => codes[i] !== 0);
  if (failed.length > 0) io.err(`${io.errStyle.red('failed')} in ${failed.map((n) => `${n} (exit ${codes[nodes.indexOf(n)]})`).join(', ')}\n`);
  return codes.find((c) => c !== 0) ?? 0;
}

/** The user's own flags, for topo's second run inside the sandbox. */
function passOn(o: CommandOptions, args: string[]): string[] {
  const flags = [...(o.json ? ['--json'] : []), ...(o.junit !== undefined ? ['--junit', o.junit] : []), ...(o.noColor ? ['--no-color'] : []), ...(o.sandbox ? ['--sandbox'] : [])];
  const dash = args.indexOf('--');
  return dash >= 0 ? [...args.slice(0, dash), ...flags, ...args.slice(dash)] : [...args, ...flags];
}

/** Inside the sandbox: a private /run, then the lab; apply's own output is shown only if it fails. */
async function applyInSandbox(desired: Desired, o: CommandOptions, io: Io): Promise<boolean> {
  await prepareSandbox(io.driver());
  let said = '';
  const quiet: Io = { ...io, out: (s) => void (said += s), err: (s) => void (said += s) };
  const start = Date.now();
  let code: number;
  try {
    code = await runApply({ ...o, command: 'apply', autoApprove: true, json: false }, quiet);
  } catch (e) {
    io.err(said);
    throw e;
  }
  if (code !== 0) {
    io.err(said);
    return false;
  }
  const summary = /Apply complete: [^\n]*/.exec(said.replace(/\x1b\[[0-9;]*m/g, ''))?.[0] ?? 'applied';
  io.err(io.errStyle.dim(`Sandbox: lab '${desired.topology.lab}' applied in ${((Date.now() - start) / 1000).toFixed(1)} s (${summary.replace(/\.$/, '')}).\n`));
  return true;
}
