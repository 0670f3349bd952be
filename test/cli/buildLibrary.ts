import { build } from 'vite';

/** Builds dist/node (the CLI's code) once before the tests that spawn `bin/moonstep.js`. */
export default async function setup(): Promise<void> {
  const root = new URL('../..', import.meta.url).pathname;
  await build({ root, configFile: `${root}/vite.lib.config.ts`, mode: 'node', logLevel: 'warn' });
}
