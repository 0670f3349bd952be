import type { ScriptLoader } from './ScriptLoader';

/**
 * In the browser there is no folder to read: scripts are bundled (see the vite plugin and
 * `import.meta.glob('/scripts-lua/**\/*.lua')`) and passed as script roots.
 */
export function defaultScriptRoots(): ScriptLoader[] {
  return [];
}
