import { createHash } from 'node:crypto';

/** Hex SHA-256 of a text: saved plans' digests and the lab cache's keys. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
