// Bundles topo for its bin (src/cli/bin.ts): dist/cli/topo-main.cjs is all of topo as one
// CommonJS script, for a vm.Script whose code V8 can cache; dist/cli/topo.cjs is the bin that
// runs it. Both stay in dist/cli/, so that the paths topo finds from import.meta.url (its
// package.json, schemas/, dist/build-id.txt) resolve as they do from dist/cli/main.js.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // import.meta.url means the same in CommonJS: this file's URL. The banner comes before
  // esbuild's own "use strict", which must be first to count: ES modules are strict.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "'use strict';\nconst __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};
await build({ ...common, entryPoints: ['dist/cli/main.js'], outfile: 'dist/cli/topo-main.cjs' });
await build({ ...common, entryPoints: ['dist/cli/bin.js'], outfile: 'dist/cli/topo.cjs' });

// The bundle is the body of a function (bin.ts runs it with CommonJS's five arguments), where
// main.js's #! line is no comment: drop it. The function's head and tail go into the file, so
// that bin.ts hands V8 the file's text as it is: wrapped at run time, it was a second string of
// 0.6 MB that V8 copied flat before compiling (~150 page faults of every command).
const out = 'dist/cli/topo-main.cjs';
let main = readFileSync(out, 'utf8');
if (main.startsWith('#!')) main = main.slice(main.indexOf('\n') + 1);
// A vm.Script has no loader for import(): every import() must have been bundled away.
const left = main.match(/\bimport\s*\(/g);
if (left) {
  console.error(`scripts/bundle.mjs: ${out} still has ${left.length} import() call(s); a vm.Script cannot run them`);
  process.exit(1);
}
writeFileSync(out, `(function (exports, require, module, __filename, __dirname) {${main}\n})`);
