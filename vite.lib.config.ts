import { defineConfig } from 'vite';

// Library builds (npm run build):
//   --mode node     dist/node/: the runtime, the CLI and the vite plugin, for Node
//   --mode browser  dist/browser/: the runtime and the pixi integration, for bundlers
// The Lua sources are inlined (imported with ?raw). Dependencies stay external; in the
// browser build, so does the wasm file's ?url import, which the app's bundler serves.
const ENTRIES: Record<'node' | 'browser', Record<string, string>> = {
  node: { index: 'src/index.ts', cli: 'src/cli/main.ts', vite: 'src/vite/moonstepLua.ts', node: 'src/node/index.ts' },
  browser: { index: 'src/index.ts', pixi: 'src/pixi/index.ts', 'vite-client': 'src/vite/hotReload.ts' },
};

export default defineConfig(({ mode }) => {
  const node = mode === 'node';
  return {
    publicDir: false,
    resolve: { conditions: node ? ['node', 'import', 'module', 'default'] : ['browser', 'import', 'module', 'default'] },
    build: {
      outDir: node ? 'dist/node' : 'dist/browser',
      emptyOutDir: true,
      minify: false,
      sourcemap: true,
      target: 'es2022',
      ssr: node,
      lib: {
        entry: ENTRIES[node ? 'node' : 'browser'],
        formats: ['es'],
      },
      rollupOptions: {
        external: [/^node:/, 'wasmoon', 'eventemitter3', 'pixi.js', 'vite', /\.wasm\?url$/],
      },
    },
  };
});
