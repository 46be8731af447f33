import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSchemaValidator } from '../../src/config/load-plan.js';
import { sandboxUnavailable, useSandbox, type Run } from '../support/sandbox.js';
import { scratchDir } from '../support/scratch.js';
import { star } from '../support/labs.js';

const SEED = 'examples/seed.yaml';

/** Parses stdout as one JSON document and checks it against schemas/plan.schema.json. */
function json(r: Run): any {
  const doc = JSON.parse(r.stdout);
  const v = planSchemaValidator();
  expect(v(doc), JSON.stringify(v.errors)).toBe(true);
  return doc;
}

function tmp(): string {
  return scratchDir('topo-auto-');
}

describe.skipIf(sandboxUnavailable)('automation: exit codes, JSON, saved plans, locking, ls, destroy --lab', () => {
  const sandbox = useSandbox();

  it('plan --detailed-exitcode: 2 with changes, 0 without, 1 on error; drift likewise', async () => {
    const sb = sandbox();
    expect((await sb.topo('plan', '--detailed-exitcode', SEED)).exitCode).toBe(2);
    expect((await sb.topo('plan', SEED)).exitCode).toBe(0);
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    expect((await sb.topo('plan', '--detailed-exitcode', SEED)).exitCode).toBe(0);
    expect((await sb.topo('drift', '--detailed-exitcode', SEED)).exitCode).toBe(0);
    await sb.must(['ip', '-n', 'ns0', 'link', 'set', 'ceth0', 'down']);
    expect((await sb.topo('drift', '--detailed-exitcode', SEED)).exitCode).toBe(2);
    expect((await sb.topo('drift', SEED)).exitCode).toBe(0);
    expect((await sb.topo('plan', '--detailed-exitcode', 'test/golden/parse/errors/unknown-keys.yaml')).exitCode).toBe(1);
  });

  it('prints JSON that validates against the schema for plan, apply, show, drift, ls, destroy and errors', async () => {
    const sb = sandbox();
    const plan = json(await sb.topo('plan', '--json', SEED));
    expect(plan).toMatchObject({ type: 'plan', lab: 'seed', mode: 'apply', summary: { add: 8, change: 0, destroy: 0 } });
    expect(plan.changes[0]).toMatchObject({ address: 'netns/ns0', kind: 'netns', action: 'create', before: null, origin: { file: SEED, line: 5, col: 3 } });

    const apply = await sb.topo('apply', '-y', '--json', SEED);
    expect(apply.exitCode).toBe(0);
    expect(json(apply)).toMatchObject({ type: 'apply', outcome: 'applied', failure: null });
    expect(apply.stderr).toMatch(/Apply complete: 8 added/); // humans still see it, on stderr

    const show = json(await sb.topo('show', '--json', SEED));
    expect(show.interfaces).toContainEqual({ node: 'ns0', name: 'ceth0', kind: 'veth', up: true, mtu: 1500, peer: 'host:veth0', master: null, addresses: ['10.0.0.1/24'], in_file: true });
    expect(show.interfaces).toContainEqual(expect.objectContaining({ node: 'host', name: 'veth0', master: 'br0' }));

    await sb.must(['ip', '-n', 'ns0', 'addr', 'add', '10.0.0.99/24', 'dev', 'ceth0']);
    const drift = json(await sb.topo('drift', '--json', SEED));
    expect(drift.items).toEqual([
      { address: 'address/ns0/ceth0/10.0.0.99/24', resource: 'address 10.0.0.99/24 on ns0:ceth0', kind: 'unexpected', attribute: null, file_wants: 'absent', kernel_has: 'present' },
    ]);
    expect(json(await sb.topo('ls', '--json'))).toEqual({ format_version: 1, type: 'ls', labs: [{ lab: 'seed', namespaces: 2, links: 5 }] });
    expect(json(await sb.topo('apply', '-y', '--json', SEED))).toMatchObject({ outcome: 'applied', summary: { destroy: 1 } });
    expect(json(await sb.topo('apply', '-y', '--json', SEED))).toMatchObject({ outcome: 'no-changes', changes: [] });

    const destroy = json(await sb.topo('destroy', '-y', '--json', SEED));
    // ns0 and ns1 are known by their recorded identity: listed with all they hold, not item by item.
    expect(destroy).toMatchObject({ type: 'destroy', mode: 'destroy', outcome: 'applied', summary: { destroy: 6 } });
    const error = await sb.topo('plan', '--json', 'test/golden/parse/errors/unknown-keys.yaml');
    expect(error.exitCode).toBe(1);
    expect(json(error).diagnostics[0]).toMatchObject({ code: 'UNKNOWN_KEY', line: 2, col: 1, hint: "did you mean 'nodes'?" });
  });

  it('a JSON plan larger than a pipe holds comes out whole (topo leaves with process.exit only once its output is out)', async () => {
    const sb = sandbox();
    const lab = join(scratchDir('topo-'), 'big.yaml');
    writeFileSync(lab, star('big', 250, '10.73', 24));
    const r = await sb.topo('plan', '--json', lab);
    expect(r.exitCode, r.stderr).toBe(0);
    // More than a pipe (64 KiB) or the socket pair Node gives a child for stdout (~208 KiB) holds.
    expect(r.stdout.length).toBeGreaterThan(400_000);
    expect(json(r)).toMatchObject({ type: 'plan', lab: 'big', summary: { add: 751 } });
  });

  it('a saved plan applies exactly once; a hand-made change since makes it stale, and the kernel stays untouched', async () => {
    const sb = sandbox();
    const p1 = join(tmp(), 'p1.json');
    expect((await sb.topo('plan', '--out', p1, SEED)).exitCode).toBe(0);
    expect(json({ exitCode: 0, stdout: readFileSync(p1, 'utf8'), stderr: '' })).toMatchObject({ type: 'plan' });
    const ok = await sb.topo('apply', p1);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Apply complete: 8 added/);
    const twice = await sb.topo('apply', p1);
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toMatch(/saved plan .* is stale: the kernel changed since the plan was made/);

    const p2 = join(tmp(), 'p2.json');
    expect((await sb.topo('plan', '--destroy', '--out', p2, SEED)).exitCode).toBe(0);
    await sb.must(['ip', 'link', 'set', 'veth0', 'mtu', '1400']); // a hand-made change
    const before = await sb.state();
    const stale = await sb.topo('apply', p2);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/is stale: the kernel changed/);
    expect(await sb.state()).toEqual(before);
  });

  it('a saved plan is refused when the lab file changed since', async () => {
    const sb = sandbox();
    const dir = tmp();
    const lab = join(dir, 'lab.yaml');
    copyFileSync(SEED, lab);
    const p = join(dir, 'p.json');
    expect((await sb.topo('plan', '--out', p, lab)).exitCode).toBe(0);
    writeFileSync(lab, readFileSync(lab, 'utf8').replace('10.0.0.2/24', '10.0.0.3/24'));
    const before = await sb.state();
    const r = await sb.topo('apply', p);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/is stale: the lab file .*lab\.yaml changed since the plan was made/);
    expect(await sb.state()).toEqual(before);
  });

  it('two concurrent applies of one lab: exactly one proceeds, the other names the holder', async () => {
    const sb = sandbox();
    const lab = join(tmp(), 'big.yaml');
    const n = 30;
    writeFileSync(
      lab,
      `lab: big\nnodes:\n${Array.from({ length: n }, (_, i) => `  n${i}:\n    interfaces:\n      eth0: { addresses: [10.60.${i}.1/24] }\n`).join('')}` +
        `bridges:\n  bb0: {}\nlinks:\n${Array.from({ length: n }, (_, i) => `  - endpoints: [n${i}:eth0, bb0:p${i}]\n`).join('')}`,
    );
    const [a, b] = await Promise.all([sb.topo('apply', '-y', lab), sb.topo('apply', '-y', lab)]);
    const winners = [a, b].filter((r) => r.exitCode === 0);
    const losers = [a, b].filter((r) => r.exitCode !== 0);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.stdout).toMatch(/Apply complete: \d+ added/);
    expect(losers).toHaveLength(1);
    expect(losers[0]!.stderr).toMatch(/lab 'big' is locked by pid \d+ \(topo apply, since /);
    expect((await sb.topo('plan', lab)).stdout).toMatch(/^No changes\./m);
  });

  it("a live holder's lock stops destroy before it changes anything", async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    // This test's own process plays the live holder (lock.ts tells one by its pid and start time).
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    await sb.run(['tee', '/run/topo/seed.lock'], { input: JSON.stringify({ pid: process.pid, start, command: 'topo apply', since: 'now' }) });
    const before = await sb.state();
    const d = await sb.topo('destroy', '-y', SEED);
    expect(d.exitCode).toBe(1);
    expect(d.stderr).toMatch(/lab 'seed' is locked by pid \d+ \(topo apply, since now\)/);
    expect(await sb.state()).toEqual(before);
    await sb.must(['rm', '/run/topo/seed.lock']);
    const gone = await sb.topo('destroy', '-y', SEED);
    expect(gone.exitCode, gone.stderr).toBe(0);
    expect(gone.stdout).toMatch(/Destroy complete: 6 destroyed\./);
  });

  it('takes over a lock left by a dead process', async () => {
    const sb = sandbox();
    await sb.must(['mkdir', '-p', '/run/topo']);
    // A pid that cannot be alive with that start time.
    await sb.run(['tee', '/run/topo/seed.lock'], { input: JSON.stringify({ pid: 999999, start: '1', command: 'topo apply', since: 'then' }) });
    const r = await sb.topo('apply', '-y', SEED);
    expect(r.exitCode, r.stderr).toBe(0);
    // Released afterwards (what stays is the lab cache and the lab's namespace record).
    expect((await sb.run(['ls', '/run/topo'])).stdout.split('\n').filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('ls lists the labs by their marks; destroy --lab removes exactly that lab without its file', async () => {
    const sb = sandbox();
    expect((await sb.topo('apply', '-y', 'examples/routed-chain.yaml')).exitCode).toBe(0);
    const withChain = await sb.state();
    expect((await sb.topo('apply', '-y', SEED)).exitCode).toBe(0);
    expect((await sb.topo('ls')).stdout).toBe('LAB    NAMESPACES  LINKS\nchain  3           4\nseed   2           5');
    const d = await sb.topo('destroy', '-y', '--lab', 'seed');
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/Destroy complete: 6 destroyed\./);
    expect(await sb.state()).toEqual(withChain);
    expect((await sb.topo('ls')).stdout).toBe('LAB    NAMESPACES  LINKS\nchain  3           4');
  });
});
