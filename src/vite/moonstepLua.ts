import { relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';
import { LUA_UPDATE_EVENT, type LuaModuleExport, type LuaUpdatePayload } from './protocol.ts';

export { LUA_UPDATE_EVENT, type LuaModuleExport, type LuaUpdatePayload };

/** Options for {@link moonstepLua}. */
export interface MoonstepLuaOptions {
  /** Script roots, relative to the vite root; module paths are relative to the root that holds them. Default `['scripts-lua']`. */
  roots?: string[];
}

/**
 * vite plugin: `.lua` files import as `{ path, source }` modules, and an edited `.lua` file
 * is sent to the page as a `moonstep:lua-update` event instead of reloading it, so the game
 * keeps its state (see `connectLuaHotReload`).
 */
export function moonstepLua(options: MoonstepLuaOptions = {}): Plugin {
  let rootDirs: string[] = [];
  const pathOf = (file: string): string | undefined => {
    const clean = file.split('?')[0]!;
    if (!clean.endsWith('.lua')) return undefined;
    for (const dir of rootDirs) {
      const rel = relative(dir, clean);
      if (!rel.startsWith('..') && !rel.startsWith(sep)) return rel.split(sep).join('/');
    }
    return undefined;
  };
  return {
    name: 'moonstep:lua',
    configResolved(config) {
      rootDirs = (options.roots ?? ['scripts-lua']).map((r) => resolve(config.root, r));
    },
    transform(code, id) {
      if (id.includes('?raw') || id.includes('?url')) return undefined;
      const path = pathOf(id);
      if (path === undefined) return undefined;
      const value: LuaModuleExport = { path, source: code };
      return { code: `export default ${JSON.stringify(value)};`, map: null };
    },
    async hotUpdate({ file, read }) {
      const path = pathOf(file);
      if (path === undefined || this.environment.name !== 'client') return undefined;
      const payload: LuaUpdatePayload = { path, source: await read() };
      this.environment.hot.send(LUA_UPDATE_EVENT, payload);
      // Handled: the page applies the new source itself; no module reload, no page reload.
      return [];
    },
  };
}
