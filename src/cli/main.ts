#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS TOPO_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node
// topo's entry. The `topo` bin (bin.ts) runs it bundled, with V8's code cache; run directly, it
// is topo as plain ES modules, uncached: it stays executable for links made to it before the
// bin was bin.ts (npm link, npx's own cache). The first line: see bin.ts.
import { readFileSync } from 'node:fs';
import { InputError, TopoError } from '../diag/errors.js';
import { IpDriver, gnuXargs, onPath, stopRunning, type Entry } from '../driver/ip-driver.js';
import { chooseStyle } from '../render/style.js';
import { parseCommandLine, type CommandOptions } from './args.js';
import type { Io } from './io.js';
import { effectiveCaps, hasPrivileges } from './preflight.js';
import { inSandbox } from '../driver/sandbox.js';
import { restoreCaCerts } from '../util/node-env.js';
import { recordedLabs } from '../lock/netns-record.js';
import { dropEarlyDestroy } from './early-destroy.js';
import type { KernelSnapshot } from '../live/snapshot.js';

/** argv → exit code. The only place that catches everything; it and the lines that call it are where topo exits. */
export async function main(argv: readonly string[]): Promise<number> {
  const o = parseCommandLine(argv);
  const noColor = argv.includes('--no-color');
  const style = chooseStyle(process.stdout, noColor);
  const errStyle = chooseStyle(process.stderr, noColor);
  const out = (s: string) => void process.stdout.write(s);
  const err = (s: string) => void process.stderr.write(s);
  if ('error' in o) {
    const { HELP } = await import('./help.js');
    err(`${errStyle.red('error')}: ${o.error}\n\n${HELP.main}\n`);
    return 1;
  }
  if (o.command === 'version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    out(`topo ${pkg.version}\n`);
    return 0;
  }
  if (o.command === 'help' || o.help) {
    const topic = o.command === 'help' ? o.topic : o.command;
    const { HELP } = await import('./help.js');
    out(`${HELP[topic ?? 'main'] ?? HELP.main}\n`);
    return 0;
  }
  let interrupted = false;
  // Outside a sandbox it runs in, topo only waits: runInSandbox ends the sandbox on Ctrl-C.
  const sandboxOuter = (o.command === 'sandbox' || o.sandbox) && !inSandbox();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
    if (sandboxOuter) return;
    if (interrupted) {
      // Its `ip` processes have process groups of their own (a terminal's Ctrl-C no longer ends
      // them): abort them too, so that nothing changes the kernel after topo has gone.
      stopRunning();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    interrupted = true;
    err(
      signal === 'SIGINT'
        ? '\nInterrupt received: finishing the running step, then stopping. Press Ctrl-C again to abort at once.\n'
        : '\nSIGTERM received: finishing the running step, then stopping. A second SIGTERM aborts at once.\n',
    );
  };
  const onSigint = onSignal('SIGINT');
  const onSigterm = onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  // apply and destroy stop on SIGTERM (`timeout`, a CI runner, systemd) as on Ctrl-C. Node's
  // default exits at once without the exit handlers: the lab's lock and the batch files stayed
  // behind, and the running `ip` processes, in process groups of their own, went on changing
  // the kernel after topo had gone. Killing those instead can cut an `ip netns add` between the
  // file and its mount, and leave a /run/netns entry that is no namespace (seen while testing
  // this; the next apply replaces it, from the journal). Other commands keep the default: they
  // change nothing.
  const stopsOnTerm = (o.command === 'apply' || o.command === 'destroy') && !sandboxOuter;
  if (stopsOnTerm) process.on('SIGTERM', onSigterm);
  let driver: IpDriver | undefined;
  const getDriver = () =>
    (driver ??= new IpDriver({
      ...enterOverride(process.env.TOPO_ENTER),
      ...(o.verbose ? { onCommand: (_ns, a, input, note) => err(errStyle.dim(`+ ${a.join(' ')}${note ? `  (${note})` : ''}${input ? `\n${input.trimEnd().replace(/^/gm, '    ')}` : ''}\n`)) } : {}),
    }));
  // A plan's kernel read does not depend on the lab file, so it starts before the rest of topo
  // loads and the file is parsed, and the `ip` processes run while Node does that work (~0.3 s
  // at 200 namespaces). On 2 cores the two compete, so the gain is smaller than that and hard to
  // see through this VM's noise. Only with the privileges the read needs (without them the
  // command stops with a clear error anyway); not with -v, whose command log would interleave.
  // Only the host's nsids, as every lab read (live/read.ts, HOST_ONLY).
  const early = ((o.command === 'plan' && !o.destroy) || o.command === 'drift') && !o.verbose && hasPrivileges(effectiveCaps()) ? earlyRead(getDriver(), o.file) : undefined;
  early?.catch(() => undefined); // surfaced where it is awaited
  const { dispatch } = await import('./dispatch.js');
  const io: Io = {
    out,
    err,
    style: o.json ? chooseStyle(process.stdout, true) : style,
    errStyle,
    // Only when asked for: making process.stdin loads and sets up a stream (4-9 ms), and `-y` never reads it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    interrupted: () => interrupted,
    driver: getDriver,
    ...(early ? { earlyRead: early } : {}),
  };
  try {
    return await dispatch(o, io);
  } catch (e) {
    // With --json, stdout still gets one document: the error, in the same schema. (Loaded only
    // here: a run that succeeds never needs them.)
    const [{ renderDiagnostics }, { errorDoc, toJson }] = await Promise.all([import('../render/diagnostics.js'), import('../render/json.js')]);
    if (e instanceof InputError) {
      err(renderDiagnostics(e.diagnostics, errStyle, e.sourceText));
      if (o.json) out(toJson(errorDoc(`${e.diagnostics.length} problem(s) in the input`, undefined, e.diagnostics)));
    } else if (e instanceof TopoError && e.source !== 'internal') {
      err(`${errStyle.red(errStyle.bold('Error:'))} ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
      if (o.json) out(toJson(errorDoc(e.message, e.hint, [])));
    } else {
      err(`${errStyle.red('Internal error')} (this is a bug in topo; please report it):\n${(e as Error).stack ?? String(e)}\n`);
      if (o.json) out(toJson(errorDoc(`internal error: ${(e as Error).message}`, 'this is a bug in topo; please report it', [])));
    }
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/**
 * plan's and drift's early read. A lab's read leaves out other labs' recorded namespaces
 * (live/read.ts, labScope), which this read, made before the lab is parsed, can only do when the
 * lab cache already knows the file; it is looked at only when two labs or more have records (one
 * is then surely another's), so that a lone lab's read starts as early as ever.
 */
async function earlyRead(driver: IpDriver, file: string): Promise<KernelSnapshot> {
  let only: Set<string> | undefined;
  if (recordedLabs() >= 2) {
    const [{ peekLabCached }, { labScope }] = await Promise.all([import('../config/lab-cache.js'), import('../live/read.js')]);
    const topology = peekLabCached(file);
    only = topology && labScope(driver, topology);
  }
  const snap = await driver.snapshot({ nsids: new Set(), ...(only ? { only } : {}) });
  return only ? { ...snap, only } : snap;
}

restoreCaCerts();
// Not a top-level await: the bundle is a CommonJS script (bin.ts).
// process.exit, not process.exitCode: leaving when the event loop runs dry has Node tear V8's
// heap down page by page first (strace: a run of munmap and madvise after the last write), 15-30
// ms of CPU of a 200-namespace destroy on a VM where a page fault costs ~35 µs (perf stat),
// where process.exit leaves that to the kernel. It
// does not wait for stdout and stderr, though: a pipe takes 64 KiB and Node queues the rest
// (a 5 MB write to a slow reader came out as 65,536 bytes), so first an empty write to each,
// whose callback comes after everything written before it is out.
void main(process.argv.slice(2)).then(async (code) => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr), dropEarlyDestroy()]);
  process.exit(code);
});

function flushed(s: NodeJS.WriteStream): Promise<void> {
  return new Promise((done) => s.write('', () => done()));
}

/**
 * TOPO_ENTER=ip|nsenter: how fan-out shares enter namespaces, whatever their number (IpDriver's
 * Entry; by default ip below NSENTER_FROM namespaces). For the tests of the nsenter path and for
 * measuring a machine; taken only where its tools are there, and ignored otherwise.
 */
function enterOverride(value: string | undefined): { entry?: Entry } {
  if (value !== 'ip' && value !== 'nsenter') return {};
  return gnuXargs() && (value === 'ip' || onPath('nsenter')) ? { entry: value } : {};
}
