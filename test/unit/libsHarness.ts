import coreLua from '../../src/vm/core.lua?raw';
import libsLua from '../../src/vm/libs.lua?raw';
import { LuaVm, type PlainValue } from '../../src/vm/LuaVm';

// A bare Lua state with libs.lua built over a counting `charge`: scripts run in an
// environment whose string/table/utf8/math/load are the safe ones (the string metatable too),
// with the real libraries under RAW for comparisons. CHARGED counts what was charged; when
// LIMIT is set, charge raises past it (as the watchdog's abort would).
const SETUP = `
local M, rt, source = ...
RT, LIBS_SOURCE = rt, source
CHARGED = 0
LIMIT = nil
local libs = M.build(function(n)
  assert(math.type(n) == "integer" and n >= 0, "charge takes a non-negative integer")
  CHARGED = CHARGED + n
  if LIMIT and CHARGED > LIMIT then error("budget exceeded", 0) end
end)
RAW = { string = string, table = table, utf8 = utf8, math = math, load = load }
SAFE = libs
LIBS_MODULE = M
local env = setmetatable({}, { __index = _G })
env.string, env.table, env.utf8, env.math = libs.string, libs.table, libs.utf8, libs.math
env.load = libs.make_load(env)
env._G = env
env.reset_charge = function() CHARGED = 0 end
env.charged = function() return CHARGED end
env.set_limit = function(n) LIMIT = n end
ENV = env
debug.getmetatable("").__index = libs.string
debug_getmetatable = debug.getmetatable
`;

export interface LibsState {
  vm: LuaVm;
  /** Runs \`source\` (chunk 'test.lua') in the safe environment; returns its first result or the error text. */
  run(source: string): { ok: boolean; value: PlainValue; error?: string };
}

export async function makeLibs(): Promise<LibsState> {
  const vm = await LuaVm.create();
  const { lua, L } = vm;
  vm.load(coreLua, 'moonstep/core.lua');
  lua.lua_createtable(L, 0, 0);
  let err = vm.pcall(1, 1);
  if (err) throw new Error(err);
  const rtRef = vm.ref();
  vm.load(libsLua, 'moonstep/libs.lua');
  vm.pushRef(rtRef);
  err = vm.pcall(1, 1);
  if (err) throw new Error(err);
  vm.load(SETUP, 'moonstep/setup.lua');
  lua.lua_rotate(L, -2, 1);
  vm.pushRef(rtRef);
  vm.pushString(libsLua);
  err = vm.pcall(3, 0);
  if (err) throw new Error(err);
  vm.setTop(0);
  return {
    vm,
    run(source: string) {
      vm.load(source, 'test.lua');
      lua.lua_getglobal(L, 'ENV');
      lua.lua_setupvalue(L, -2, 1);
      const e = vm.pcall(0, 1);
      if (e !== undefined) {
        vm.setTop(0);
        return { ok: false, value: null, error: e };
      }
      const value = vm.readValue(-1);
      vm.setTop(0);
      return { ok: true, value };
    },
  };
}
