import { describe, expect, it } from 'vitest';
import { createRuntime, MapScriptLoader, LuaRuntimeError, ValueConversionError } from '../../src/index';

// Calls every Lua API function with random argument tuples drawn (by the runtime's seeded
// math.random) from a pool of awkward values. Each call runs in its own task under pcall;
// errors must be Lua errors with string messages. Callbacks given to the APIs run later and
// may fail; those failures must arrive as error events. The host side must never see a JS
// exception, and the runtime must keep stepping.
const FUZZ = `
local CALLS = ...
local noop = function() end
local pool = {
  true, false, 0, -1, 1, 7, 1.5, -0.0, 0/0, math.huge, -math.huge, 2^53, 2^63,
  math.mininteger, math.maxinteger, "", "x", "ping", ("y"):rep(300), "../x", "a.b", {}, {1, 2, 3},
  { x = 1 }, setmetatable({}, { __call = noop }), noop, function() error("cb failed") end,
  function() task.wait(0.01) end, coroutine.create(noop), task.spawn(noop),
  events.on("fuzz", noop), entities.spawn("x", { name = "fz" }),
}
local ent = entities.spawn("x", { name = "target" })
local api = {
  setTimeout = setTimeout, setInterval = setInterval, clearTimeout = clearTimeout,
  clearInterval = clearInterval, ["time.now"] = time.now, ["time.frame"] = time.frame,
  ["time.dt"] = time.dt, ["task.spawn"] = task.spawn, ["task.defer"] = task.defer,
  ["task.delay"] = task.delay, ["task.wait"] = task.wait, ["task.wait_frames"] = task.wait_frames,
  ["task.wait_until"] = task.wait_until, ["task.cancel"] = task.cancel, ["task.await"] = task.await,
  ["events.on"] = events.on, ["events.once"] = events.once, ["events.emit"] = events.emit,
  ["events.wait"] = events.wait, ["coroutine.create"] = coroutine.create,
  ["coroutine.resume"] = coroutine.resume, ["coroutine.wrap"] = coroutine.wrap,
  ["coroutine.status"] = coroutine.status, ["coroutine.close"] = coroutine.close,
  ["coroutine.isyieldable"] = coroutine.isyieldable, ["coroutine.running"] = coroutine.running,
  require = require, load = load, setmetatable = setmetatable, rawset = rawset,
  collectgarbage = collectgarbage, ["string.rep"] = string.rep, ["string.find"] = string.find,
  ["string.gsub"] = string.gsub, ["os.clock"] = os.clock, ["os.time"] = os.time,
  ["math.random"] = math.random, tostring = tostring, select = select, ["table.unpack"] = table.unpack,
  ["entities.spawn"] = entities.spawn, ["entities.find"] = entities.find, ["entities.get"] = entities.get,
  ["entities.all"] = entities.all, ["entities.count"] = entities.count,
  ["entity.destroy"] = function(...) return ent.destroy(...) end,
  ["entity:send"] = function(...) return ent:send(...) end,
  ["entity.has_tag"] = function(...) return ent.has_tag(...) end,
  ["entity.is_alive"] = function(...) return ent.is_alive(...) end,
  ["entity[k] = v"] = function(k, v) ent[k] = v end,
  ["entity[k]"] = function(k) return ent[k] end,
  ["input.down"] = input.down, ["input.pressed"] = input.pressed, ["input.released"] = input.released,
  ["assets.load"] = assets.load, ["assets.has"] = assets.has, ["level.load"] = level.load,
}
local names = {}
for name in pairs(api) do names[#names + 1] = name end
table.sort(names)
local nonstring, lua_errors, ok_calls = 0, 0, 0
for i = 1, CALLS do
  local name = names[math.random(#names)]
  local nargs = math.random(0, 4)
  local args = {}
  for j = 1, nargs do
    local pick = math.random(#pool + 1)
    args[j] = pool[pick]                      -- #pool + 1 gives nil
  end
  task.spawn(function()
    local ok, err = pcall(api[name], table.unpack(args, 1, nargs))
    if ok then ok_calls = ok_calls + 1
    elseif type(err) == "string" then lua_errors = lua_errors + 1
    else nonstring = nonstring + 1; print("non-string error from", name, type(err)) end
  end)
end
setTimeout(function() print("summary", nonstring, lua_errors > 0, ok_calls > 0) end, 500)
`;

describe('The API fuzz test', () => {
  for (const seed of [1, 2, 3]) {
    it(`makes 4000 random calls (seed ${seed}) and meets only Lua errors`, async () => {
      const rt = await createRuntime({
        seed,
        // 4,000 calls in one callback: pattern calls are charged their worst case (libs.lua).
        instructionBudget: 1e8,
        scriptRoots: [new MapScriptLoader({ 'x.lua': 'return { update = function(self) self.x = self.x + 1 end, on_event = function() end }' })],
        assets: { x: 'x.png', ping: 'ping.png' },
        levels: { x: { entities: [{ script: 'x' }] }, ping: '{ bad json' },
      });
      const prints: string[] = [];
      const errors: unknown[] = [];
      rt.on('print', (t) => prints.push(t));
      rt.on('error', (e) => errors.push(e));
      rt.runSource(`return (function(...) ${FUZZ} end)(4000)`, 'fuzz.lua');
      for (let i = 0; i < 60; i++) rt.step();
      expect(prints.filter((p) => p.startsWith('non-string'))).toEqual([]);
      expect(prints).toContain('summary\t0\ttrue\ttrue');
      for (const e of errors) expect(e).toBeInstanceOf(LuaRuntimeError);
      expect(errors.some((e) => (e as LuaRuntimeError).message.includes('cb failed'))).toBe(true);
      // The runtime still works: a fresh script runs and its timer fires.
      prints.length = 0;
      rt.runSource('setTimeout(function() print("alive", time.frame()) end, 0)', 'after.lua');
      rt.step();
      expect(prints).toEqual(['alive\t61']);
      expect(rt.stats().frame).toBe(61);
      rt.close();
    });
  }

  it('rejects non-plain host payloads with a clear error and accepts plain ones', async () => {
    const rt = await createRuntime();
    const received: unknown[] = [];
    rt.runSource('events.on("p", function(...) print(select("#", ...)) end)', 'p.lua');
    rt.on('print', (t) => received.push(t));
    const hostile: unknown[] = [() => 1, new Map(), new Date(), Symbol('s'), 10n, new Uint8Array(2), { f: () => 1 }, [new Set()]];
    for (const value of hostile) expect(() => rt.emit('p', value)).toThrow(ValueConversionError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => rt.emit('p', cyclic)).toThrow(ValueConversionError);
    rt.emit('p', 1, 'two', [3], { four: 4 }, null, true);
    rt.step();
    expect(received).toEqual(['6']);
    rt.close();
  });
});
