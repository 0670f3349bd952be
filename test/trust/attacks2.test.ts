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
  it('a table the victim emits cannot be changed by the attacker\'s handler', async () => {
    const m = await twoMods();
    m.attack('events.on("state", function(t) pcall(function() t.hp = -1 end) pcall(rawset, t, "hp", -1) end)');
    m.rt.runSource(`local st = { hp = 10 } events.emit("state", st)
      print("victim state", st.hp)`, 'v2.lua', { mod: 'victim' });
    expect(m.prints).toContain('victim state\t10');
  });

  it('a table the victim emits to its own later handler arrives unchanged', async () => {
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
