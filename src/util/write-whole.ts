import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file whole, then renames it into place: a reader never sees half of it. */
export function writeWhole(path: string, data: string | NodeJS.ArrayBufferView, mode?: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, mode === undefined ? {} : { mode });
  renameSync(tmp, path);
}
