import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes a file whole, then renames it into place: a reader never sees half of it, and a failed write (a full disk) leaves nothing. */
export function writeWhole(path: string, data: string | NodeJS.ArrayBufferView, mode?: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, mode === undefined ? {} : { mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
