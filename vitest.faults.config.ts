import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault-injection scenarios (test/local/fault/*.faults.ts), one local stack at a time.
 * Too slow for `npm test` (each scenario sends ≥ 1,000 events and one waits out the 30 s claim lease).
 */
export default defineConfig({
  test: {
    include: ['test/local/fault/**/*.faults.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
