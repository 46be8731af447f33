// Runs inside `unshare --net --mount --propagation private`: gives the new mount namespace a
// private /run (so `ip netns add` never touches the machine's /run/netns), brings lo up, then
// holds the namespaces until its stdin closes. No shell: argv only.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

execFileSync('mount', ['-t', 'tmpfs', 'topo-sandbox', '/run']);
mkdirSync('/run/netns', { recursive: true });
execFileSync('ip', ['link', 'set', 'lo', 'up']);
process.stdout.write('ready\n');
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
