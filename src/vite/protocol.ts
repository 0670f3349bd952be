// Shared by the vite plugin (Node) and the page (browser): no imports here.

/** What a `.lua` import gives: the module's path below its script root and its source. */
export interface LuaModuleExport {
  /** Path below the script root, e.g. `enemies/bat.lua` (the chunk name errors show). */
  readonly path: string;
  /** Lua source text. */
  readonly source: string;
}

/** Payload of the `moonstep:lua-update` HMR event. */
export type LuaUpdatePayload = LuaModuleExport;

/** Name of the custom HMR event the plugin sends when a `.lua` file changes. */
export const LUA_UPDATE_EVENT = 'moonstep:lua-update';
