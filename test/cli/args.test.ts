import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';
import { effectiveCaps, requirePrivileges } from '../../src/cli/preflight.js';
import { chooseStyle } from '../../src/render/style.js';

describe('parseCommandLine', () => {
  it('defaults FILE to ./lab.yaml', () => {
    expect(parseCommandLine(['plan'])).toMatchObject({ command: 'plan', file: 'lab.yaml' });
  });
  it('takes -y / --auto-approve for apply and destroy only', () => {
    expect(parseCommandLine(['apply', '-y', 'x.yaml'])).toMatchObject({ command: 'apply', file: 'x.yaml', autoApprove: true });
    expect(parseCommandLine(['plan', '-y'])).toEqual({ error: '--auto-approve does not apply to plan' });
  });
  it('knows which command takes which automation flag', () => {
    expect(parseCommandLine(['plan', '--json', '--detailed-exitcode', '--out', 'p.json', '--destroy', 'x.yaml'])).toMatchObject({ json: true, detailedExitcode: true, out: 'p.json', destroy: true });
    expect(parseCommandLine(['apply', '--out', 'p.json'])).toEqual({ error: '--out does not apply to apply' });
    expect(parseCommandLine(['destroy', '--lab', 'seed', '-y'])).toMatchObject({ command: 'destroy', lab: 'seed' });
    expect(parseCommandLine(['destroy', '--lab', 'seed', 'x.yaml'])).toEqual({ error: 'give either a lab file or --lab NAME, not both' });
    expect(parseCommandLine(['destroy', '--lab', '-x'])).toMatchObject({ error: expect.stringMatching(/lab/) });
    expect(parseCommandLine(['ls', 'x.yaml'])).toEqual({ error: 'ls takes no file: it lists every lab on this machine' });
  });
  it('reads --lock-timeout durations', () => {
    expect(parseCommandLine(['apply', '--lock-timeout', '2m'])).toMatchObject({ lockTimeoutMs: 120_000 });
    expect(parseCommandLine(['apply', '--lock-timeout', '500ms'])).toMatchObject({ lockTimeoutMs: 500 });
    expect(parseCommandLine(['apply', '--lock-timeout', '10'])).toMatchObject({ lockTimeoutMs: 10_000 });
    expect(parseCommandLine(['apply', '--lock-timeout', 'soon'])).toMatchObject({ error: expect.stringMatching(/duration/) });
  });
  it('rejects unknown commands and options', () => {
    expect(parseCommandLine(['aply'])).toEqual({ error: "unknown command 'aply'" });
    expect(parseCommandLine(['plan', '--jsn'])).toMatchObject({ error: expect.stringMatching(/Unknown option '--jsn'/) });
  });
  it('routes help', () => {
    expect(parseCommandLine([])).toMatchObject({ command: 'help' });
    expect(parseCommandLine(['help', 'apply'])).toMatchObject({ command: 'help', topic: 'apply' });
    expect(parseCommandLine(['apply', '--help'])).toMatchObject({ command: 'apply', help: true });
  });
});

describe('preflight', () => {
  it('reads CapEff and demands CAP_NET_ADMIN and CAP_SYS_ADMIN, naming sudo', () => {
    expect(effectiveCaps('Name:\tx\nCapEff:\t000001ffffffffff\n')).toBe(0x1ffffffffffn);
    expect(() => requirePrivileges('plan', 0n)).toThrow(/topo plan needs root/);
    expect(() => requirePrivileges('plan', 1n << 12n)).toThrow(/CAP_SYS_ADMIN/);
    expect(() => requirePrivileges('plan', (1n << 12n) | (1n << 21n))).not.toThrow();
  });
});

describe('chooseStyle', () => {
  const tty = { isTTY: true };
  it('colours only a TTY, and never under --no-color or NO_COLOR', () => {
    expect(chooseStyle(tty, false, {}).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(chooseStyle({ isTTY: false }, false, {}).red('x')).toBe('x');
    expect(chooseStyle(tty, true, {}).red('x')).toBe('x');
    expect(chooseStyle(tty, false, { NO_COLOR: '1' }).red('x')).toBe('x');
  });
});

describe('exec, sandbox and test arguments', () => {
  it('takes everything after the first -- as the command, never as topo options', () => {
    expect(parseCommandLine(['exec', 'ns0', 'lab.yaml', '--', 'ping', '-c1', '--', '-y'])).toMatchObject({ command: 'exec', node: 'ns0', file: 'lab.yaml', run: ['ping', '-c1', '--', '-y'], autoApprove: false });
    expect(parseCommandLine(['exec', '--all', '--', 'ip', 'a'])).toMatchObject({ command: 'exec', all: true, file: 'lab.yaml', run: ['ip', 'a'] });
    expect(parseCommandLine(['exec', 'ns0', '--', 'true'])).not.toHaveProperty('error');
    expect(parseCommandLine(['sandbox', 'lab.yaml', '--', 'bash'])).toMatchObject({ command: 'sandbox', file: 'lab.yaml', run: ['bash'] });
    expect(parseCommandLine(['test', 'lab.yaml', '--sandbox', '--junit', 'r.xml', '--json'])).toMatchObject({ command: 'test', sandbox: true, junit: 'r.xml', json: true });
  });
  it('says what is missing or misplaced', () => {
    expect(parseCommandLine(['exec', 'ns0'])).toEqual({ error: 'exec needs a command after --, e.g. topo exec ns0 lab.yaml -- ip -br addr' });
    expect(parseCommandLine(['exec', '--', 'true'])).toEqual({ error: 'exec needs a node (or --all), e.g. topo exec ns0 -- ip -br addr' });
    expect(parseCommandLine(['plan', '--', 'x'])).toEqual({ error: 'plan takes no command after --' });
    expect(parseCommandLine(['plan', '--sandbox'])).toEqual({ error: '--sandbox does not apply to plan' });
    expect(parseCommandLine(['exec', 'ns0', 'a.yaml', 'b.yaml', '--', 'x'])).toEqual({ error: 'exec takes a node and one file, got ns0 a.yaml b.yaml' });
  });
});
