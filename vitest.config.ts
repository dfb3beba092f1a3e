import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start servers on free ports; two workers fit the 2-core machines.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
