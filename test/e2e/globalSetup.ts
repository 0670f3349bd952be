import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM script without types
import { ensureChromium } from '../../scripts/ensure-chromium.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    previewUrl: string;
    devUrl: string;
    chromiumPath: string;
  }
}

const root = new URL('../..', import.meta.url).pathname;

/**
 * Installs Chromium if needed, builds the demo, and serves it twice on loopback: the built
 * bundle (vite preview) and the dev server (for hot reload).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const chromiumPath: string = ensureChromium();
  await build({ root, logLevel: 'warn', configFile: `${root}/vite.config.ts` });
  const previewServer: PreviewServer = await preview({
    root,
    configFile: `${root}/vite.config.ts`,
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
    logLevel: 'warn',
  });
  const devServer: ViteDevServer = await createServer({
    root,
    configFile: `${root}/vite.config.ts`,
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    logLevel: 'warn',
  });
  await devServer.listen();
  const urlOf = (server: { resolvedUrls: { local: string[] } | null }) => server.resolvedUrls!.local[0]!;
  project.provide('previewUrl', urlOf(previewServer));
  project.provide('devUrl', urlOf(devServer));
  project.provide('chromiumPath', chromiumPath);
  return async () => {
    await devServer.close();
    await new Promise<void>((resolve) => previewServer.httpServer.close(() => resolve()));
  };
}
