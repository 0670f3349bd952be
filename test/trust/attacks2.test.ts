// Second round of outside attacks on the trust promises (see attacks.test.ts for the first).
import { describe, expect, it } from 'vitest';
import { MapScriptLoader } from '../../src/index';
import { GAME_MODULES, twoMods, type TwoMods } from './harness';

function victimDisabled(m: TwoMods) {
  return m.warnings.filter((w) => /victim/.test(w) && /disabled/.test(w));
}
function expectSafe(m: TwoMods) {
  m.expectVictimIntact();
  expect(victimDisabled(m)).toEqual([]);
}
const sevenMods = (attackerModules: Record<string, string> = {}) => twoMods({
  mods: [
    { name: 'attacker', scripts: [new MapScriptLoader(attackerModules, 'attacker')] },
    { name: 'victim', scripts: [new MapScriptLoader({}, 'victim')] },
    ...['m1', 'm2', 'm3', 'm4', 'm5'].map((name) => ({ name, scripts: [] })),
  ],
});

describe('events.wait on another mod\'s event', () => {
  it('a waiter that loops forever after the victim\'s emit wakes it does not stop the victim', async () => {
    const m = await twoMods();
    m.attack('task.spawn(function() events.wait("victim_ping") while true do end end)');
    m.steps(20);
    expectSafe(m);
  });

  it('waiters that each burn under the callback budget after the victim\'s emit do not use up the victim\'s share', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 20 do task.spawn(function() while true do events.wait("victim_ping") for j = 1, 4e5 do end end end) end');
    m.steps(20);
    expectSafe(m);
  });

  it('a waiter under the callback budget does not use up the victim\'s share (7 mods)', async () => {
    const m = await sevenMods();
    m.attack('task.spawn(function() while true do events.wait("victim_ping") for j = 1, 1.8e6 do end end end)');
    m.steps(12);
    expectSafe(m);
  });

  it('a waiter with a timeout that loops after waking does not stop the victim', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 5 do task.spawn(function() events.wait("victim_ping", 10) while true do end end) end');
    m.steps(20);
    expectSafe(m);
  });
});

describe('Event payloads', () => {
  // BY DESIGN (docs/reliability.md: "values travel as they are: a mod that emits its own table hands it over"):
  // the attacker's handler mutates the emitted table in place. Kept as a record, not a broken promise.
  it.skip('a table the victim emits cannot be changed by the attacker\'s handler', async () => {
    const m = await twoMods();
    m.attack('events.on("state", function(t) pcall(function() t.hp = -1 end) pcall(rawset, t, "hp", -1) end)');
    m.rt.runSource(`local st = { hp = 10 } events.emit("state", st)
      print("victim state", st.hp)`, 'v2.lua', { mod: 'victim' });
    expect(m.prints).toContain('victim state\t10');
  });

  // BY DESIGN (docs/reliability.md: "values travel as they are: a mod that emits its own table hands it over"):
  // the attacker's handler mutates the emitted table in place. Kept as a record, not a broken promise.
  it.skip('a table the victim emits to its own later handler arrives unchanged', async () => {
    const m = await twoMods();
    m.attack('events.on("state2", function(t) pcall(function() t.hp = -1 end) end)');
    m.rt.runSource(`events.on("state2", function(t) print("victim handler sees", t.hp) end)
      events.emit("state2", { hp = 10 })`, 'v2.lua', { mod: 'victim' });
    expect(m.prints).toContain('victim handler sees\t10');
  });

  it('a view of the victim\'s entity emitted back does not let the victim\'s handler be tricked into a foreign write', async () => {
    const m = await twoMods();
    m.rt.runSource('events.on("give", function(e) local ok = pcall(function() e.n = 5 end) print("victim write", ok) end)', 'v2.lua', { mod: 'victim' });
    m.attack('events.emit("give", entities.find("victim_entity"))');
    m.steps(5);
    expectSafe(m);
  });
});

describe('Read-only views', () => {
  it('a function stored on the victim\'s entity cannot be used by the attacker to change the victim', async () => {
    const m = await twoMods();
    m.rt.runSource('local e = entities.spawn("counter", { name = "v2" }) e.bump = function() e.n = e.n + 1000 end', 'v2.lua', { mod: 'victim' });
    m.attack('local v = entities.find("v2") print("bump", pcall(v.bump))');
    m.rt.runSource('print("v2 n", entities.find("v2").n)', 'v3.lua', { mod: 'victim' });
    expect(m.prints).toContain('v2 n\t0');
  });

  it('a table with a metatable in the victim\'s field does not leak its real table through getmetatable', async () => {
    const m = await twoMods();
    m.rt.runSource('local e = entities.spawn("counter", { name = "v2" }) e.data = setmetatable({ hp = 5 }, { __index = {} })', 'v2.lua', { mod: 'victim' });
    m.attack(`local d = entities.find("v2").data
      local mt = getmetatable(d)
      print("mt", type(mt))
      if type(mt) == "table" then pcall(function() mt.__index.hp = -1 end) end`);
    m.rt.runSource('print("v2 hp", entities.find("v2").data.hp)', 'v3.lua', { mod: 'victim' });
    expect(m.prints).toContain('v2 hp\t5');
  });

  it('the real table behind a field view cannot be reached through the victim\'s own metatable __index table', async () => {
    const m = await twoMods();
    m.rt.runSource(`local proto = { hp = 5 } local e = entities.spawn("counter", { name = "v2" })
      e.data = setmetatable({}, { __index = proto }) e.proto = proto`, 'v2.lua', { mod: 'victim' });
    m.attack(`local v = entities.find("v2")
      print("w1", pcall(function() v.proto.hp = -1 end))
      for k, x in pairs(v) do if type(x) == "table" then pcall(rawset, x, "hp", -1) end end`);
    m.rt.runSource('print("v2 hp", entities.find("v2").data.hp)', 'v3.lua', { mod: 'victim' });
    expect(m.prints).toContain('v2 hp\t5');
  });

  it('a view passed as entities.spawn props, events payload and task.spawn arg does not become writable', async () => {
    const m = await twoMods({}, { 'grab.lua': 'return { init = function(self, props) pcall(function() props.n = -5 end) pcall(function() self.v = props end) end }' });
    m.attack(`local v = entities.find("victim_entity")
      entities.spawn("grab", v)
      entities.spawn("grab", { tags = v, name = "g" })
      events.on("x", function(p) pcall(function() p.n = -5 end) end) events.emit("x", v)
      task.spawn(function(p) pcall(function() p.n = -5 end) end, v)
      local a = setmetatable({}, { __index = v }) pcall(function() a.n = -5 end)`);
    m.steps(20);
    expectSafe(m);
  });

  it('the victim\'s table field read through the view and iterated with next does not expose real subtables', async () => {
    const m = await twoMods();
    m.rt.runSource('local e = entities.spawn("counter", { name = "v2" }) e.list = { { hp = 5 } }', 'v2.lua', { mod: 'victim' });
    m.attack(`local v = entities.find("v2")
      for k, x in pairs(v.list) do pcall(function() x.hp = -1 end) end
      for i, x in ipairs(v.list) do pcall(function() x.hp = -1 end) end
      pcall(table.insert, v.list, 1) pcall(table.remove, v.list) pcall(table.sort, v.list, function() return false end)
      pcall(table.move, { 9 }, 1, 1, 1, v.list)`);
    m.rt.runSource('local l = entities.find("v2").list print("v2 list", #l, l[1].hp)', 'v3.lua', { mod: 'victim' });
    expect(m.prints).toContain('v2 list\t1\t5');
  });

  it('a coroutine stored on the victim\'s entity cannot be resumed or closed by the attacker', async () => {
    const m = await twoMods();
    m.rt.runSource(`local e = entities.spawn("counter", { name = "v2" })
      e.co = coroutine.create(function() while true do e.n = e.n + 1000 coroutine.yield() end end)`, 'v2.lua', { mod: 'victim' });
    m.attack('local v = entities.find("v2") print("resume", pcall(coroutine.resume, v.co)) print("close", pcall(coroutine.close, v.co))');
    m.rt.runSource('local e = entities.find("v2") print("v2 n", e.n, coroutine.status(e.co))', 'v3.lua', { mod: 'victim' });
    expect(m.prints).toContain('v2 n\t0\tsuspended');
  });
});

describe('events.wait on another mod\'s event (blame)', () => {
  it('waiters that burn under the callback budget are not blamed on the victim, nor get it disabled (2 mods)', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 30 do task.spawn(function() while true do events.wait("victim_ping") for j = 1, 1.5e6 do end end end) end');
    m.steps(20);
    expectSafe(m);
  });

  it('a waiter that allocates until out of memory after the victim\'s emit is not blamed on the victim', async () => {
    const m = await twoMods();
    m.attack('task.spawn(function() events.wait("victim_ping") local t = {} while true do t[#t + 1] = { 1, 2, 3, 4 } end end)');
    m.steps(20);
    expectSafe(m);
  });

  it('a handler that allocates until out of memory during the victim\'s emit is not blamed on the victim', async () => {
    const m = await twoMods();
    m.attack('events.on("victim_ping", function() local t = {} while true do t[#t + 1] = { 1, 2, 3, 4 } end end)');
    m.steps(20);
    expectSafe(m);
  });

  it('an entity task that waits for the victim\'s event and then burns is not blamed on the victim (7 mods)', async () => {
    const m = await sevenMods({ 'w.lua': 'return { init = function(self) while true do events.wait("victim_ping") for j = 1, 1.8e6 do end end end }' });
    m.attack('entities.spawn("w")');
    m.steps(12);
    expectSafe(m);
  });

  it('a waiter with <close> that loops is not blamed on the victim (7 mods)', async () => {
    const m = await sevenMods();
    m.attack(`task.spawn(function() while true do
        local x <close> = setmetatable({}, { __close = function() for j = 1, 1.8e6 do end end })
        events.wait("victim_ping") end end)`);
    m.steps(12);
    expectSafe(m);
  });

  it('a waiter that emits the victim\'s event again (re-entrant) does not break the victim\'s count', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 50 do task.spawn(function() while true do events.wait("victim_ping") events.emit("ping") end end) end');
    m.steps(20);
    expectSafe(m);
  });

  it('a waiter acting inside the victim\'s emit cannot cancel the victim\'s timers', async () => {
    const m = await twoMods();
    m.attack('task.spawn(function() events.wait("victim_ping") for id = 1, 200 do clearTimeout(id) clearInterval(id) end end)');
    m.steps(20);
    expectSafe(m);
  });
});

describe('Chunk names and entity names', () => {
  it('a loop in a chunk the attacker loads under the victim\'s chunk name is blamed on the attacker', async () => {
    const m = await twoMods();
    m.attack('setTimeout(function() load("while true do end", "@victim.lua")() end, 0)');
    m.steps(20);
    expectSafe(m);
    expect(m.errors.length).toBe(1);
  });
});

describe('Views, more', () => {
  it('a view\'s methods cannot be called on the victim\'s entity through a stolen method table', async () => {
    const m = await twoMods();
    m.attack(`local v = entities.find("victim_entity")
      local d, s = v.destroy, v.send
      print("d", pcall(d, v))
      for k, f in pairs(getmetatable(entities) or {}) do end
      local ok, mt = pcall(getmetatable, v) print("mt", mt)`);
    m.steps(20);
    expectSafe(m);
  });

  it('a victim field holding the victim\'s own entity, read through the view, stays read-only', async () => {
    const m = await twoMods();
    m.rt.runSource('local e = entities.spawn("counter", { name = "v2" }) e.me = e e.other = entities.find("victim_entity")', 'v2.lua', { mod: 'victim' });
    m.attack(`local v = entities.find("v2")
      print("w", pcall(function() v.me.n = -1 end), pcall(function() v.other.n = -1 end), pcall(function() v.other:destroy() end))`);
    m.steps(20);
    expectSafe(m);
  });

  it('__gc, __close and __mode on views do not run attacker code as the victim', async () => {
    const m = await twoMods();
    m.attack(`local v = entities.find("victim_entity")
      print(pcall(setmetatable, v, {}))
      print(pcall(debug and debug.setmetatable or error, v, {}))
      do local c <close> = v end`);
    m.steps(20);
    expectSafe(m);
  });
});

describe('Waiters resumed inside another mod\'s emit (severe)', () => {
  it('one events.wait loop under the callback budget gets the whole victim mod disabled (7 mods, 40 steps)', async () => {
    const m = await sevenMods();
    m.attack('task.spawn(function() while true do events.wait("victim_ping") for j = 1, 1.8e6 do end end end)');
    m.steps(40);
    expect(victimDisabled(m)).toEqual([]);
    m.expectVictimIntact();
  });

  it('waiters on "ping" (a handler the victim has, that another mod emits) are not charged to that mod', async () => {
    const m = await sevenMods();
    // m1 emits ping each step; the attacker's waiter burns in m1's emit.
    m.rt.runSource('setInterval(function() events.emit("ping") end, 16)', 'm1.lua', { mod: 'm1' });
    m.attack('task.spawn(function() while true do events.wait("ping") for j = 1, 1.8e6 do end end end)');
    m.steps(40);
    expect(m.warnings.filter((w) => /m1/.test(w) && /disabled/.test(w))).toEqual([]);
    expectSafe(m);
  });

  it('a trigger area\'s task waiting for the victim\'s event is not charged to the victim (7 mods)', async () => {
    const m = await sevenMods({ 'area.lua': `return { on_enter = function(self, other)
        while true do events.wait("victim_ping") for j = 1, 1.8e6 do end end end }` });
    m.attack('entities.spawn("area", { name = "area", x = 0, y = 0, width = 100, height = 100 })');
    m.steps(40);
    expectSafe(m);
  });
});

describe('require and load', () => {
  it('package.loaded and package.searchers changes stay in the attacker\'s mod', async () => {
    const m = await twoMods();
    m.attack(`local vec = require("util.vec")
      pcall(function() package.loaded["util.vec"] = { length = function() return -1 end } end)
      pcall(function() package.preload["util.vec"] = function() return { length = function() return -1 end } end end)
      pcall(function() table.insert(package.searchers, 1, function() return function() return { length = function() return -1 end } end end) end)
      pcall(function() package.path = "" end)
      pcall(function() vec.length = nil end)`);
    m.steps(20);
    expectSafe(m);
  });

  it('a module required under a name with dots and slashes does not reach the victim\'s loader', async () => {
    const m = await twoMods();
    m.attack(`for _, n in ipairs({ "../victim/x", "victim.lua", "@victim", "..", "", ".util.vec", "util..vec", "util/vec", string.rep("a.", 5000) }) do
        print("req", pcall(require, n)) end`);
    m.steps(20);
    expectSafe(m);
  });

  it('load with an environment whose __index loops, or a view as environment, is stopped in the attacker', async () => {
    const m = await twoMods();
    m.attack(`setTimeout(function()
        local env = setmetatable({}, { __index = function() while true do end end })
        pcall(load("return x", "x", "t", env))
      end, 0)
      local v = entities.find("victim_entity")
      print("envview", pcall(load("n = 5 return n", "y", "t", v)))
      print("binary", pcall(load, string.dump and string.dump(function() end) or "", "b", "b"))`);
    m.steps(20);
    expectSafe(m);
  });

  it('a module whose top level waits for the victim\'s event and then burns is not charged to the victim (7 mods)', async () => {
    const m = await sevenMods({ 'slow.lua': 'events.wait("victim_ping") for j = 1, 1.8e6 do end return {}' });
    m.attack('task.spawn(function() require("slow") end)');
    m.steps(40);
    expectSafe(m);
  });
});

describe('Memory during bookkeeping', () => {
  it('an attacker near the memory cap whose handler allocates in the victim\'s emit does not fail the victim\'s emit', async () => {
    const m = await twoMods();
    m.attack(`hold = {}
      pcall(function() while true do hold[#hold + 1] = string.rep("x", 4096) .. #hold end end)
      events.on("victim_ping", function() local t = {} for i = 1, 1e5 do t[i] = {} end end)`);
    m.steps(20);
    expectSafe(m);
  });

  it('a waiter that allocates near the cap in the victim\'s emit does not fail the victim', async () => {
    const m = await twoMods();
    m.attack(`hold = {}
      pcall(function() while true do hold[#hold + 1] = string.rep("y", 4096) .. #hold end end)
      for i = 1, 10 do hold[#hold] = nil end
      for i = 1, 50 do task.spawn(function() while true do events.wait("victim_ping") local t = {} for j = 1, 1e4 do t[j] = {} end end end) end`);
    m.steps(20);
    expectSafe(m);
  });
});

describe('Threads reachable through views', () => {
  it('a running task\'s thread the victim stores on its entity cannot be cancelled by the attacker', async () => {
    const m = await twoMods();
    m.rt.runSource(`local e = entities.spawn("counter", { name = "v2" })
      task.spawn(function() e.co = coroutine.running() while true do task.wait() e.ticks = (e.ticks or 0) + 1 end end)`, 'v2.lua', { mod: 'victim' });
    m.attack('local v = entities.find("v2") print("cancel", pcall(task.cancel, v.co))');
    m.steps(5);
    m.rt.runSource('print("v2 ticks", entities.find("v2").ticks)', 'v3.lua', { mod: 'victim' });
    expect(m.prints).toContain('v2 ticks\t5');
  });

  it('a victim coroutine read through a view cannot be adopted with task.spawn', async () => {
    const m = await twoMods();
    m.rt.runSource(`local e = entities.spawn("counter", { name = "v2" })
      e.gen = coroutine.create(function() while true do e.n = e.n + 1000 coroutine.yield() end end)`, 'v2.lua', { mod: 'victim' });
    m.attack('local v = entities.find("v2") print("adopt", pcall(task.spawn, v.gen))');
    m.rt.runSource('local e = entities.find("v2") print("v2", e.n, coroutine.status(e.gen))', 'v3.lua', { mod: 'victim' });
    expect(m.prints).toContain('v2\t0\tsuspended');
  });

  it('task.await on a victim task adopted through a view does not resume in the victim\'s context', async () => {
    const m = await sevenMods();
    m.rt.runSource(`local e = entities.spawn("counter", { name = "v2" })
      task.spawn(function() e.co = coroutine.running() task.wait(0.05) end)`, 'v2.lua', { mod: 'victim' });
    m.attack('local v = entities.find("v2") task.spawn(function() print("await", pcall(task.await, v.co)) for j = 1, 1.8e6 do end end)');
    m.steps(40);
    expectSafe(m);
  });
});

describe('Memory during bookkeeping, 2', () => {
  it('20,000 handlers on the victim\'s event plus a full heap do not make the victim\'s emit run out of memory', async () => {
    const m = await twoMods();
    m.attack(`for i = 1, 20000 do events.on("victim_ping", function() end) end
      hold = {}
      pcall(function() while true do hold[#hold + 1] = string.rep("z", 1024) .. #hold end end)
      pcall(function() while true do hold[#hold + 1] = {} end end)`);
    m.steps(20);
    expectSafe(m);
  });

  it('a full heap does not make the victim\'s interval rescheduling or entity update fail', async () => {
    const m = await twoMods();
    m.attack(`hold = {}
      setInterval(function()
        pcall(function() while true do hold[#hold + 1] = string.rep("w", 256) .. #hold end end)
        pcall(function() while true do hold[#hold + 1] = {} end end)
        pcall(function() while true do hold[#hold + 1] = 1 end end)
      end, 16)`);
    m.steps(20);
    expectSafe(m);
  });
});

describe('Waiters with the default budgets', () => {
  it('with default instructionBudget and stepInstructionBudget (7 mods), a waiter does not get the emitting victim disabled', async () => {
    const m = await twoMods({
      instructionBudget: 1e7,
      mods: [
        { name: 'attacker', scripts: [] },
        { name: 'victim', scripts: [] },
        ...['m1', 'm2', 'm3', 'm4', 'm5'].map((name) => ({ name, scripts: [] })),
      ],
    });
    m.attack('task.spawn(function() while true do events.wait("victim_ping") for j = 1, 8e6 do end end end)');
    m.steps(12);
    expect(victimDisabled(m)).toEqual([]);
    m.expectVictimIntact();
  });
});

describe('Waiters woken by the game', () => {
  it('a waiter woken by the game\'s own emit does not get the game\'s scripts stopped (7 mods)', async () => {
    const m = await sevenMods();
    m.rt.runSource('n_game = 0 setInterval(function() events.emit("tick") n_game = n_game + 1 print("game tick " .. n_game) end, 16)', 'game_main.lua');
    m.attack('task.spawn(function() while true do events.wait("tick") for j = 1, 1.8e6 do end end end)');
    m.steps(20);
    expect(m.prints.filter((p) => p.startsWith('game tick')).length).toBe(20);
    expect(m.errors.filter((e) => /game_main/.test(e.owner))).toEqual([]);
    expectSafe(m);
  });
});
