import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** topo runs argv arrays only: no code path may reach a shell, and only the driver starts processes. */
describe('process boundary', () => {
  const files = sources('src').map((f) => ({ f, text: readFileSync(f, 'utf8') }));
  it('only src/driver/ip-driver.ts imports a process-spawning module', () => {
    const spawners = files.filter(({ text }) => /from ['"](execa|node:child_process|child_process)['"]/.test(text)).map(({ f }) => f);
    expect(spawners).toEqual(['src/driver/ip-driver.ts']);
  });
  it('nothing asks for a shell or builds a command string', () => {
    for (const { f, text } of files) {
      expect(text, f).not.toMatch(/shell\s*:\s*true/);
      // execa's $`...` and execaCommand parse a command string; child_process exec/execSync use a shell.
      expect(text, f).not.toMatch(/(?<![\w}\])])\$`|\bexecaCommand(Sync)?\b|\bexecSync\b|\{[^}]*\bexec\b[^}]*\}\s*from\s*['"](node:)?child_process/);
      expect(text, f).not.toMatch(/['"](\/bin\/)?(ba)?sh['"]\s*,\s*\[?\s*['"]-c['"]/);
    }
  });
});
