#!/usr/bin/env node
// npm run bench [-- --sizes 10,50,200 --reps 3 --shapes star,chain,mesh[,routers]] [--emit DIR] [--compare DIR] [--timeline]
//
// Times topo against hand-written baselines doing the same kernel work, side by side in one run,
// inside a throwaway network + mount namespace (it re-executes itself under unshare, so nothing
// reaches the machine's own network). Baselines are generated from the lab description, not from
// topo's plan, as bash scripts: (1) one `ip -n NS -batch FILE` per namespace in 2 parallel
// streams, (2) one `ip` process per operation. topo's figures include Node's start and apply's verification;
// destroys on both sides run until the kernel's teardown is done (teardownSeen). The script's
// destroy is also timed from a Node program that checks nothing (nodeFloor): Node's own floor.
// (3) Where Mininet is installed (Debian package mininet, with bridge-utils), its bring-up and
// teardown of the same star: a Linux bridge, no controller, run in a PID namespace of its own as
// well, because Mininet's cleanup kills processes by name.
// It ends with issue #5's targets, each met or missed in this run (bench/targets.mjs).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTargets, renderTargets } from './targets.mjs';

const REPO = fileURLToPath(new URL('../', import.meta.url));
/** A checkout's topo bin, as its package.json names it (dist/cli/main.js before the bundle). */
const binOf = (dir) => {
  try {
    return join(dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).bin.topo);
  } catch {
    return join(dir, 'dist/cli/topo.cjs');
  }
};
const CLI = binOf(REPO);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? args[i + 1] : undefined;
  return v !== undefined && !v.startsWith('--') ? v : def;
};

// --compare DIR: another build of topo (a checkout with dist/ built, e.g. a git worktree of an
// older commit), timed in the same rounds, for a before/after that the machine's drift from one
// minute to the next cannot blur.
const OTHER = opt('compare') && binOf(resolve(opt('compare')));
if (OTHER && !existsSync(OTHER)) {
  console.error(`--compare: ${OTHER} does not exist (build that checkout first: npm ci && npm run build)`);
  process.exit(2);
}

if (!args.includes('--inside')) {
  const user = process.getuid() === 0 ? [] : ['-Ur'];
  const r = spawnSync('unshare', [...user, '--net', '--mount', '--propagation', 'private', '--', process.execPath, fileURLToPath(import.meta.url), '--inside', ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

execFileSync('mount', ['-t', 'tmpfs', 'topo-bench', '/run']);
mkdirSync('/run/netns', { recursive: true });
execFileSync('ip', ['link', 'set', 'lo', 'up']);

const SIZES = opt('sizes', '10,50,200,500').split(',').map(Number);
const SHAPES = opt('shapes', 'star,chain,mesh').split(',');
const REPS = Number(opt('reps', '3'));
const dir = mkdtempSync(join(tmpdir(), 'topo-bench-'));
// The generated labs and scripts (~11 MB at the default sizes) go when the bench ends, unless
// BENCH_KEEP=1 asks to keep them for a look by hand (`--emit DIR` writes only the labs).
// (`--emit` without a DIR writes the labs into this directory, which then stays too.)
if (!process.env.BENCH_KEEP && !(args.includes('--emit') && opt('emit') === undefined)) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A lab as plain data: namespaces, an optional host bridge, veth pairs, one address per end. */
function shape(kind, n) {
  const ns = Array.from({ length: n }, (_, i) => `n${i}`);
  const links = [];
  if (kind === 'star') ns.forEach((x, i) => links.push({ a: [x, 'eth0'], b: ['host', `p${i}`], master: 'bb0', addr: `10.${i >> 8}.${i & 255}.1/16` }));
  // routers: the chain with forwarding on in every node, as a routed lab has it (not one of
  // the issue's shapes: sysctls cost a process per namespace, topo's and the script's alike).
  if (kind === 'chain' || kind === 'routers') for (let i = 0; i + 1 < n; i++) links.push({ a: [ns[i], 'r'], b: [ns[i + 1], 'l'], net: i });
  if (kind === 'mesh') {
    // A grid: each node linked to its right and lower neighbour (~2N links).
    const w = Math.ceil(Math.sqrt(n));
    for (let i = 0; i < n; i++) {
      if ((i + 1) % w !== 0 && i + 1 < n) links.push({ a: [ns[i], `e${i + 1}`], b: [ns[i + 1], `e${i}`], net: links.length });
      if (i + w < n) links.push({ a: [ns[i], `e${i + w}`], b: [ns[i + w], `e${i}`], net: links.length });
    }
  }
  return { kind, ns, links, bridge: kind === 'star', sysctls: kind === 'routers' ? [['net.ipv4.ip_forward', '1']] : [] };
}

/** /30 per point-to-point link, from a per-link index. */
const p2p = (net, end) => `10.${100 + (net >> 14)}.${(net >> 6) & 255}.${((net & 63) << 2) + end}/30`;

function yaml(s) {
  const lines = [`lab: bench`, 'nodes:'];
  const ifs = new Map(s.ns.map((x) => [x, []]));
  for (const l of s.links) {
    if (l.addr) ifs.get(l.a[0]).push([l.a[1], l.addr]);
    else {
      ifs.get(l.a[0]).push([l.a[1], p2p(l.net, 1)]);
      ifs.get(l.b[0]).push([l.b[1], p2p(l.net, 2)]);
    }
  }
  for (const x of s.ns) {
    lines.push(`  ${x}:`);
    if (s.sysctls.length > 0) lines.push(`    sysctls: { ${s.sysctls.map(([k, v]) => `${k}: ${v}`).join(', ')} }`);
    lines.push('    interfaces:');
    const list = ifs.get(x);
    if (list.length === 0) lines.pop();
    if (list.length === 0 && s.sysctls.length === 0) lines.pop(), lines.push(`  ${x}: {}`);
    for (const [i, a] of list) lines.push(`      ${i}: { addresses: [${a}] }`);
  }
  if (s.bridge) lines.push('bridges:', '  bb0: {}');
  lines.push('links:', ...s.links.map((l) => `  - endpoints: [${l.a[0] === 'host' ? 'host' : l.a[0]}:${l.a[1]}, ${l.master ?? l.b[0]}:${l.b[1]}]`));
  return lines.join('\n') + '\n';
}

/** The same work as `ip` commands: [namespace or 'host', words]. Phase 1 runs in the host, phase 2 per namespace. */
function ops(s) {
  const host = s.ns.map((x) => ['netns', 'add', x]);
  if (s.bridge) host.push(['link', 'add', 'name', 'bb0', 'type', 'bridge'], ['link', 'set', 'dev', 'bb0', 'up']);
  const per = new Map(s.ns.map((x) => [x, [['link', 'set', 'dev', 'lo', 'up']]]));
  for (const l of s.links) {
    if (l.b[0] === 'host') {
      host.push(['link', 'add', 'name', l.b[1], 'type', 'veth', 'peer', 'name', l.a[1], 'netns', l.a[0]], ['link', 'set', 'dev', l.b[1], 'master', l.master, 'up']);
      per.get(l.a[0]).push(['link', 'set', 'dev', l.a[1], 'up'], ['addr', 'add', l.addr, 'dev', l.a[1]]);
    } else {
      host.push(['link', 'add', 'name', l.a[1], 'netns', l.a[0], 'type', 'veth', 'peer', 'name', l.b[1], 'netns', l.b[0]]);
      per.get(l.a[0]).push(['link', 'set', 'dev', l.a[1], 'up'], ['addr', 'add', p2p(l.net, 1), 'dev', l.a[1]]);
      per.get(l.b[0]).push(['link', 'set', 'dev', l.b[1], 'up'], ['addr', 'add', p2p(l.net, 2), 'dev', l.b[1]]);
    }
  }
  // Sysctls as a script sets them: `ip netns exec`, after the namespace's batch.
  const after = new Map(s.ns.map((x) => [x, s.sysctls.map(([k, v]) => `ip netns exec ${x} sysctl -qw ${k}=${v}`)]));
  return { host, per, after };
}

function run(file, argv, input, cwd, onSpawn) {
  return new Promise((resolve, reject) => {
    const p = spawn(file, argv, { cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    onSpawn?.(p.pid);
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${argv.join(' ')}: ${code} ${err}`))));
    if (input !== undefined) p.stdin.end(input);
  });
}

const batchText = (list) => list.map((w) => w.join(' ')).join('\n') + '\n';

/**
 * The baselines are bash scripts, as a skilled person would write them (bash forks far more
 * cheaply than Node, so this is the harder comparison), generated into the bench directory.
 */
function script(name, body) {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/bash\nset -e\n${body}`);
  return (onSpawn) => run('bash', [path], undefined, undefined, onSpawn);
}

/** One batch file per namespace; host batch first, then the namespaces in 2 parallel streams. */
function batchedScript(s, { host, per, after }) {
  writeFileSync(join(dir, `${s.kind}-${s.ns.length}.host.batch`), batchText(host));
  const files = [...per].map(([ns, list]) => {
    const f = join(dir, `${s.kind}-${s.ns.length}.${ns}.batch`);
    writeFileSync(f, batchText(list));
    return [`ip -n ${ns} -batch ${f}`, ...after.get(ns)].join('\n');
  });
  const half = (k) => files.filter((_, i) => i % 2 === k).join('\n');
  return script(`${s.kind}-${s.ns.length}.apply.sh`, `ip -batch ${join(dir, `${s.kind}-${s.ns.length}.host.batch`)}\n(\n${half(0)}\n) &\n(\n${half(1)}\n) &\nwait\n`);
}

/** The usual script: one `ip` process per operation. */
function perOpScript(s, { host, per, after }) {
  const lines = [...host.map((w) => `ip ${w.join(' ')}`), ...[...per].flatMap(([ns, list]) => [...list.map((w) => `ip -n ${ns} ${w.join(' ')}`), ...after.get(ns)])];
  return script(`${s.kind}-${s.ns.length}.per-op.sh`, lines.join('\n') + '\n');
}

/** All of the lab's state, with -j, one process per namespace in 2 parallel streams. */
function readScript(s) {
  const f = join(dir, 'read.batch');
  writeFileSync(f, 'link show\naddr show\nroute show table all\n');
  const keys = s.sysctls.map(([k]) => k).join(' ');
  const half = (k) => s.ns.filter((_, i) => i % 2 === k).map((ns) => `ip -n ${ns} -j -d -batch ${f}${keys ? `\nip netns exec ${ns} sysctl ${keys}` : ''}`).join('\n');
  return script(`${s.kind}-${s.ns.length}.read.sh`, `ip -j -d -batch ${f} >/dev/null\n(\n${half(0)}\n) >/dev/null &\n(\n${half(1)}\n) >/dev/null &\nwait\n`);
}

/** The destroy's batch file, the script's and the Node floor's: the namespaces' dels (the kernel cascades), then the bridge. */
function destroyBatch(s) {
  const f = join(dir, `${s.kind}-${s.ns.length}.destroy.batch`);
  writeFileSync(f, batchText([...s.ns.map((x) => ['netns', 'del', x]), ...(s.bridge ? [['link', 'del', 'dev', 'bb0']] : [])]));
  return f;
}

/** The hand-written destroy: delete the namespaces (the kernel cascades), the bridge, then wait for host ends to go. */
function destroyScript(s) {
  const f = destroyBatch(s);
  return script(`${s.kind}-${s.ns.length}.destroy.sh`, `ip -batch ${f}\nwhile [ "$(ip -o link show | wc -l)" -gt 1 ]; do sleep 0.005; done\n`);
}

/**
 * The script's destroy started from Node: the same `ip -batch` of dels and the same wait for the
 * host's links, from a Node program that checks nothing (no ownership, no lock, no state read,
 * no output), started through the same `env -S` shebang as topo's bin. Against the script it
 * measures what Node's start alone adds to a destroy; topo against it, what topo adds on top.
 */
function nodeFloor(s) {
  const batch = destroyBatch(s);
  const path = join(dir, `${s.kind}-${s.ns.length}.floor.cjs`);
  const body = [
    "const { spawn } = require('node:child_process');",
    'const ip = (argv) =>',
    '  new Promise((resolve, reject) => {',
    "    let out = '';",
    "    const p = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'inherit'] });",
    "    p.stdout.on('data', (d) => (out += d));",
    "    p.on('error', reject);",
    "    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ip ${argv.join(' ')}: ${code}`))));",
    '  });',
    '(async () => {',
    `  await ip(['-batch', ${JSON.stringify(batch)}]);`,
    "  while ((await ip(['-o', 'link', 'show'])).trim().split('\\n').length > 1) await new Promise((r) => setTimeout(r, 5));",
    '})().catch((e) => {',
    '  console.error(e.message);',
    '  process.exit(1);',
    '});',
  ];
  writeFileSync(path, `#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node\n${body.join('\n')}\n`, { mode: 0o755 });
  return (onSpawn) => run(path, [], undefined, undefined, onSpawn);
}

/** Mininet, where installed: Debian's python3 (its package lives there) and a Linux bridge. */
const MININET = (() => {
  const py = '/usr/bin/python3';
  if (spawnSync(py, ['-c', 'import mininet.nodelib'], { stdio: 'ignore' }).status !== 0) return undefined;
  const path = join(dir, 'mininet-star.py');
  writeFileSync(
    path,
    [
      'import sys, time',
      'from mininet.net import Mininet',
      'from mininet.topo import SingleSwitchTopo',
      'from mininet.nodelib import LinuxBridge',
      'from mininet.log import setLogLevel',
      "setLogLevel('error')",
      'n = int(sys.argv[1])',
      't0 = time.time()',
      'net = Mininet(topo=SingleSwitchTopo(k=n), switch=LinuxBridge, controller=None)',
      'net.start()',
      't1 = time.time()',
      "ok = '1 received' in net.hosts[0].cmd('ping -c1 -W3 %s' % net.hosts[-1].IP())",
      'net.stop()',
      't2 = time.time()',
      "print('%.4f %.4f %s' % (t1 - t0, t2 - t1, ok))",
    ].join('\n') + '\n',
  );
  return (n) => {
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', py, path, String(n)], { encoding: 'utf8' });
    const [up, down, ok] = r.stdout.trim().split(' ');
    if (r.status !== 0 || ok !== 'True') throw new Error(`mininet star of ${n} failed (ping ${ok}): ${r.stderr}`);
    return { up: Number(up), down: Number(down) };
  };
})();

/**
 * A pause after every teardown, untimed: the kernel frees deleted namespaces in the background
 * (a workqueue), and whatever ran next would otherwise pay for it. A fixed 0.7 s was not always
 * enough (after Mininet's teardown of 200 hosts the CPUs stayed busy longer), so it waits until
 * the machine is idle: the CPUs at least 90% idle over 200 ms, from /proc/stat (at most 10 s).
 */
async function quiet() {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  await pause(200);
  for (const end = Date.now() + 10_000; Date.now() < end; ) {
    const a = sample();
    await pause(200);
    const b = sample();
    if (b.total > a.total && (b.idle - a.idle) / (b.total - a.total) >= 0.9) return;
  }
}

async function time(f) {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

/**
 * When the kernel was last seen tearing deleted namespaces down, or undefined. It does that in
 * the background, in its `netns` workqueue, and a kworker running that work is named
 * `kworker/...+netns` in /proc/PID/comm while it runs (Linux 4.17+): polled every millisecond
 * until none has been for 100 ms (gaps of up to 18 ms were seen within one teardown). So a
 * destroy's time runs until everything is gone on both sides, also where the host cannot see
 * it (a chain has no host ends): a 200-chain's `ip netns del` batch returned after 8-15 ms and
 * the kernel was done 150-183 ms after its start (3 runs).
 */
async function teardownSeen() {
  const kworkers = () =>
    readdirSync('/proc').filter((p) => {
      try {
        return /^\d+$/.test(p) && readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('kworker');
      } catch {
        return false;
      }
    });
  let pids = kworkers();
  let last;
  for (let polls = 0, quietSince = performance.now(); performance.now() - quietSince < 100; polls++) {
    if (polls % 20 === 19) pids = kworkers(); // the unbound pool starts and ends kworkers
    const busy = pids.some((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').includes('+netns');
      } catch {
        return false;
      }
    });
    if (busy) last = quietSince = performance.now();
    await new Promise((r) => setTimeout(r, 1));
  }
  return last;
}

/** A destroy's time: until it returned, or until the kernel's teardown was last seen, whichever is later. */
async function timeDestroy(f) {
  const t = performance.now();
  await f();
  const returned = performance.now();
  return (Math.max(returned, (await teardownSeen()) ?? 0) - t) / 1000;
}

/**
 * topo as a user runs it (the bin, through its shebang), timed as the scripts are (`run`: no
 * wrapper in front). Each build runs from its own checkout: the lab cache keeps one slot per
 * working directory and file, and a slot written by another build is a miss, so two builds
 * taking turns in one directory both parsed the lab on every apply (~0.1-0.25 s more at N = 200).
 */
async function topo(cmd, lab, cli = CLI, onSpawn) {
  const t = performance.now();
  await run(cli, [...cmd, lab], undefined, resolve(dirname(cli), '../..'), onSpawn);
  return (performance.now() - t) / 1000;
}

/**
 * topo's peak RSS in MB over an apply, a no-op plan and a destroy of the lab, from GNU time, in
 * a pass of its own that is not timed: until stop 23 every timed run went through
 * `/usr/bin/time`, one more process start billed to topo and not to the scripts (spawnSync of
 * /bin/true from the bench: 10.2 ms direct, 16.2 through `/usr/bin/time -f %M`, medians of 40).
 */
function peakMb(lab) {
  const mb = [['apply', '-y'], ['plan'], ['destroy', '-y']].map((cmd) => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', CLI, ...cmd, lab], { encoding: 'utf8', cwd: REPO });
    if (r.status !== 0) throw new Error(`topo ${cmd.join(' ')} failed: ${r.stderr}`);
    return Number(r.stderr.trim().split('\n').pop()) / 1024;
  });
  return Math.max(...mb);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (args.includes('--emit')) {
  // Writes the generated labs and stops, for profiling one of them by hand (in a sandbox).
  const to = opt('emit', dir);
  mkdirSync(to, { recursive: true });
  for (const kind of SHAPES) for (const n of SIZES) writeFileSync(join(to, `${kind}-${n}.yaml`), yaml(shape(kind, n)));
  console.log(`labs written to ${to}`);
  process.exit(0);
}

/**
 * --timeline: where a destroy's time goes, topo's `destroy -y` and the script's in turns, from
 * perf tracepoints recorded across the whole machine (-a) while each runs and until the kernel's
 * teardown is seen done: the command's exec, each `netns del` (`ip` calls umount2), the
 * command's exit, and the `netns` workqueue running cleanup_net. The Node floor (nodeFloor) takes
 * its turn too. Milliseconds after the exec, medians over --reps. Needs perf (Debian package
 * linux-perf) and root.
 */
async function traced(command) {
  const data = join(dir, 'timeline.data');
  const perf = spawn('perf', ['record', '-q', '-k', 'mono', '-a', '-o', data, '-e', 'sched:sched_process_exec', '-e', 'sched:sched_process_exit', '-e', 'syscalls:sys_enter_umount', '-e', 'workqueue:workqueue_execute_start', '-e', 'workqueue:workqueue_execute_end'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  perf.stderr.on('data', (d) => (said += d));
  let running = true;
  const stopped = new Promise((r) => perf.on('close', () => r((running = false))));
  await new Promise((r) => setTimeout(r, 500)); // perf has no signal for "recording"; it takes ~0.1-0.2 s here
  if (!running) throw new Error(`--timeline: perf record could not start (it needs root, not a user namespace): ${said.trim()}`);
  let pid;
  try {
    await command((p) => (pid = p));
    await teardownSeen();
  } finally {
    // Also when the command failed: a `perf record -a` left behind would record until stopped.
    perf.kill('SIGINT');
    await stopped;
  }
  const text = execFileSync('perf', ['script', '-i', data, '-F', 'comm,pid,time,event,trace'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  let t0, exit, first, last, teardown;
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+(\d+)\s+(\d+\.\d+):\s+([\w:]+):\s?(.*)$/.exec(line);
    if (!m) continue;
    const [, comm, p, sec, event, rest] = m;
    const t = Number(sec) * 1000;
    if (t0 === undefined) {
      if (event === 'sched:sched_process_exec' && Number(p) === pid) t0 = t;
      continue;
    }
    if (event === 'syscalls:sys_enter_umount' && comm === 'ip') (first ??= t), (last = t);
    else if (event === 'sched:sched_process_exit' && Number(p) === pid) exit = t;
    else if (event === 'workqueue:workqueue_execute_end' && rest.includes('cleanup_net')) teardown = t;
  }
  if (t0 === undefined || first === undefined) throw new Error('--timeline: perf saw no exec of the command or no netns del');
  return { first: first - t0, last: last - t0, exit: exit - t0, teardown: (teardown ?? last) - t0 };
}

if (args.includes('--timeline')) {
  if (spawnSync('perf', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error('--timeline needs perf (Debian package linux-perf)');
    process.exit(2);
  }
  process.on('uncaughtException', (e) => {
    console.error(e.message);
    process.exit(1);
  });
  const out = ['| lab | N | destroy by | first `netns del` | last | command exits | teardown done |', '| --- | ---: | --- | ---: | ---: | ---: | ---: |'];
  for (const kind of SHAPES) {
    for (const n of SIZES) {
      const s = shape(kind, n);
      const lab = join(dir, `${kind}-${n}.yaml`);
      writeFileSync(lab, yaml(s));
      const batched = batchedScript(s, ops(s));
      const destroyBaseline = destroyScript(s);
      const destroyFloor = nodeFloor(s);
      const seen = { topo: [], script: [], 'Node floor': [] };
      for (let r = 0; r < REPS; r++) {
        await topo(['apply', '-y'], lab);
        await quiet();
        seen.topo.push(await traced((onSpawn) => topo(['destroy', '-y'], lab, CLI, onSpawn)));
        await quiet();
        await batched();
        await quiet();
        seen.script.push(await traced(destroyBaseline));
        await quiet();
        await batched();
        await quiet();
        seen['Node floor'].push(await traced(destroyFloor));
        await quiet();
      }
      if (process.env.BENCH_RAW) console.error(kind, n, JSON.stringify(seen));
      for (const [who, xs] of Object.entries(seen)) {
        const m = (k) => median(xs.map((x) => x[k])).toFixed(0);
        out.push(`| ${kind} | ${n} | ${who} | ${m('first')} | ${m('last')} | ${m('exit')} | ${m('teardown')} |`);
      }
    }
  }
  console.log(`destroy timelines, ms after the command's exec, medians of ${REPS} (perf tracepoints)\n\n${out.join('\n')}`);
  process.exit(0);
}

const rows = [];
for (const kind of SHAPES) {
  for (const n of SIZES) {
    const s = shape(kind, n);
    const lab = join(dir, `${kind}-${n}.yaml`);
    writeFileSync(lab, yaml(s));
    const o = ops(s);
    const batched = batchedScript(s, o);
    const perOp = perOpScript(s, o);
    const readBatched = readScript(s);
    const destroyBaseline = destroyScript(s);
    const destroyFloor = nodeFloor(s);
    const t = { apply: [], plan: [], destroy: [], mem: [], bApply: [], bRead: [], bDestroy: [], nDestroy: [], perOp: [], mnUp: [], mnDown: [], oApply: [], oPlan: [], oDestroy: [] };
    const topoRound = async () => {
      t.apply.push(await topo(['apply', '-y'], lab));
      t.plan.push(await topo(['plan'], lab));
      t.bRead.push(await time(readBatched));
      t.destroy.push(await timeDestroy(() => topo(['destroy', '-y'], lab)));
      await quiet();
    };
    const scriptRound = async () => {
      t.bApply.push(await time(batched));
      t.bDestroy.push(await timeDestroy(destroyBaseline));
      await quiet();
      await batched();
      await quiet();
      t.nDestroy.push(await timeDestroy(destroyFloor));
      await quiet();
    };
    const otherRound = async () => {
      t.oApply.push(await topo(['apply', '-y'], lab, OTHER));
      t.oPlan.push(await topo(['plan'], lab, OTHER));
      t.oDestroy.push(await timeDestroy(() => topo(['destroy', '-y'], lab, OTHER)));
      await quiet();
    };
    const rounds = [topoRound, scriptRound, ...(OTHER ? [otherRound] : [])];
    for (let r = 0; r < REPS; r++) {
      // Turn about, so that no side always runs first after the previous repetition.
      for (let k = 0; k < rounds.length; k++) await rounds[(r + k) % rounds.length]();
      if (n <= 200 || r === 0) {
        t.perOp.push(await time(perOp));
        await destroyBaseline();
        await quiet();
      }
      if (MININET && kind === 'star') {
        const m = MININET(n);
        t.mnUp.push(m.up);
        t.mnDown.push(m.down);
        await quiet();
      }
    }
    t.mem.push(peakMb(lab));
    await quiet();
    if (process.env.BENCH_RAW) console.error(kind, n, JSON.stringify(t));
    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.length ? median(v) : undefined]));
    rows.push({ kind, n, links: s.links.length, ...m });
    console.error(`${kind} N=${n}: topo apply ${m.apply.toFixed(2)} s vs batched ${m.bApply.toFixed(2)} s`);
  }
}

const f = (x) => x.toFixed(2);
const out = [
  `topo ${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}, ${REPS} repetitions, medians in seconds; ratios are topo / baseline`,
  '',
  '| lab | N | topo apply | batched script | ratio | one ip per op | per-op / topo | topo plan (no-op) | batched read | ratio | topo destroy | script destroy | ratio | topo peak MB |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) =>
    `| ${r.kind} | ${r.n} | ${f(r.apply)} | ${f(r.bApply)} | ${f(r.apply / r.bApply)}× | ${f(r.perOp)} | ${f(r.perOp / r.apply)}× | ${f(r.plan)} | ${f(r.bRead)} | ${f(r.plan / r.bRead)}× | ${f(r.destroy)} | ${f(r.bDestroy)} | ${f(r.destroy / r.bDestroy)}× | ${r.mem.toFixed(0)} |`,
  ),
];
// Node's start is most of what keeps destroy from the script's time at N = 200 (README, Speed):
// the floor is the script's destroy started from Node (nodeFloor), so the reader sees how near
// any Node program can come, and how much of the rest is topo's own.
out.push(
  '',
  'destroy against the same script started from a Node program that checks nothing (the Node floor), medians in seconds',
  '',
  '| lab | N | topo destroy | Node floor | script destroy | floor / script | topo / floor |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.kind} | ${r.n} | ${f(r.destroy)} | ${f(r.nDestroy)} | ${f(r.bDestroy)} | ${f(r.nDestroy / r.bDestroy)}× | ${f(r.destroy / r.nDestroy)}× |`),
);
if (OTHER) {
  out.push(
    '',
    `The same rounds with another build of topo (--compare ${opt('compare')}); ratios are this build / that one`,
    '',
    '| lab | N | apply | other apply | ratio | plan | other plan | ratio | destroy | other destroy | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.kind} | ${r.n} | ${f(r.apply)} | ${f(r.oApply)} | ${f(r.apply / r.oApply)}× | ${f(r.plan)} | ${f(r.oPlan)} | ${f(r.plan / r.oPlan)}× | ${f(r.destroy)} | ${f(r.oDestroy)} | ${f(r.destroy / r.oDestroy)}× |`),
  );
}
const mn = rows.filter((r) => r.mnUp !== undefined);
if (mn.length > 0) {
  out.push(
    '',
    'Mininet (Linux bridge, no controller) on the same star, in the same run; ratios are Mininet / topo',
    '',
    '| N | Mininet up | topo apply | up ratio | Mininet down | topo destroy | down ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...mn.map((r) => `| ${r.n} | ${f(r.mnUp)} | ${f(r.apply)} | ${f(r.mnUp / r.apply)}× | ${f(r.mnDown)} | ${f(r.destroy)} | ${f(r.mnDown / r.destroy)}× |`),
  );
} else {
  out.push('', MININET ? 'Mininet: measured only on the star (--shapes without star).' : 'Mininet: not installed (Debian package mininet, with bridge-utils), not measured.');
}
out.push('', ...renderTargets(checkTargets(rows)));
console.log(out.join('\n'));
