import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { beginEarlyDestroy, dropEarlyDestroy, takeEarlyDestroy, type EarlyDeps } from '../../src/cli/early-destroy.js';
import { loadLabCached } from '../../src/config/lab-cache.js';
import type { Exec, ExecResult } from '../../src/driver/ip-driver.js';
import { writeRecord } from '../../src/lock/netns-record.js';
import { scratchDir } from '../support/scratch.js';

/** A scratch machine: seed.yaml cached as a user's earlier run left it, and its namespaces recorded. */
async function machine(there: Record<string, string> = { ns0: '10:1', ns1: '11:2' }) {
  const d = scratchDir('topo-early-test-');
  const file = join(d, 'lab.yaml');
  writeFileSync(file, readFileSync('examples/seed.yaml', 'utf8'));
  const cache = { dir: join(d, 'cache'), build: 'b1' };
  await loadLabCached(file, cache);
  const lockDir = join(d, 'run');
  writeRecord('seed', new Map([['ns0', '10:1'], ['ns1', '11:2']]), lockDir);
  const calls: { file: string; args: readonly string[]; input: string; outFile?: string }[] = [];
  let end: ((r: ExecResult) => void) | undefined;
  const exec: Exec = (f, args, input, opts) => {
    calls.push({ file: f, args, input: input as string, ...(opts?.outFile !== undefined ? { outFile: opts.outFile } : {}) });
    return new Promise((r) => (end = r));
  };
  ends.push(() => end?.({ exitCode: 0, stdout: '', stderr: '' }));
  const deps: EarlyDeps = { exec, lockDir, cache, identities: () => new Map(Object.entries(there)), privileged: true };
  return { file, lockDir, deps, calls, end: (r: ExecResult = { exitCode: 0, stdout: '', stderr: '' }) => end!(r), locked: () => existsSync(join(lockDir, 'seed.lock')) };
}

/** Every scripted `ip` ends, and what no test took over is let go of. */
const ends: (() => void)[] = [];
afterEach(async () => {
  for (const end of ends.splice(0)) end();
  await dropEarlyDestroy();
});

describe("destroy -y's head start, begun by the bin (src/cli/early-destroy.ts)", () => {
  it('deletes the recorded namespaces in one `ip` after the host read, holds the lock, and is taken over once', async () => {
    const m = await machine();
    beginEarlyDestroy(['destroy', '-y', m.file], m.deps);
    expect(m.calls).toEqual([
      { file: 'ip', args: ['-j', '-d', '-batch', '-'], input: 'link show\naddr show\nroute show table all\nnetns list-id\nnetns del ns0\nnetns del ns1\n', outFile: `${m.lockDir}/seed.head.json` },
    ]);
    expect(m.locked()).toBe(true);
    const e = await takeEarlyDestroy(m.file, 'seed');
    expect(e?.own).toEqual(new Map([['ns0', '10:1'], ['ns1', '11:2']]));
    expect(await takeEarlyDestroy(m.file, 'seed')).toBeUndefined();
    e!.release();
    expect(m.locked()).toBe(false);
  });

  it.each([
    ['no -y', ['destroy', 'LAB']],
    ['apply', ['apply', '-y', 'LAB']],
    ['--lab', ['destroy', '-y', '--lab', 'seed']],
    ['a usage error', ['destroy', '-y', '--bogus', 'LAB']],
  ])('begins nothing and takes no lock for %s', async (_, argv) => {
    const m = await machine();
    beginEarlyDestroy(argv.map((a) => (a === 'LAB' ? m.file : a)), m.deps);
    expect(m.calls).toEqual([]);
    expect(m.locked()).toBe(false);
  });

  it('takes the same forms the parser does: options in any order, --auto-approve', async () => {
    for (const argv of [['destroy', 'LAB', '--auto-approve'], ['-y', 'destroy', 'LAB']]) {
      const m = await machine();
      beginEarlyDestroy(argv.map((a) => (a === 'LAB' ? m.file : a)), m.deps);
      expect(m.calls, argv.join(' ')).toHaveLength(1);
      m.end();
      await dropEarlyDestroy();
      expect(m.locked()).toBe(false);
    }
  });

  it('begins nothing without privileges, with TOPO_FAULT, or for a file the cache does not know as it is', async () => {
    const m = await machine();
    beginEarlyDestroy(['destroy', '-y', m.file], { ...m.deps, privileged: false });
    process.env.TOPO_FAULT = 'fail:1';
    try {
      beginEarlyDestroy(['destroy', '-y', m.file], m.deps);
    } finally {
      delete process.env.TOPO_FAULT;
    }
    writeFileSync(m.file, `${readFileSync(m.file, 'utf8')}# edited\n`);
    beginEarlyDestroy(['destroy', '-y', m.file], m.deps);
    expect(m.calls).toEqual([]);
    expect(m.locked()).toBe(false);
  });

  it("leaves it all to the command where a namespace would need a read, or none is the lab's: the lock is let go", async () => {
    for (const there of [{ ns0: '10:1', ns1: '11:2', other: '12:3' }, { ns0: '10:1', ns1: '99:9' }, {}]) {
      const m = await machine(there);
      beginEarlyDestroy(['destroy', '-y', m.file], m.deps);
      expect(m.calls, JSON.stringify(there)).toEqual([]);
      expect(m.locked()).toBe(false);
    }
  });

  it('takes only the namespaces a record proves the lab own, not those another lab recorded', async () => {
    const m = await machine({ ns0: '10:1', ns1: '11:2', x0: '20:1' });
    writeRecord('other', new Map([['x0', '20:1']]), m.lockDir);
    beginEarlyDestroy(['destroy', '-y', m.file], m.deps);
    expect(m.calls[0]!.input).toMatch(/netns list-id\nnetns del ns0\nnetns del ns1\n$/);
  });

  it('does not wait for a lock someone holds, and leaves it alone', async () => {
    const m = await machine();
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const holder = JSON.stringify({ pid: process.pid, start: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19], command: 'topo apply', since: 'now' });
    writeFileSync(join(m.lockDir, 'seed.lock'), holder);
    beginEarlyDestroy(['destroy', '-y', m.file], m.deps);
    expect(m.calls).toEqual([]);
    expect(readFileSync(join(m.lockDir, 'seed.lock'), 'utf8')).toBe(holder);
  });

  it('one for another lab (the file changed meanwhile) is let finish, and only then its lock goes', async () => {
    const m = await machine();
    beginEarlyDestroy(['destroy', '-y', m.file], m.deps);
    let taken: unknown = 'pending';
    const take = takeEarlyDestroy(m.file, 'renamed').then((e) => (taken = e));
    await new Promise((r) => setTimeout(r, 20));
    expect(taken).toBe('pending');
    expect(m.locked()).toBe(true);
    m.end();
    await take;
    expect(taken).toBeUndefined();
    expect(m.locked()).toBe(false);
  });
});
