import { mkdirSync, statSync } from 'node:fs';

/**
 * The directory, created if need be, if only this user can write it; otherwise undefined. What
 * topo caches there (checked lab models, compiled code) steers what it does as root, so it is
 * used only where no one else could have put it.
 */
export function privateDir(dir: string): string | undefined {
  const uid = process.geteuid?.();
  if (uid === undefined) return undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}
