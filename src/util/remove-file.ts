import { unlinkSync } from 'node:fs';

/**
 * Removes a file if it is there. Not `rmSync(path, { force: true })`: that loads Node's rimraf
 * on every call, at the end of every apply, for what is one unlink.
 */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
