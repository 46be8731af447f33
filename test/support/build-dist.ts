import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Integration tests run the built CLI (dist/), as a user would. Build it first with the project's
 * own build script, so that running `vitest run --project integration` directly never tests
 * stale code, and the bin is made exactly as `npm ci` makes it.
 */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'inherit' });
}
