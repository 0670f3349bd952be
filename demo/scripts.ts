import { MapScriptLoader } from '../src/index';
import type { LuaModuleExport } from '../src/vite/protocol';

/** Every script under scripts-lua/, bundled by vite through the moonstep .lua plugin. */
const modules = import.meta.glob<LuaModuleExport>('/scripts-lua/**/*.lua', { eager: true, import: 'default' });

/** A script root holding all bundled scripts (kept up to date by hot reload). */
export function bundledScripts(): MapScriptLoader {
  const loader = new MapScriptLoader({}, 'scripts-lua (bundled)');
  for (const mod of Object.values(modules)) loader.set(mod.path, mod.source);
  return loader;
}
