import { LUA_UPDATE_EVENT, type LuaUpdatePayload } from './protocol';

/** The subset of `import.meta.hot` the hot-reload client needs. */
export interface HotContext {
  on(event: string, cb: (payload: LuaUpdatePayload) => void): void;
}

/**
 * Listens for edited `.lua` files (sent by the {@link moonstepLua} vite plugin) and passes
 * each one to `apply`. Call it with `import.meta.hot` from the page's entry module.
 */
export function connectLuaHotReload(hot: HotContext | undefined, apply: (update: LuaUpdatePayload) => void): void {
  hot?.on(LUA_UPDATE_EVENT, apply);
}
