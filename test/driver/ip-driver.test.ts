import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { explainIpError } from '../../src/driver/classify.js';
import fc from 'fast-check';
import { IpDriver, JsonLines, NSENTER_FROM, batchLine, defaultEntry, enteredOutcomes, gnuXargs, onPath, sysctlAnswers, sysctlFailures, withSysctls, parseJsonLines, scratchBase, spawnExec, stopRunning, type Exec } from '../../src/driver/ip-driver.js';
import { tmpdir } from 'node:os';
import { scratchDir } from '../support/scratch.js';

describe('batchLine', () => {
  it('joins words and quotes the ones with single spaces', () => {
    expect(batchLine(['netns', 'exec', 'r', 'sysctl', '-w', 'net.ipv4.ping_group_range=0 2147483647'])).toBe('netns exec r sysctl -w "net.ipv4.ping_group_range=0 2147483647"');
  });
  it.each([['a"b'], ["a'b"], ['a\\b'], ['a#b'], ['a\nb'], [''], [' a'], ['a  b']])('refuses %j, which ip -batch would misparse', (w) => {
    expect(() => batchLine(['link', 'set', w])).toThrow(/refusing/);
  });
});

describe('parseJsonLines', () => {
  it('reads one JSON document per line', () => {
    expect(parseJsonLines('[{"a":1}]\n[]\n')).toEqual([[{ a: 1 }], []]);
  });
  it('survives names with raw control characters, which ip -j does not escape', () => {
    const out = parseJsonLines('[{"ifname":"rz\x01x"},{"ifname":"rz\\"q"}]\n');
    expect(out[0]).toEqual([{ ifname: 'rz\x01x' }, { ifname: 'rz"q' }]);
  });
  it('escapes only the lines that need it, and keeps every document in order', () => {
    expect(parseJsonLines('[{"a":"x\x1fy"}]\n[{"b":"del\x7f"}]\n\n[{"c":"\x0b"}]\n')).toEqual([[{ a: 'x\x1fy' }], [{ b: 'del\x7f' }], [{ c: '\x0b' }]]);
  });
});

describe('JsonLines', () => {
  const text = '[{"ifname":"lo"}]\n[]\n\n[{"ifname":"rz\x01x","alias":"ünï"}]\n[{"a":1}]';
  it('gives the documents parseJsonLines gives, wherever the output is cut into chunks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 6 }), (cuts) => {
        const r = new JsonLines();
        let from = 0;
        for (const at of [...cuts].sort((a, b) => a - b)) {
          r.push(text.slice(from, at));
          from = at;
        }
        r.push(text.slice(from));
        expect(r.end()).toEqual(parseJsonLines(text));
      }),
    );
  });
  it('says null when a document is broken, and keeps the lines that are no document apart', () => {
    const r = new JsonLines();
    r.push('[]\n[{"a":\n[]\n');
    expect(r.end()).toBeNull();
    const mixed = new JsonLines();
    mixed.push('[1]\nnet.ipv4.ip_forward = 1\n[2]\nkernel.ostype = Linux\n');
    expect(mixed.end()).toEqual([[1], [2]]);
    expect(mixed.texts).toEqual(['net.ipv4.ip_forward = 1', 'kernel.ostype = Linux']);
  });
  it("parses a real process's output as it comes, a multibyte character split across writes included", async () => {
    const child = `const w=(s)=>new Promise((r)=>process.stdout.write(s,()=>setTimeout(r,20)));(async()=>{await w('[{"a":"\\u00fc"}]\\n[{"b":"');await w(Buffer.from([0xc3]));await w(Buffer.from([0xbc]));await w('"}]\\n');})()`;
    const r = await spawnExec(process.execPath, ['-e', child], undefined, { json: true });
    expect(r).toMatchObject({ exitCode: 0, stdout: '', docs: [[{ a: 'ü' }], [{ b: 'ü' }]] });
  });
});

describe('stopRunning', () => {
  it('ends what spawnExec started in a process group of its own, with the whole group', async () => {
    const started = performance.now();
    const child = spawnExec(process.execPath, ['-e', "require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'inherit' }); setTimeout(() => {}, 5000)"], undefined, { ownGroup: true });
    await new Promise((r) => setTimeout(r, 300));
    stopRunning();
    // The grandchild holds the output pipes: the result comes only once it is gone too.
    expect(await child).toMatchObject({ exitCode: 143 });
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('spawnExec', () => {
  // Only the timers: the processes and their pipes run for real.
  const fakeTimers = () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
  };
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };

  it('leaves no timer behind for a program that is not there (Node\'s own `timeout` option did, for its whole length)', async () => {
    fakeTimers();
    await expect(spawnExec('no-such-program-topo', [], undefined, { timeoutMs: 60_000 })).rejects.toThrow(/no-such-program-topo not found/);
    await settle();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes the output a process wrote to its outFile (more than a pipe holds), as from a pipe, and removes the file', async () => {
    const dir = scratchDir('topo-out-');
    const child = "for (let i = 0; i < 3000; i++) process.stdout.write(JSON.stringify([{ i, pad: 'x'.repeat(40) }]) + '\\n'); process.stdout.write('kernel.ostype = Linux\\n')";
    const r = await spawnExec(process.execPath, ['-e', child], undefined, { json: true, outFile: join(dir, 'o.json') });
    expect(r).toMatchObject({ exitCode: 0, stdout: '', texts: ['kernel.ostype = Linux'] });
    expect(r.docs).toHaveLength(3000);
    expect(r.docs![2999]).toEqual([{ i: 2999, pad: 'x'.repeat(40) }]);
    const text = await spawnExec(process.execPath, ['-e', "process.stdout.write('plain')"], undefined, { outFile: join(dir, 't.out') });
    expect(text.stdout).toBe('plain');
    expect(readdirSync(dir)).toEqual([]);
    // A file that cannot be made (its directory gone): a pipe, as ever.
    const piped = await spawnExec(process.execPath, ['-e', "process.stdout.write('[1]\\n')"], undefined, { json: true, outFile: join(dir, 'gone', 'o.json') });
    expect(piped.docs).toEqual([[1]]);
  });

  it('ends a process that outlives its time, and clears the timer of one that does not', async () => {
    fakeTimers();
    const done = await spawnExec(process.execPath, ['-e', ''], undefined, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ exitCode: 0 });
    expect(vi.getTimerCount()).toBe(0);
    const long = spawnExec(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], undefined, { timeoutMs: 200 });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(await long).toMatchObject({ exitCode: 143 });
  });
});

describe('scratchBase', () => {
  it('puts batch files on the tmpfs /dev/shm unless TMPDIR names a place, and falls back to the temporary directory', () => {
    const shm = scratchDir('topo-shm-');
    vi.stubEnv('TMPDIR', '');
    onTestFinished(() => void vi.unstubAllEnvs());
    expect(scratchBase(shm)).toBe(shm);
    expect(scratchBase(`${shm}/missing`)).toBe(tmpdir());
    vi.stubEnv('TMPDIR', shm);
    expect(scratchBase('/dev/shm')).toBe(tmpdir());
    expect(tmpdir()).toBe(shm);
  });
});

describe('explainIpError', () => {
  it('puts ip errors in plain words with a hint', () => {
    expect(explainIpError('RTNETLINK answers: File exists\nCommand failed -:2\n')).toEqual({
      message: 'an object with that name already exists (RTNETLINK answers: File exists)',
      hint: 'run `topo plan` to see who owns it',
    });
    expect(explainIpError('Error: Unknown device type.').message).toMatch(/kernel lacks this kind of link/);
    expect(explainIpError('something new').message).toBe('something new');
  });
});

/** A scripted `ip`: answers by argv, records every call. */
/** A driver whose scratch directory goes when the test ends. */
/** A driver whose shares use `netns exec` lines unless a test asks for xargs (entry). */
function driver(opts: ConstructorParameters<typeof IpDriver>[0]): IpDriver {
  const d = new IpDriver({ entry: false, ...opts });
  onTestFinished(() => d.dispose());
  return d;
}

function scripted(answers: (argv: readonly string[], input?: string) => { exitCode?: number; stdout?: string; stderr?: string }) {
  const calls: { file: string; argv: readonly string[]; input?: string; outFile?: string }[] = [];
  const exec: Exec = async (file, argv, given, opts) => {
    expect(['ip', 'xargs', 'nsenter']).toContain(file);
    // A prepared wave's process gets its input later, when runBatches runs the wave.
    const input = await given;
    calls.push({ file, argv, ...(input !== undefined ? { input } : {}), ...(opts?.outFile !== undefined ? { outFile: opts.outFile } : {}) });
    const a = answers(argv, input);
    return { exitCode: a.exitCode ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
  };
  return { exec, calls };
}

const NS_READ = '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"]}]\n[]\n[]\n[]\n';
/** What a share prints for its input: the host's own read lines one document each, then each child's read. */
const shareOutput = (input: string) =>
  input
    .trim()
    .split('\n')
    .map((l) => (l.startsWith('netns exec') || l.startsWith('-') ? (l.endsWith('read-nsids.batch') ? NS_READ : NS_READ_NO_IDS) : l === 'link show' ? '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"]}]\n' : '[]\n'))
    .join('');
/** The same read without nsids: three documents. */
const NS_READ_NO_IDS = '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"]}]\n[]\n[]\n';

describe('IpDriver', () => {
  it('reads each namespace with one ip -j -d -batch process, and reports strays and vanished ones', async () => {
    const { exec, calls } = scripted((argv) => {
      if (argv[1] === 'junk') return { exitCode: 255, stderr: 'setting the network namespace "junk" failed: Invalid argument\n' };
      if (argv[1] === 'gone') return { exitCode: 255, stderr: 'Cannot open network namespace "gone": No such file or directory\n' };
      return { stdout: NS_READ };
    });
    const snap = await driver({ exec, listNetns: () => ['b', 'junk', 'gone', 'a'] }).snapshot();
    expect(snap.namespaces.map((n) => n.ns)).toEqual(['host', 'a', 'b']);
    expect(snap.strays).toEqual([{ name: 'junk', reason: 'is not a usable network namespace (setting the network namespace "junk" failed: Invalid argument)' }]);
    const reads = calls.filter((c) => c.input);
    expect(reads.map((c) => c.argv.join(' '))).toContain('-n a -j -d -batch -');
    expect(calls.filter((c) => c.outFile)).toEqual([]); // no fan-out, no scratch directory: pipes
    expect(reads[0]!.input).toBe('link show\naddr show\nroute show table all\nnetns list-id\n');
  });

  it("tells which host interfaces still exist from /proc/self/net/dev, without a process; elsewhere it asks ip", async () => {
    const netDev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:   12772     116    0    0    0     0          0         0    12772     116    0    0    0     0       0          0',
      'p1-long-name0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
      '',
    ].join('\n');
    const { exec, calls } = scripted(() => ({ stdout: '[{"ifindex":2,"ifname":"x"}]\n' }));
    const d = driver({ exec, readNetDev: () => netDev });
    expect(await d.existing('host', ['p0', 'p1-long-name0', 'lo'])).toEqual(['p1-long-name0', 'lo']);
    expect(calls).toHaveLength(0);
    expect(await d.existing('ns0', ['x', 'y'])).toEqual(['x']);
    expect(calls.map((c) => c.argv.join(' '))).toEqual(['-n ns0 -j link show']);
    // Without procfs, the host is asked through ip as well.
    expect(await driver({ exec, readNetDev: () => undefined }).existing('host', ['x'])).toEqual(['x']);
  });

  it('probes link kinds inside a scratch namespace, and the host nsid apply gives a new namespace from the host', async () => {
    const { exec, calls } = scripted((argv) => (argv[1] === 'set' ? { exitCode: 255, stderr: 'Invalid "netnsid" value\n' } : {}));
    const failed = await driver({ exec }).probeKinds(['veth', 'nsid']);
    expect(failed).toEqual([{ kind: 'nsid', error: 'Invalid "netnsid" value' }]);
    const scratch = `topo-probe-${process.pid}`;
    expect(calls.map((c) => c.argv.join(' '))).toEqual([
      `netns add ${scratch}`,
      `-n ${scratch} link add name probe0 type veth peer name probe1`,
      `netns set ${scratch} auto`,
      `netns del ${scratch}`,
    ]);
  });

  it("runs a head start's lines after the host's read, in the same process, and numbers a failure as the lines' own", async () => {
    const stderr = 'Cannot remove namespace file "/run/netns/b": No such file or directory\nCommand failed -:6\n';
    const { exec, calls } = scripted(() => ({ exitCode: 1, stdout: NS_READ, stderr }));
    const { read, ran } = driver({ exec }).readHostThen([
      ['netns', 'del', 'a'],
      ['netns', 'del', 'b'],
    ]);
    expect(await read).toMatchObject({ namespaces: [{ ns: 'host', links: [{ ifname: 'lo' }], nsids: [] }], strays: [], only: new Set(['host']) });
    expect(await ran).toEqual({ exitCode: 1, failedLine: 2, stderr });
    expect(calls).toEqual([{ file: 'ip', argv: ['-j', '-d', '-batch', '-'], input: 'link show\naddr show\nroute show table all\nnetns list-id\nnetns del a\nnetns del b\n' }]);
  });

  it('fails a head start whose read failed, and says that none of its lines ran', async () => {
    const { exec } = scripted(() => ({ exitCode: 1, stdout: '[]\n', stderr: 'Error: something\nCommand failed -:2\n' }));
    const { read, ran } = driver({ exec }).readHostThen([['netns', 'del', 'a']]);
    await expect(read).rejects.toThrow(/cannot read the host's links: Error: something/);
    expect(await ran).toMatchObject({ notRun: true });
  });

  it("hands a head start's read over as soon as its documents are in, while its lines still run", async () => {
    let finish!: () => void;
    const exec: Exec = async (_file, _argv, _input, opts) => {
      for (const line of NS_READ.trim().split('\n')) opts!.onDoc!(JSON.parse(line));
      await new Promise<void>((r) => (finish = r));
      return { exitCode: 0, stdout: '', stderr: '', docs: NS_READ.trim().split('\n').map((l) => JSON.parse(l)) };
    };
    const { read, ran } = driver({ exec }).readHostThen([['netns', 'del', 'a']]);
    let done = false;
    void ran.then(() => (done = true));
    expect((await read).namespaces[0]!.links).toEqual([{ ifindex: 1, ifname: 'lo', flags: ['LOOPBACK'] }]);
    expect(done).toBe(false);
    finish();
    expect(await ran).toEqual({ exitCode: 0, stderr: '' });
  });

  it('maps "Command failed -:N" to the failing line', async () => {
    const { exec, calls } = scripted(() => ({ exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n' }));
    const r = await driver({ exec }).runBatch('ns0', [['link', 'add', 'name', 'x', 'type', 'bridge'], ['link', 'add', 'name', 'x', 'type', 'bridge']]);
    expect(r).toMatchObject({ exitCode: 1, failedLine: 2 });
    expect(calls[0]).toEqual({ file: 'ip', argv: ['-n', 'ns0', '-batch', '-'], input: 'link add name x type bridge\nlink add name x type bridge\n' });
  });
});

describe('IpDriver fan-out', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

  it('reads many namespaces through a few `ip -batch` processes of `netns exec` lines, with nsids only where asked', async () => {
    const { exec, calls } = scripted((argv, input) => {
      if (argv.join(' ') === '-j -d -batch -') return { stdout: shareOutput(input!) };
      return { stdout: NS_READ };
    });
    const d = driver({ exec, concurrency: 2, readConcurrency: 2, listNetns: () => names });
    const files: string[] = [];
    const snap = await d.snapshot({ nsids: new Set(['b', 'g']) });
    for (const c of calls) for (const m of (c.input ?? '').matchAll(/-batch (\S+)$/gm)) files.push(readFileSync(m[1]!, 'utf8'));
    d.dispose();
    expect(snap.namespaces.map((n) => n.ns)).toEqual(['host', ...names]);
    expect(snap.namespaces.filter((n) => n.nsids).map((n) => n.ns)).toEqual(['host', 'b', 'g']);
    expect(new Set(files)).toEqual(new Set(['link show\naddr show\nroute show table all\n', 'link show\naddr show\nroute show table all\nnetns list-id\n']));
    const shares = calls.filter((c) => c.argv.join(' ') === '-j -d -batch -');
    expect(shares).toHaveLength(2);
    // The first share runs its children, then reads the host itself.
    expect(shares[0]!.input).toMatch(/^netns exec a ip -j -d -batch \S+\/read\.batch\nnetns exec b ip -j -d -batch \S+\/read-nsids\.batch\n(netns exec [cd] \S+ \S+ \S+ \S+ \S+\n){2}link show\naddr show\nroute show table all\nnetns list-id\n$/);
    expect(shares[1]!.input).toMatch(/^netns exec e /);
    // Only the two shares: no process per namespace, none for the host or the listing.
    expect(calls).toHaveLength(2);
  });

  const shareWays = [
    {
      entry: 'ip',
      what: '`ip -n NS` for each namespace, plain `ip` for the host',
      first: /^-n a -j -d -batch \S+\/read\.batch\n-n b -j -d -batch \S+\/read-nsids\.batch\n(-n [cd] -j -d -batch \S+\n){2}-j -d -batch \S+\/read-nsids\.batch\n$/,
      second: /^-n e /,
    },
    {
      entry: 'nsenter',
      what: 'each namespace joined by its /run/netns entry, the host by its own',
      first: /^--net=\/run\/netns\/a ip -j -d -batch \S+\/read\.batch\n--net=\/run\/netns\/b ip -j -d -batch \S+\/read-nsids\.batch\n(--net=\/run\/netns\/[cd] ip -j -d -batch \S+\n){2}--net=\/proc\/self\/ns\/net ip -j -d -batch \S+\/read-nsids\.batch\n$/,
      second: /^--net=\/run\/netns\/e /,
    },
  ] as const;
  for (const way of shareWays) {
    it(`reads through \`xargs -L 1 ${way.entry}\` shares: ${way.what}`, async () => {
      const { exec, calls } = scripted((argv, input) => (argv.join(' ') === `-L 1 ${way.entry}` ? { stdout: shareOutput(input!) } : { stdout: NS_READ }));
      const d = driver({ exec, concurrency: 2, readConcurrency: 2, listNetns: () => names, entry: way.entry });
      const snap = await d.snapshot({ nsids: new Set(['b', 'g']) });
      expect(snap.namespaces.map((n) => n.ns)).toEqual(['host', ...names]);
      expect(snap.namespaces.filter((n) => n.nsids).map((n) => n.ns)).toEqual(['host', 'b', 'g']);
      expect(calls.map((c) => `${c.file} ${c.argv.join(' ')}`)).toEqual([`xargs -L 1 ${way.entry}`, `xargs -L 1 ${way.entry}`]);
      expect(calls[0]!.input).toMatch(way.first);
      expect(calls[1]!.input).toMatch(way.second);
      // Each share's JSON goes to a file of its own beside its batch files, not through a pipe.
      const dir = /(\S+)\/read\.batch/.exec(calls[0]!.input!)![1]!;
      expect(calls.map((c) => c.outFile?.startsWith(`${dir}/`))).toEqual([true, true]);
      expect(new Set(calls.map((c) => c.outFile)).size).toBe(2);
    });
  }

  it('takes ip for shares below NSENTER_FROM namespaces and nsenter from there on, given GNU xargs', () => {
    expect(defaultEntry(0)).toBe(gnuXargs() ? 'ip' : undefined);
    expect(defaultEntry(NSENTER_FROM - 1)).toBe(gnuXargs() ? 'ip' : undefined);
    expect(defaultEntry(NSENTER_FROM)).toBe(gnuXargs() ? (onPath('nsenter') ? 'nsenter' : 'ip') : undefined);
  });

  it('reads a namespace of an nsenter share that failed on its own, like a `netns exec` share', async () => {
    const { exec, calls } = scripted((argv, input) => {
      if (argv.join(' ') === '-L 1 nsenter') {
        // xargs goes on past a command that fails, and ends with 123.
        if (input!.includes('/run/netns/b ')) return { exitCode: 123, stdout: NS_READ_NO_IDS + NS_READ_NO_IDS, stderr: 'nsenter: cannot open /run/netns/b: No such file or directory\n' };
        return { stdout: shareOutput(input!) };
      }
      if (argv[1] === 'b') return { exitCode: 1, stderr: 'Cannot open network namespace "b": No such file or directory\n' };
      return { stdout: NS_READ };
    });
    const snap = await driver({ exec, concurrency: 2, readConcurrency: 2, listNetns: () => names, entry: 'nsenter' }).snapshot();
    expect(snap.namespaces.map((n) => n.ns)).toEqual(['host', 'a', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(calls.filter((c) => c.argv[0] === '-n').map((c) => c.argv[1])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('finds xargs and nsenter on PATH without starting anything, and tells GNU xargs from BusyBox\'s', () => {
    expect(onPath('sh', '/nonexistent:/bin')).toBe(true);
    expect(onPath('sh', '/nonexistent')).toBe(false);
    expect(onPath('no-such-tool-here', '/bin:/usr/bin')).toBe(false);
    const dir = scratchDir('topo-xargs-');
    for (const d of ['gnu', 'bb']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'bb', 'busybox'), '', { mode: 0o755 });
    symlinkSync(join(dir, 'bb', 'busybox'), join(dir, 'bb', 'xargs'));
    writeFileSync(join(dir, 'gnu', 'xargs'), '', { mode: 0o755 });
    expect(gnuXargs(join(dir, 'gnu'))).toBe(true);
    expect(gnuXargs(`${join(dir, 'bb')}:${join(dir, 'gnu')}`)).toBe(false);
    expect(gnuXargs('/nonexistent')).toBe(false);
  });

  it('reads in twice as many shares as a wave runs batches in, unless told otherwise', async () => {
    const { exec, calls } = scripted((argv, input) => ({ stdout: argv.join(' ') === '-j -d -batch -' ? shareOutput(input!) : NS_READ }));
    await driver({ exec, concurrency: 2, listNetns: () => names }).snapshot();
    expect(calls.filter((c) => c.argv.join(' ') === '-j -d -batch -')).toHaveLength(4);
  });

  it('never starts more than 16 read shares, however many cores', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `n${i}`);
    const { exec, calls } = scripted((argv, input) => ({ stdout: argv.join(' ') === '-j -d -batch -' ? shareOutput(input!) : NS_READ }));
    const snap = await driver({ exec, concurrency: 12, listNetns: () => many }).snapshot();
    expect(calls.filter((c) => c.argv.join(' ') === '-j -d -batch -')).toHaveLength(16);
    expect(snap.namespaces).toHaveLength(41);
  });

  it('falls back to one process per namespace for a share that did not print what it should', async () => {
    const { exec, calls } = scripted((argv, input) => {
      if (argv.join(' ') === '-j -d -batch -') {
        if (input!.includes('netns exec a ')) return { exitCode: 1, stdout: NS_READ, stderr: 'Cannot open network namespace "b": No such file or directory\nCommand failed -:6\n' };
        return { stdout: shareOutput(input!) };
      }
      if (argv[1] === 'b') return { exitCode: 1, stderr: 'Cannot open network namespace "b": No such file or directory\n' };
      return { stdout: NS_READ };
    });
    const snap = await driver({ exec, concurrency: 2, readConcurrency: 2, listNetns: () => names }).snapshot();
    expect(snap.namespaces.map((n) => n.ns)).toEqual(['host', 'a', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(calls.filter((c) => c.argv[0] === '-n').map((c) => c.argv[1])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs a prepared wave from the files prepare wrote, and writes each batch once', async () => {
    const { exec, calls } = scripted(() => ({}));
    const d = driver({ exec, concurrency: 2 });
    const wave = names.map((ns) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up']] }));
    const listeners = process.listenerCount('exit');
    d.prepare(wave);
    const path = d['scratchDir']();
    const dir = readdirSync(path);
    await d.runBatches(wave);
    const used = calls.flatMap((c) => [...(c.input ?? '').matchAll(/-batch (\S+)$/gm)].map((m) => basename(m[1]!)));
    writeFileSync(`${path}/stranger`, '');
    expect(process.listenerCount('exit')).toBe(listeners + 1); // removes the directory if topo exits first
    d.dispose();
    expect(process.listenerCount('exit')).toBe(listeners); // and goes with it: many drivers, no leak
    expect(dir).toHaveLength(names.length);
    expect(used.sort()).toEqual([...dir].sort());
    // Its own files by name, and a directory holding anything else swept as a whole.
    expect(existsSync(path)).toBe(false);
  });

  it('starts a prepared wave\'s processes at once and gives them their lines only when the wave runs', async () => {
    const started: string[] = [];
    const given: string[] = [];
    const timeouts = new Set<number | undefined>();
    const exec: Exec = async (_file, argv, input, opts) => {
      started.push(argv.join(' '));
      timeouts.add(opts?.timeoutMs);
      given.push(await input!);
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    const d = driver({ exec, concurrency: 2 });
    const wave = [{ ns: 'host', lines: [['link', 'add', 'name', 'br0', 'type', 'bridge']] }, ...names.map((ns) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up']] }))];
    d.prepare(wave);
    await new Promise((r) => setTimeout(r, 10));
    // The host's batch and two shares: started, but still waiting for their input.
    expect(started).toEqual(['-batch -', '-batch -', '-batch -']);
    expect(given).toEqual([]);
    const r = await d.runBatches(wave);
    d.dispose();
    expect(started).toHaveLength(3);
    expect(given.sort()[0]).toBe('link add name br0 type bridge\n');
    expect(given.filter((g) => g.startsWith('netns exec '))).toHaveLength(2);
    expect(r.every((x) => x.exitCode === 0)).toBe(true);
    // They wait out the wave before theirs, so their time limit is twice the usual two minutes.
    expect([...timeouts]).toEqual([240_000]);
  });

  it('starts no `ip -n NS` of a prepared wave early: it enters NS as it starts, and the wave before may make NS', async () => {
    const started: string[] = [];
    const exec: Exec = async (_file, argv, input) => {
      started.push(argv.join(' '));
      await input;
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    const d = driver({ exec, concurrency: 2 });
    const wave = ['host', 'a', 'b'].map((ns) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up']] }));
    d.prepare(wave);
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual(['-batch -']);
    await d.runBatches(wave);
    d.dispose();
    expect(started).toEqual(['-batch -', '-n a -batch -', '-n b -batch -']);
  });

  it('lets a prepared wave go with no lines, when it will not run or another runs instead', async () => {
    const { exec, calls } = scripted(() => ({}));
    const d = driver({ exec, concurrency: 2 });
    const wave = names.map((ns) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up']] }));
    const listeners = process.listenerCount('exit');
    d.prepare(wave);
    d.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(calls.map((c) => c.input)).toEqual(['', '']);
    d.prepare(wave);
    await d.runBatches([...wave]);
    d.dispose();
    expect(calls.filter((c) => c.input === '')).toHaveLength(4);
    expect(calls.filter((c) => c.input!.startsWith('netns exec '))).toHaveLength(2);
  });

  it('runs a wave through shares and maps a child failure to its batch and line; later batches of the share did not run', async () => {
    let fileOfC = '';
    const { exec, calls } = scripted((argv, input) => {
      if (argv.join(' ') === '-batch -' && input!.includes('netns exec a ')) {
        fileOfC = /netns exec c ip -batch (\S+)/.exec(input!)![1]!;
        return { exitCode: 1, stderr: `RTNETLINK answers: File exists\nCommand failed ${fileOfC}:2\nCommand failed -:3\n` };
      }
      return {};
    });
    const batch = (ns: string) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'lo']] });
    const d = driver({ exec, concurrency: 2 });
    const r = await d.runBatches([batch('host'), ...names.map(batch)]);
    d.dispose();
    expect(calls.map((c) => c.argv.join(' '))).toEqual(['-batch -', '-batch -', '-batch -']);
    expect(r[0]).toEqual({ exitCode: 0, stderr: '' });
    expect(r.slice(1, 3)).toEqual([{ exitCode: 0, stderr: '' }, { exitCode: 0, stderr: '' }]);
    expect(r[3]).toEqual({ exitCode: 1, failedLine: 2, stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n' });
    expect(r[4]).toMatchObject({ notRun: true });
    expect(r.slice(5).every((x) => x.exitCode === 0)).toBe(true);
  });

  it('runs a wave through `xargs -t -L 1 nsenter` shares: every batch has its own outcome, and reads come from those that ran to their end', async () => {
    const { exec, calls } = scripted((argv, input) => {
      if (argv[0] !== '-t') return {};
      const lines = input!.trim().split('\n');
      // The share of a, b, c, d: c fails at its line 2, nothing else does.
      const echo = lines.map((l) => `nsenter '${l.split(' ')[0]}' ${l.split(' ').slice(1).join(' ')}`);
      if (!input!.includes('/run/netns/a ')) return { stdout: NS_READ_NO_IDS.repeat(lines.length), stderr: echo.join('\n') + '\n' };
      const fileOfC = lines[2]!.split(' ').pop()!;
      return { exitCode: 123, stdout: NS_READ_NO_IDS.repeat(3), stderr: `${echo[0]}\n${echo[1]}\n${echo[2]}\nRTNETLINK answers: File exists\nCommand failed ${fileOfC}:2\n${echo[3]}\n` };
    });
    const batch = (ns: string) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'lo']], readAfter: true, nsids: false });
    const d = driver({ exec, concurrency: 2, entry: 'nsenter' });
    const r = await d.runBatches(names.map(batch));
    d.dispose();
    expect(calls.map((c) => `${c.file} ${c.argv.join(' ')}`)).toEqual(['xargs -t -L 1 nsenter', 'xargs -t -L 1 nsenter']);
    expect(calls[0]!.input).toMatch(/^--net=\/run\/netns\/a ip -j -d -batch \S+\n--net=\/run\/netns\/b ip -j -d -batch \S+\n/);
    const [a, b, c, dd, e] = r;
    expect(c).toEqual({ exitCode: 1, failedLine: 2, stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n' });
    // xargs went on past c: d ran, and the reads are those of a, b and d.
    expect([a, b, dd, e].map((x) => [x!.exitCode, x!.state?.ns])).toEqual([[0, 'a'], [0, 'b'], [0, 'd'], [0, 'e']]);
    expect(r.filter((x) => x.notRun)).toEqual([]);
  });

  it('reads a namespace\'s sysctls through nsenter --net where shares use it, else through netns exec', async () => {
    for (const nsenter of [true, false]) {
      const { exec, calls } = scripted(() => ({ stdout: 'net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 0\n' }));
      const got = await driver({ exec, entry: nsenter ? 'nsenter' : 'ip' }).readSysctls(new Map([['r1', ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding']]]));
      expect(got).toEqual(new Map([['r1', { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' }]]));
      expect(calls.map((c) => `${c.file} ${c.argv.join(' ')}`)).toEqual([
        nsenter ? 'nsenter --net=/run/netns/r1 sysctl -e net.ipv4.ip_forward net.ipv6.conf.all.forwarding' : 'ip netns exec r1 sysctl -e net.ipv4.ip_forward net.ipv6.conf.all.forwarding',
      ]);
    }
  });

  it('reads many namespaces\' sysctls through a few nsenter shares, each answer ended by kernel.ostype; a share that does not add up is read again', async () => {
    const want = new Map(names.map((ns) => [ns, ['net.ipv4.ip_forward', 'net.ipv4.conf.eth9.forwarding']] as const));
    const { exec, calls } = scripted((argv, input) => {
      if (argv.join(' ') !== '-L 1 nsenter') return { stdout: 'net.ipv4.ip_forward = 1\n' };
      const lines = input!.trim().split('\n');
      // No eth9 anywhere: -e leaves it out. In the share with c, c's answer is cut short.
      return { stdout: lines.map((l) => (l.includes('/c ') ? 'net.ipv4.ip_forward = 0\n' : 'net.ipv4.ip_forward = 1\nkernel.ostype = Linux\n')).join('') };
    });
    const got = await driver({ exec, concurrency: 2, readConcurrency: 2, entry: 'nsenter' }).readSysctls(want);
    expect(calls[0]!.input).toMatch(/^--net=\/run\/netns\/a sysctl -e net\.ipv4\.ip_forward net\.ipv4\.conf\.eth9\.forwarding kernel\.ostype\n/);
    expect([...got.keys()].sort()).toEqual(names);
    expect([...got.values()].every((v) => v['net.ipv4.ip_forward'] === '1' && Object.keys(v).length === 1)).toBe(true);
    // The share that held c, read again one namespace at a time.
    expect(calls.filter((c) => c.file === 'nsenter').map((c) => c.argv[0])).toHaveLength(4);
  });

  it('cuts sysctl output into one record per namespace at kernel.ostype', () => {
    expect(sysctlAnswers('net.a = 1\nkernel.ostype = Linux\nkernel.ostype = Linux\nnet.b = x\ty\nkernel.ostype = Linux\nnet.c = 2\n')).toEqual([{ 'net.a': '1' }, {}, { 'net.b': 'x\ty' }]);
  });

  const sysctlLine = (ns: string, kv: string) => ['netns', 'exec', ns, 'sysctl', '-q', '-w', kv];
  const FWD = 'net.ipv4.ip_forward';
  const RPF = 'net.ipv4.conf.all.rp_filter';

  it('sets a namespace batch\'s trailing sysctls after its ip, in one sysctl in the same nsenter share, and reads them back', async () => {
    const { exec, calls } = scripted((argv, input) => {
      if (argv[0] !== '-t') return {};
      const lines = input!.trim().split('\n');
      let stdout = '';
      const said: string[] = [];
      let failed = false;
      for (const l of lines) {
        const [net, ...rest] = l.split(' ');
        said.push(`nsenter '${net}' ${rest.join(' ')}`);
        const ns = net!.slice('--net=/run/netns/'.length);
        if (rest[0] === 'ip') {
          // d's batch fails at its line 2: it prints no read.
          if (ns === 'd') {
            said.push('RTNETLINK answers: File exists', `Command failed ${rest.at(-1)}:2`);
            failed = true;
          } else stdout += NS_READ_NO_IDS;
        } else {
          // c cannot set rp_filter; sysctl says so, and still answers.
          if (ns === 'c') said.push(`sysctl: setting key "${RPF}": Invalid argument`);
          stdout += `${FWD} = 1\n${RPF} = ${ns === 'c' ? '0' : '2'}\nkernel.ostype = Linux\n`;
        }
      }
      return { exitCode: failed ? 123 : 0, stdout, stderr: said.join('\n') + '\n' };
    });
    const batch = (ns: string) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up'], ['addr', 'add', '10.0.0.1/24', 'dev', 'lo'], sysctlLine(ns, `${FWD}=1`), sysctlLine(ns, `${RPF}=2`)], readAfter: true, nsids: false });
    const d = driver({ exec, concurrency: 2, entry: 'nsenter' });
    const r = await d.runBatches(names.map(batch));
    const files = calls.flatMap((c) => [...(c.input ?? '').matchAll(/-batch (\S+)$/gm)].map((m) => readFileSync(m[1]!, 'utf8')));
    d.dispose();
    expect(calls.map((c) => `${c.file} ${c.argv.join(' ')}`)).toEqual(['xargs -t -L 1 nsenter', 'xargs -t -L 1 nsenter']);
    expect(calls[0]!.input!.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^--net=\/run\/netns\/a ip -j -d -batch \S+$/),
      `--net=/run/netns/a sysctl -q ${FWD}=1 ${RPF}=2 ${FWD} ${RPF} kernel.ostype`,
    ]);
    // The batch files hold the ip lines and the read, not the sysctls.
    expect(files[0]).toBe('link set dev lo up\naddr add 10.0.0.1/24 dev lo\nlink show\naddr show\nroute show table all\n');
    const [a, , c, dd] = r;
    expect(a).toMatchObject({ exitCode: 0, state: { ns: 'a', sysctls: { [FWD]: '1', [RPF]: '2' } } });
    // c's own lines ran; its rp_filter (line 4) failed, and its state comes without sysctls.
    expect(c).toEqual({ exitCode: 1, failedLine: 4, stderr: `sysctl: setting key "${RPF}": Invalid argument\n`, state: expect.objectContaining({ ns: 'c' }) });
    expect(c!.state!.sysctls).toBeUndefined();
    // d failed at its line 2; its sysctls ran all the same (xargs goes on), and say so.
    expect(dd).toEqual({ exitCode: 1, failedLine: 2, stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n', alsoRan: [{ line: 3, ok: true }, { line: 4, ok: true }] });
    expect(r.slice(4).every((x) => x.exitCode === 0 && x.state?.sysctls?.[FWD] === '1')).toBe(true);
  });

  it('runs a wave through `xargs -t -L 1 ip` shares: `ip -n NS` batches, sysctls through `ip netns exec`; one that cannot enter stops its share', async () => {
    const { exec, calls } = scripted((argv, input) => {
      if (argv[0] !== '-t') return {};
      const lines = input!.trim().split('\n');
      let stdout = '';
      const said: string[] = [];
      for (const l of lines) {
        said.push(`ip ${l.replace(`${FWD}=1`, `'${FWD}=1'`)}`);
        // c is gone: ip says so and exits with 255, and xargs stops (124).
        if (l.startsWith('-n c ')) {
          said.push('Cannot open network namespace "c": No such file or directory', 'xargs: ip: exited with status 255; aborting');
          return { exitCode: 124, stdout, stderr: said.join('\n') + '\n' };
        }
        stdout += l.startsWith('-n ') ? NS_READ_NO_IDS : `${FWD} = 1\nkernel.ostype = Linux\n`;
      }
      return { stdout, stderr: said.join('\n') + '\n' };
    });
    const batch = (ns: string) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up'], sysctlLine(ns, `${FWD}=1`)], readAfter: true, nsids: false });
    const d = driver({ exec, concurrency: 2, entry: 'ip' });
    const r = await d.runBatches(names.map(batch));
    d.dispose();
    expect(calls.map((c) => `${c.file} ${c.argv.join(' ')}`)).toEqual(['xargs -t -L 1 ip', 'xargs -t -L 1 ip']);
    expect(calls[0]!.input!.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^-n a -j -d -batch \S+$/), `netns exec a sysctl -q ${FWD}=1 ${FWD} kernel.ostype`]);
    const [a, b, c, dd] = r;
    expect([a, b].map((x) => [x!.exitCode, x!.state?.ns, x!.state?.sysctls?.[FWD]])).toEqual([[0, 'a', '1'], [0, 'b', '1']]);
    expect(c).toEqual({ exitCode: 1, stderr: 'Cannot open network namespace "c": No such file or directory\nxargs: ip: exited with status 255; aborting\n' });
    expect(dd).toMatchObject({ notRun: true });
    expect(r.slice(4).every((x) => x.exitCode === 0 && x.state?.sysctls?.[FWD] === '1')).toBe(true);
  });

  it('runs a batch of sysctls alone as one sysctl; a batch with sysctls on its own, after its ip, unless that failed', async () => {
    for (const nsenter of [true, false]) {
      const { exec, calls } = scripted((argv) => {
        if (argv.join(' ').startsWith('-n b ')) return { exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:1\n' };
        if (argv.includes('sysctl')) return { stdout: `${FWD} = 1\nkernel.ostype = Linux\n` };
        return {};
      });
      const d = driver({ exec, entry: nsenter ? 'nsenter' : false });
      const r = await d.runBatches([
        { ns: 'a', lines: [['link', 'set', 'dev', 'lo', 'up'], sysctlLine('a', `${FWD}=1`)] },
        { ns: 'b', lines: [['link', 'set', 'dev', 'lo', 'up'], sysctlLine('b', `${FWD}=1`)] },
        { ns: 'c', lines: [sysctlLine('c', `${FWD}=1`)] },
      ]);
      d.dispose();
      const set = `sysctl -q ${FWD}=1 ${FWD} kernel.ostype`;
      const inside = (ns: string) => (nsenter ? `nsenter --net=/run/netns/${ns} ${set}` : `ip netns exec ${ns} ${set}`);
      expect(calls.map((x) => `${x.file} ${x.argv.join(' ')}`).sort()).toEqual(['ip -n a -batch -', 'ip -n b -batch -', inside('a'), inside('c')].sort());
      expect(r.map((x) => [x.exitCode, x.failedLine])).toEqual([[0, undefined], [1, 1], [0, undefined]]);
    }
  });

  it('without GNU xargs, runs the batches with sysctls on their own, not in `netns exec` shares', async () => {
    const { exec, calls } = scripted((argv) => (argv.includes('sysctl') ? { stdout: `${FWD} = 1\nkernel.ostype = Linux\n` } : {}));
    const d = driver({ exec, concurrency: 2, entry: false });
    const r = await d.runBatches(names.map((ns, k) => ({ ns, lines: [['link', 'set', 'dev', 'lo', 'up'], ...(k < 2 ? [sysctlLine(ns, `${FWD}=1`)] : [])] })));
    d.dispose();
    expect(calls.map((x) => x.argv.join(' ')).sort()).toEqual(['-batch -', '-batch -', '-n a -batch -', '-n b -batch -', `netns exec a sysctl -q ${FWD}=1 ${FWD} kernel.ostype`, `netns exec b sysctl -q ${FWD}=1 ${FWD} kernel.ostype`]);
    expect(r.every((x) => x.exitCode === 0)).toBe(true);
  });

  it('refuses a batch with a sysctl before its other lines', async () => {
    const d = driver({ exec: scripted(() => ({})).exec, entry: 'nsenter' });
    await expect(d.runBatches([{ ns: 'a', lines: [sysctlLine('a', `${FWD}=1`), ['link', 'set', 'dev', 'lo', 'up']] }])).rejects.toThrow(/sysctl before its other lines/);
    d.dispose();
  });

  it('tells which sysctl settings failed from what sysctl said, and joins them to the batch\'s result', () => {
    const settings = [`${FWD}=1`, `${RPF}=2`, 'net.ipv6.conf.eth0.forwarding=1'];
    const said = [`sysctl: cannot stat /proc/sys/net/ipv6/conf/eth0/forwarding: No such file or directory`, `sysctl: permission denied on key '${FWD}'`, 'something else'].join('\n');
    expect(sysctlFailures(settings, said)).toEqual(new Map([[2, 'sysctl: cannot stat /proc/sys/net/ipv6/conf/eth0/forwarding: No such file or directory\n'], [0, `sysctl: permission denied on key '${FWD}'\nsomething else\n`]]));
    const tail = { head: [['link', 'set', 'dev', 'lo', 'up']], settings };
    const ok = { exitCode: 0, stderr: '' };
    expect(withSysctls(ok, tail, { said: '', values: { [FWD]: '1' } })).toEqual(ok);
    expect(withSysctls(ok, tail, { said: `sysctl: setting key "${RPF}": Invalid argument\n` })).toEqual({ exitCode: 1, failedLine: 3, stderr: `sysctl: setting key "${RPF}": Invalid argument\n`, alsoRan: [{ line: 4, ok: true }] });
    // A sysctl that never got into the namespace set none: the first failed, the rest did not run.
    expect(withSysctls(ok, tail, { said: 'nsenter: cannot open /run/netns/a\n', failed: true })).toEqual({ exitCode: 1, failedLine: 2, stderr: 'nsenter: cannot open /run/netns/a\n' });
    const failed = { exitCode: 1, failedLine: 1, stderr: 'x\n' };
    expect(withSysctls(failed, tail, { said: 'nsenter: cannot open /run/netns/a\n', failed: true })).toEqual(failed);
    expect(withSysctls(failed, tail, undefined)).toEqual(failed);
  });

  it('tells from xargs -t what each command of a share came to', () => {
    const files = ['/s/b0.batch', '/s/b1.batch', '/s/b2.batch', '/s/b3.batch'];
    const cmds = (['a', 'zz', 'b', 'b'] as const).map((ns, k) => ({ ns, argv: ['ip', '-batch', files[k]!] }));
    const echo = (k: number) => `nsenter '--net=/run/netns/${cmds[k]!.ns}' ip -batch ${files[k]}`;
    // What findutils 4.9 and util-linux printed for: fine, a namespace that is gone, line 2 failing, fine.
    const stderr = [echo(0), echo(1), 'nsenter: cannot open /run/netns/zz: No such file or directory', echo(2), 'Cannot find device "nope"', `Command failed ${files[2]}:2`, echo(3), ''].join('\n');
    expect(enteredOutcomes(cmds, { exitCode: 123, stderr }, 'nsenter')).toEqual([
      { exitCode: 0, stderr: '' },
      { exitCode: 1, stderr: 'nsenter: cannot open /run/netns/zz: No such file or directory\n' },
      { exitCode: 1, failedLine: 2, stderr: 'Cannot find device "nope"\nCommand failed -:2\n' },
      { exitCode: 0, stderr: '' },
    ]);
    expect(enteredOutcomes(cmds, { exitCode: 0, stderr: '' }, 'nsenter').every((o) => o.exitCode === 0)).toBe(true);
    // Killed while the second ran: the first is done, the second trusted in nothing, the rest never started.
    expect(enteredOutcomes(cmds, { exitCode: 125, stderr: `${echo(0)}\n${echo(1)}\nxargs: nsenter: terminated by signal 9\n` }, 'nsenter')).toEqual([
      { exitCode: 0, stderr: '' },
      { exitCode: 1, stderr: 'xargs: nsenter: terminated by signal 9\n' },
      { exitCode: -1, stderr: '', notRun: true },
      { exitCode: -1, stderr: '', notRun: true },
    ]);
    // An xargs that would not take the options started nothing: the first failed, with its words.
    expect(enteredOutcomes(cmds.slice(0, 2), { exitCode: 1, stderr: "xargs: invalid option -- 'L'\n" }, 'nsenter')).toEqual([
      { exitCode: 1, stderr: "xargs: invalid option -- 'L'\n" },
      { exitCode: -1, stderr: '', notRun: true },
    ]);
    // A command that ran to its end keeps what it said, whatever its status (sysctl naming a
    // key it could not set); an xargs that ended with 0 means all did.
    const sysctls = ['a', 'b'].map((ns) => ({ ns, argv: ['sysctl', '-q', 'net.ipv4.ip_forward=1'] }));
    const said = `nsenter '--net=/run/netns/a' sysctl -q 'net.ipv4.ip_forward=1'\nsysctl: permission denied on key "net.ipv4.ip_forward"\nnsenter '--net=/run/netns/b' sysctl -q 'net.ipv4.ip_forward=1'\n`;
    // Through ip: `netns exec` into a namespace that is gone says so and ends the share.
    const viaIp = `ip netns exec a sysctl -q 'net.ipv4.ip_forward=1'\nCannot open network namespace "a": No such file or directory\nxargs: ip: exited with status 255; aborting\n`;
    expect(enteredOutcomes(sysctls, { exitCode: 124, stderr: viaIp }, 'ip')).toEqual([
      { exitCode: 1, stderr: 'Cannot open network namespace "a": No such file or directory\nxargs: ip: exited with status 255; aborting\n' },
      { exitCode: -1, stderr: '', notRun: true },
    ]);
    for (const exitCode of [0, 123]) {
      expect(enteredOutcomes(sysctls, { exitCode, stderr: said }, 'nsenter')).toEqual([
        { exitCode: 0, stderr: 'sysctl: permission denied on key "net.ipv4.ip_forward"\n' },
        { exitCode: 0, stderr: '' },
      ]);
    }
  });
});
