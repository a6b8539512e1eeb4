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
    // The pinned AWS SDK warns on every process that node < 22 will not get its future releases: noise on
    // the supported 20.19+ (package.json engines). Tests, and the ops and local processes they start, inherit it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
