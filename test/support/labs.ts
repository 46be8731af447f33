/** n namespaces on one host bridge, each with NET.i.1/PREFIX: a lab of any size, as YAML. */
export const star = (lab: string, n: number, net: string, prefix: number): string =>
  `lab: ${lab}\nnodes:\n${Array.from({ length: n }, (_, i) => `  n${i}:\n    interfaces:\n      eth0: { addresses: [${net}.${i}.1/${prefix}] }\n`).join('')}` +
  `bridges:\n  bb0: {}\nlinks:\n${Array.from({ length: n }, (_, i) => `  - endpoints: [n${i}:eth0, bb0:p${i}]\n`).join('')}`;
