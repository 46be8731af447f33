import { readFileSync } from 'node:fs';

/**
 * A digest of topo's own code, written by `npm run build` (scripts/build-id.mjs) to
 * dist/build-id.txt: a rebuilt or upgraded topo never reads what an older one cached (lab
 * models, compiled code). Without it, nothing is cached. Found from dist/config/ and, bundled,
 * from dist/cli/: both one level below it.
 */
export function buildId(): string | undefined {
  try {
    return readFileSync(new URL('../build-id.txt', import.meta.url), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
