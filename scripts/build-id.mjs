// Writes dist/build-id.txt: a digest of everything the build emitted. topo's lab cache
// (src/config/lab-cache.ts) keys on it, so a rebuilt or upgraded topo never reads an older
// build's cache entries.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const files = readdirSync(dist, { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile() && /\.c?js$/.test(d.name))
  .map((d) => join(d.parentPath ?? d.path, d.name))
  .sort();
const h = createHash('sha256');
for (const f of files) h.update(relative(dist, f)).update('\0').update(readFileSync(f)).update('\0');
writeFileSync(join(dist, 'build-id.txt'), h.digest('hex') + '\n');
