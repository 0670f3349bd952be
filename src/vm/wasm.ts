import { LuaFactory } from 'wasmoon';
import { defaultWasmLocation } from '#moonstep/wasm-location';

/** The low-level module type that wasmoon hands out (C API wrappers + the Emscripten module). */
export type LuaModule = Awaited<ReturnType<LuaFactory['getLuaModule']>>;

const modules = new Map<string, Promise<LuaModule>>();

/**
 * Loads (once per location) the Lua WebAssembly module. Runtimes that share a location share
 * one wasm instance and heap; each still owns a separate `lua_State`.
 */
export function loadLuaModule(wasmLocation?: string): Promise<LuaModule> {
  const location = wasmLocation ?? defaultWasmLocation() ?? '';
  let pending = modules.get(location);
  if (!pending) {
    pending = new LuaFactory(location || undefined).getLuaModule();
    pending.catch(() => modules.delete(location));
    modules.set(location, pending);
  }
  return pending;
}
