import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { planSchemaValidator } from '../../src/config/load-plan.js';
import { REPO, nsArgs, sandboxUnavailable, useSandbox } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';

const EXAMPLES = ['examples/seed.yaml', 'examples/routed-chain.yaml', 'examples/switch.yaml', 'examples/dual-stack.yaml'];

describe.skipIf(sandboxUnavailable)('topo test and topo exec against a running lab', () => {
  const sandbox = useSandbox();

  it('a lab that stops forwarding fails its end-to-end tests, says why, and reports JSON and JUnit', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', 'examples/routed-chain.yaml')).exitCode).toBe(0);
    const good = await sb.topo('test', 'examples/routed-chain.yaml');
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^PASS {2}h1 reaches h2 end to end, through r: h2 \(10\.2\.0\.2\): reply in [\d.]+ ms$/m);
    expect(good.stdout).toMatch(/^6 passed, 0 failed \(/m);

    await sb.must(['ip', 'netns', 'exec', 'r', 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
    const dir = scratchDir('topo-junit-');
    const bad = await sb.topo('test', 'examples/routed-chain.yaml', '--json', '--junit', join(dir, 'junit.xml'));
    expect(bad.exitCode).toBe(1);
    const doc = JSON.parse(bad.stdout);
    expect(doc).toMatchObject({ format_version: 1, type: 'test', lab: 'chain', passed: 3, failed: 3 });
    const valid = planSchemaValidator();
    expect(valid(doc), JSON.stringify(valid.errors)).toBe(true);
    expect(doc.tests.map((t: { status: string }) => t.status)).toEqual(['fail', 'fail', 'fail', 'pass', 'pass', 'pass']);
    expect(doc.tests[0].detail).toMatch(/^h2 \(10\.2\.0\.2\): no reply within 1 s \(\d+ tries\)$/);
    // Human lines still go to stderr with --json.
    expect(bad.stderr).toMatch(/^FAIL {2}tcp h1 → h2:5201: h2 \(10\.2\.0\.2\) port 5201: /m);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite name="topo chain" tests="6" failures="3"/);
    expect(xml.match(/<failure /g)).toHaveLength(3);
  });

  it('refuses to test a lab that is not running, instead of failing for the wrong reason', async () => {
    const r = await sandbox().topo('test', 'examples/seed.yaml');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("lab 'seed' is not running here: namespaces ns0, ns1 do not exist");
  });

  it('exec runs argv (no shell) in a node and passes its exit code through; --all prefixes lines; unknown nodes get a did-you-mean', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', 'examples/seed.yaml')).exitCode).toBe(0);
    const addr = await sb.topo('exec', 'ns1', 'examples/seed.yaml', '--', 'ip', '-4', '-br', 'addr', 'show', 'dev', 'ceth1');
    expect(addr.stdout).toMatch(/^ceth1@\S+ +UP +10\.0\.0\.2\/24 *$/m);
    expect((await sb.topo('exec', 'ns0', 'examples/seed.yaml', '--', 'sh', '-c', 'exit 7')).exitCode).toBe(7);
    expect((await sb.topo('exec', 'ns0', 'examples/seed.yaml', '--', 'echo', '$(id)', ';', 'true')).stdout).toBe('$(id) ; true');
    const all = await sb.topo('exec', '--all', 'examples/seed.yaml', '--', 'ip', '-o', '-4', 'addr', 'show', 'scope', 'global');
    expect(all.exitCode).toBe(0);
    expect(all.stdout.split('\n').filter(Boolean).sort()).toEqual([expect.stringMatching(/^ns0 \| \d+: ceth0 +inet 10\.0\.0\.1\/24 /), expect.stringMatching(/^ns1 \| \d+: ceth1 +inet 10\.0\.0\.2\/24 /)]);
    const typo = await sb.topo('exec', 'nss1', 'examples/seed.yaml', '--', 'true');
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toContain("error[UNKNOWN_NODE]: 'nss1' is not a node of lab 'seed' (examples/seed.yaml)\n  hint: did you mean 'ns1'?");
  });
});

/**
 * topo as an unprivileged user would run it: a world-readable copy of the package (the clone may
 * live where nobody else can read), run as nobody when the suite runs as root.
 */
function installForNobody(): string {
  const dir = mkdtempSync(join(tmpdir(), 'topo-nobody-'));
  chmodSync(dir, 0o755);
  for (const p of ['package.json', 'dist', 'schemas', 'examples']) cpSync(join(REPO, p), join(dir, p), { recursive: true });
  const deps = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').slice(1);
  for (const d of deps) cpSync(d, join(dir, relative(REPO, d)), { recursive: true });
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  return dir;
}

const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];

/** Where the kernel refuses unprivileged user namespaces, there is nothing rootless to prove. */
const rootlessUnavailable = (() => {
  try {
    execFileSync(asNobody[0] ?? 'unshare', [...asNobody.slice(1), ...(asNobody.length ? ['unshare'] : []), '--user', '--map-root-user', '--net', 'true'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
})();

describe.skipIf(sandboxUnavailable || rootlessUnavailable)('rootless throwaway sandboxes: topo test --sandbox and topo sandbox, as an unprivileged user', () => {
  const sandbox = useSandbox();
  let pkg: string | undefined;
  const cli = () => join((pkg ??= installForNobody()), 'dist/cli/topo.cjs');
  afterAll(() => {
    if (pkg) rmSync(pkg, { recursive: true, force: true });
  });

  it.each(EXAMPLES)('%s: its tests pass in a sandbox, and the machine (here: our own sandbox) is unchanged', async (file) => {
    const sb = sandbox();
    const before = await sb.state();
    const r = await sb.run([...asNobody, process.execPath, cli(), 'test', join(pkg!, file), '--sandbox'], { env: { NO_COLOR: '1', HOME: '/tmp' } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed \(/m);
    expect(r.stderr).toMatch(/^Sandbox: lab '\S+' applied in [\d.]+ s/m);
    expect(await sb.state()).toEqual(before);
  });

  it('leaves nothing behind when tests fail, and topo sandbox runs a command beside the lab', async () => {
    const sb = sandbox();
    const before = await sb.state();
    const dir = scratchDir('topo-failing-');
    chmodSync(dir, 0o755);
    const lab = join(dir, 'lab.yaml');
    writeFileSync(lab, readFileSync(join(REPO, 'examples/seed.yaml'), 'utf8') + '  - name: nobody has this address\n    ping: { from: ns0, to: 10.0.0.99 }\n    timeout: 500ms\n');
    chmodSync(lab, 0o644);
    const failing = await sb.run([...asNobody, process.execPath, cli(), 'test', lab, '--sandbox'], { env: { NO_COLOR: '1', HOME: '/tmp' } });
    expect(failing.exitCode).toBe(1);
    expect(failing.stdout).toMatch(/^FAIL {2}nobody has this address: 10\.0\.0\.99: /m);
    expect(await sb.state()).toEqual(before);

    const inside = await sb.run([...asNobody, process.execPath, cli(), 'sandbox', lab, '--', 'ip', 'netns', 'list'], { env: { NO_COLOR: '1', HOME: '/tmp' } });
    expect(inside.exitCode, inside.stderr).toBe(0);
    expect(inside.stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean).sort()).toEqual(['ns0', 'ns1']);
    const code = await sb.run([...asNobody, process.execPath, cli(), 'sandbox', lab, '--', 'sh', '-c', 'exit 3'], { env: { HOME: '/tmp' } });
    expect(code.exitCode).toBe(3);
    // Run as the bin (its shebang): Node starts without NODE_EXTRA_CA_CERTS (it would warn that
    // this file cannot be read, as would the sandbox's topo, started again by topo), and the
    // user's command gets it back, spaces and all.
    const certs = '/nonexistent/topo test certs.pem';
    const env = await sb.run([...asNobody, cli(), 'sandbox', lab, '--', 'printenv', 'NODE_EXTRA_CA_CERTS'], { env: { HOME: '/tmp', NODE_EXTRA_CA_CERTS: certs } });
    expect(env.exitCode, env.stderr).toBe(0);
    expect(env.stdout.trim()).toBe(certs);
    expect(env.stderr).not.toMatch(/extra certs/i);
    expect(await sb.state()).toEqual(before);
  });

  it('Ctrl-C ends a sandbox at once and takes every process and namespace in it along', async () => {
    const sb = sandbox();
    const before = await sb.state();
    const marker = `${60 + Math.floor(Math.random() * 1000)}.5`;
    const p = execa('nsenter', [...nsArgs(sb.pid), ...asNobody, process.execPath, cli(), 'sandbox', join(pkg!, 'examples/seed.yaml'), '--', 'sleep', marker], { reject: false, env: { NO_COLOR: '1', HOME: '/tmp' } });
    await new Promise<void>((resolve) => p.stderr!.on('data', (d: Buffer) => d.toString().includes('Running sleep') && resolve()));
    const sleeping = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((l) => l.trim() === `sleep ${marker}`);
    expect(sleeping()).toBe(true);
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode).toBe(130);
    expect(sleeping()).toBe(false);
    expect(await sb.state()).toEqual(before);
  });
});
