import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'test/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    // Tests that start real peers (Python SDK, chain) need real time; 2 cores on CI.
    testTimeout: 60_000,
    hookTimeout: 240_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // A passing test prints nothing but the reporter's line; a failing one shows its console.
    silent: 'passed-only',
  },
});
