import { defineConfig } from 'vitest/config';
import { moonstepLua } from './src/vite/moonstepLua.ts';

// The demo (index.html → demo/main.ts) for `vite` / `vite build`, and the unit test runner.
// Browser tests have their own config: test/e2e/vitest.config.ts.
export default defineConfig({
  plugins: [moonstepLua({ roots: ['scripts-lua'] })],
  build: {
    outDir: 'dist-demo',
    emptyOutDir: true,
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 20_000,
    pool: 'forks',
    globalSetup: ['test/cli/buildLibrary.ts'],
  },
});
