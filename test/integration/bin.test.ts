import { describe, expect, it } from 'vitest';
import { CLI, sandboxUnavailable, useSandbox, type Sandbox } from '../support/sandbox.js';

const DIR = '/run/topo/cache';

/** The code cache files in the sandbox's private /run: name → "size mtime". */
async function codeCaches(sb: Sandbox): Promise<Map<string, string>> {
  const r = await sb.run(['find', DIR, '-name', 'code-*.v8', '-printf', '%f %s %T@\\n']);
  return new Map(
    r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]),
  );
}

/** Writes bytes into a file inside the sandbox, with Node: argv only, no shell. */
const node = (sb: Sandbox, code: string, ...args: string[]) => sb.must([process.execPath, '-e', code, ...args]);

describe.skipIf(sandboxUnavailable)('the bin: topo bundled, with V8 code cache (src/cli/bin.ts)', () => {
  const sandbox = useSandbox();

  it('a run that succeeded leaves a cache for its command; the next run takes it and rewrites nothing', async () => {
    const sb = sandbox();
    const first = await sb.run([process.execPath, CLI, 'validate', 'examples/seed.yaml']);
    expect(first.exitCode, first.stderr).toBe(0);
    const made = await codeCaches(sb);
    const names = [...made.keys()];
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^code-validate-[0-9a-f]{16}\.v8$/);
    expect(Number(made.get(names[0]!)!.split(' ')[0])).toBeGreaterThan(10_000);
    expect((await sb.run(['stat', '-c', '%a', DIR])).stdout.trim()).toBe('700');

    const again = await sb.run([process.execPath, CLI, 'validate', 'examples/seed.yaml']);
    expect(again).toEqual(first);
    expect(await codeCaches(sb)).toEqual(made);
  });

  it('a cache V8 refuses is replaced at the end of a run that is none the worse for it', async () => {
    const sb = sandbox();
    const first = await sb.run([process.execPath, CLI, 'validate', 'examples/seed.yaml']);
    const [name, was] = [...(await codeCaches(sb))][0]!;
    await node(sb, 'const fs = require("fs"); fs.writeFileSync(process.argv[1], Buffer.alloc(fs.statSync(process.argv[1]).size, 0x5a))', `${DIR}/${name}`);
    const junk = (await codeCaches(sb)).get(name);
    expect(junk).not.toEqual(was);

    const again = await sb.run([process.execPath, CLI, 'validate', 'examples/seed.yaml']);
    expect(again).toEqual(first);
    const now = (await codeCaches(sb)).get(name);
    expect(now).toBeDefined();
    expect(now).not.toEqual(junk);
    const bytes = await node(sb, 'process.stdout.write(require("fs").readFileSync(process.argv[1]).subarray(0, 16).toString("hex"))', `${DIR}/${name}`);
    expect(bytes).not.toBe('5a'.repeat(16));
  });

  it('a failed run leaves no cache, and none is written where others could write it', async () => {
    const sb = sandbox();
    const failed = await sb.run([process.execPath, CLI, 'validate', 'no-such-lab.yaml']);
    expect(failed.exitCode).toBe(1);
    expect(await codeCaches(sb)).toEqual(new Map());

    await sb.must(['chmod', '0777', DIR]);
    const ok = await sb.run([process.execPath, CLI, 'validate', 'examples/seed.yaml']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await codeCaches(sb)).toEqual(new Map());
  });
});
