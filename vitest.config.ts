import { defineConfig } from 'vitest/config';

// Two projects: `unit` (no servers, runs in parallel) and `integration` (real NATS, Redis, Podman;
// each file owns its servers or prefixes, files run one at a time so 2 cores stay responsive).
export default defineConfig({
  test: {
    reporters: ['default', './integration/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'protocol/**/*.test.ts',
            'actors/**/*.test.ts',
            'cli/**/*.test.ts',
            'bench/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
