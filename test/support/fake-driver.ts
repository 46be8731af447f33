import type { Driver } from '../../src/driver/driver.js';

/**
 * A Driver for unit tests: an empty kernel that accepts every batch, with any method replaced.
 * Kernel behaviour itself is tested against the real driver in the sandbox.
 */
export function fakeDriver(overrides: Partial<Driver> = {}): Driver {
  const d: Driver = {
    snapshot: async () => ({ namespaces: [], strays: [] }),
    runBatch: async () => ({ exitCode: 0, stderr: '' }),
    existing: async () => [],
    readSysctls: async () => new Map(),
    readNsids: async () => new Map(),
    nsidsViaHost: async () => new Map(),
    netnsIds: () => new Map(),
    netnsIdentities: () => new Map(),
    holders: () => [],
    probeKinds: async () => [],
    ipVersion: async () => ({ version: 'test', json: true }),
    forwardPolicies: async () => [],
    runBatches: (batches) => Promise.all(batches.map((b) => d.runBatch(b.ns, b.lines))),
    ...overrides,
  };
  return d;
}
