import { defineConfig } from 'vitest/config';

// Dev server / demo build config, and the test runner's config.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
