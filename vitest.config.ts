import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synthesis and local stand-ins are slow on shared 2-core machines.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
