// Records the raw kernel snapshot topo reads for a lab, for golden tests:
//   node test/support/record-snapshot.mjs LAB.yaml OUT.json
// Run it inside a sandbox (see test/golden/plan/record.sh), never on a machine you care about.
import { writeFileSync } from 'node:fs';
import { loadLab } from '../../dist/config/load-lab.js';
import { IpDriver } from '../../dist/driver/ip-driver.js';
import { readKernel } from '../../dist/live/read.js';

const [lab, out] = process.argv.slice(2);
const { topology } = loadLab(lab);
const snap = await readKernel(new IpDriver(), topology);
writeFileSync(out, JSON.stringify(snap, null, 1) + '\n');
