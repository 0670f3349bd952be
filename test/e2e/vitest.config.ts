import { defineConfig } from 'vitest/config';

// Browser tests: Debian Chromium driven by playwright-core against the built demo
// (vite build + vite preview) and the dev server (hot reload). See globalSetup.ts.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
