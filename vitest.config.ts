import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis and local stand-ins are slow on shared 2-core machines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The pinned AWS SDK warns on every process that node < 22 will not get its future releases: noise on
    // the supported 20.19+ (package.json engines). Tests, and the ops and local processes they start, inherit it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
