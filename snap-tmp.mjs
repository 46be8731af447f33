import { IpDriver } from './dist/driver/ip-driver.js';
for (let i = 0; i < 3; i++) {
  const d = new IpDriver();
  const t = performance.now();
  const s = await d.snapshot();
  console.log('snapshot', s.namespaces.length, (performance.now() - t).toFixed(0), 'ms');
}
