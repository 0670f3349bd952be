import { LuaVm } from '../vm/LuaVm';
import coreLua from '../vm/core.lua?raw';
import sandboxLua from '../vm/sandbox.lua?raw';
import libsLua from '../vm/libs.lua?raw';
import queueLua from '../scheduler/queue.lua?raw';
import schedulerLua from '../scheduler/scheduler.lua?raw';
import timersLua from '../api/timers.lua?raw';
import taskLua from '../api/task.lua?raw';
import eventsLua from '../api/events.lua?raw';
import hostLua from '../api/host.lua?raw';
import inspectLua from './inspect.lua?raw';
import inputLua from '../api/input.lua?raw';
import assetsLua from '../api/assets.lua?raw';
import entitiesLua from '../entities/entities.lua?raw';
import triggersLua from '../entities/triggers.lua?raw';
import viewSyncLua from '../entities/view_sync.lua?raw';
import levelLua from '../entities/level.lua?raw';
import mistakesLua from './mistakes.lua?raw';

/** Host functions the Lua runtime calls (each becomes a C closure). */
export type HostFunctions = Record<string, (L: number) => number>;

/**
 * The runtime's Lua chunks in load order: `[field of rt, chunk name, source]`. Each receives
 * the internal `rt` table and returns its module, stored as `rt[field]`.
 */
const CHUNKS: ReadonlyArray<readonly [string, string, string]> = [
  ['mistakes', 'moonstep/mistakes.lua', mistakesLua],
  ['libs', 'moonstep/libs.lua', libsLua],
  ['queue', 'moonstep/queue.lua', queueLua],
  ['scheduler', 'moonstep/scheduler.lua', schedulerLua],
  ['timers', 'moonstep/timers.lua', timersLua],
  ['task', 'moonstep/task.lua', taskLua],
  ['events', 'moonstep/events.lua', eventsLua],
  ['hostcalls', 'moonstep/host.lua', hostLua],
  ['input', 'moonstep/input.lua', inputLua],
  ['assets', 'moonstep/assets.lua', assetsLua],
  ['entities', 'moonstep/entities.lua', entitiesLua],
  ['triggers', 'moonstep/triggers.lua', triggersLua],
  ['view_sync', 'moonstep/view_sync.lua', viewSyncLua],
  ['level', 'moonstep/level.lua', levelLua],
  ['inspect', 'moonstep/inspect.lua', inspectLua],
  ['sandbox', 'moonstep/sandbox.lua', sandboxLua],
];

/** Extra Lua chunks a feature adds (e.g. entities), loaded after the built-ins. */
export interface RuntimeChunk {
  readonly field: string;
  readonly chunkName: string;
  readonly source: string;
}

/**
 * Loads the runtime's Lua side into `vm`: the core with the host functions, each module
 * chunk, then freezes the sandbox. Returns registry refs of the entry points (`rt.entry.*`).
 */
export function bootRuntime(vm: LuaVm, host: HostFunctions, extra: readonly RuntimeChunk[] = []): Record<string, number> {
  const { lua, L } = vm;
  const fail = (what: string, message: string | undefined): never => {
    throw new Error(`moonstep: runtime failed to boot (${what}): ${message}`);
  };
  vm.load(coreLua, 'moonstep/core.lua');
  lua.lua_createtable(L, 0, Object.keys(host).length);
  for (const [name, fn] of Object.entries(host)) {
    vm.pushHostFunction(fn);
    lua.lua_setfield(L, -2, name);
  }
  const coreError = vm.pcall(1, 1);
  if (coreError) fail('core', coreError);
  const rtRef = vm.ref();
  const all = [...CHUNKS.map(([field, chunkName, source]) => ({ field, chunkName, source })), ...extra];
  // Extra chunks must load before the sandbox freezes its globals.
  const sandboxIndex = all.findIndex((c) => c.field === 'sandbox');
  const ordered = [...all.slice(0, sandboxIndex), ...all.slice(sandboxIndex + 1), all[sandboxIndex]!];
  for (const { field, chunkName, source } of ordered) {
    vm.load(source, chunkName);
    vm.pushRef(rtRef);
    const error = vm.pcall(1, 1);
    if (error) fail(chunkName, error);
    vm.pushRef(rtRef);
    lua.lua_rotate(L, -2, 1);
    lua.lua_setfield(L, -2, field);
    vm.setTop(0);
  }
  // rt.sandbox.freeze(); then collect rt.sandbox.entry.*
  vm.pushRef(rtRef);
  lua.lua_getfield(L, -1, 'sandbox');
  lua.lua_getfield(L, -1, 'freeze');
  const freezeError = vm.pcall(0, 0);
  if (freezeError) fail('freeze', freezeError);
  vm.setTop(0);
  // Every function in rt.entry becomes a registry ref the host can call.
  vm.pushRef(rtRef);
  lua.lua_getfield(L, -1, 'entry');
  const names: string[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2) !== 0) {
    names.push(vm.toStringAt(-2)!);
    lua.lua_settop(L, -2);
  }
  const refs: Record<string, number> = { rt: rtRef };
  for (const name of names) {
    lua.lua_getfield(L, -1, name);
    refs[name] = vm.ref();
  }
  vm.setTop(0);
  return refs;
}
