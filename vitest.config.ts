import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis and local stand-ins are slow on shared 2-core machines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two files at a time on 2 cores (vitest's default is cores - 1, so one): most files wait on child
    // processes and stand-ins, and the suite takes ~9 min instead of ~11.5 (measured on 2026-12-07).
    maxWorkers: 2,
    // The pinned AWS SDK warns on every process that node < 22 will not get its future releases: noise on
    // the supported 20.19+ (package.json engines). Tests, and the ops and local processes they start, inherit it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
