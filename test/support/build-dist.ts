import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Integration tests run the built CLI (dist/), as a user would. Build it first, so that running
 * `vitest run --project integration` directly never tests stale code.
 */
export default function setup(): void {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  execFileSync(process.execPath, [`${repo}node_modules/typescript/bin/tsc`, '-p', `${repo}tsconfig.build.json`], { stdio: 'inherit' });
}
