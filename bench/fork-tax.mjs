// The fork tax on this machine: after Node spawns a process, each page of its memory that it
// writes first takes a page fault (the fork write-protected them all). Touches 32 MB before and
// after spawning /bin/true. Changes nothing; no root needed. Usage: node bench/fork-tax.mjs
import { spawn } from 'node:child_process';

const pages = [];
for (let i = 0; i < 64; i++) pages.push(Buffer.alloc(512 * 1024, 1));
const touch = () => {
  const t = performance.now();
  for (const b of pages) for (let j = 0; j < b.length; j += 4096) b[j]++;
  return performance.now() - t;
};
const spawned = () => new Promise((done) => spawn('/bin/true', [], { stdio: 'ignore' }).on('close', done));

touch();
const before = touch();
await spawned();
const after = touch();
const again = touch();
const n = (32 * 1024 * 1024) / 4096;
console.log(`writing one byte in each of ${n} pages: ${before.toFixed(1)} ms before a spawn, ${after.toFixed(1)} ms just after (${((after * 1000) / n).toFixed(1)} µs a page), ${again.toFixed(1)} ms the next time`);
