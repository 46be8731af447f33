import { createRequire } from 'node:module';

/**
 * Hex SHA-256 of a text: saved plans' digests. node:crypto is loaded on first use (~3 ms, and
 * 17 internal modules): most commands never compute a digest.
 */
export function sha256(text: string): string {
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}
