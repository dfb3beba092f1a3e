import { defineConfig } from 'vitest/config';

// What every project runs with (projects do not inherit from the root here: inheriting would
// run the global setup, and its InfluxDB and PostgreSQL, once per project).
// expect.poll waits up to 5 s (vitest's default is 1 s): on a loaded 2-core machine a click, its
// request and the page's answer can take longer than a second (a CI run failed with a depot's
// stock polled for only a second after 'Fitted' was tapped). What never happens still fails.
const base = { testTimeout: 60_000, hookTimeout: 60_000, expect: { poll: { timeout: 5_000 } } };

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // Integration tests start servers on free ports; two workers fit the 2-core machines.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        test: {
          ...base,
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/sql/pg-*.test.ts', '**/node_modules/**'],
        },
      },
      // The service domain's tests again, on PostgreSQL (test/support/service-db.ts): the same
      // domain code and the same assertions on both backends.
      {
        test: {
          ...base,
          name: 'postgres',
          include: ['test/service/**/*.test.ts', 'test/sql/pg-*.test.ts'],
          env: { PURNA_TEST_BACKEND: 'postgres' },
        },
      },
    ],
  },
});
