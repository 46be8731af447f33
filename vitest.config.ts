import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/build-dist.ts'],
          // Each test makes its own sandbox, so files may run in parallel; kernel work is slow-ish.
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
