/**
 * Two 32-bit FNV-1a hashes (different offsets) as 16 hex digits: a file name for a cache slot,
 * not a digest (node:crypto alone takes ~3 ms to load); whoever reads a slot checks what it holds.
 */
export function shortHash(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
