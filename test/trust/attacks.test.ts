// Attacks on the trust promises, written by an outside tester: an attacker mod beside the
// victim sentinel of harness.ts. Each test is the attack, then what must hold if the product
// keeps its promise (the steps complete, the victim is intact, errors are typed, the host
// never throws). Attacks the product does not yet withstand are kept as it.skip with an
// "OPEN:" note saying why (docs/reliability.md lists them under "Out of reach today").
import { describe, expect, it } from 'vitest';
import { MapScriptLoader } from '../../src/index';
import { GAME_MODULES, twoMods, type TwoMods } from './harness';

/** Errors whose owner is not the attacker's (its scripts and its entities). */
function foreignErrors(m: TwoMods) {
  return m.errors.filter((e) => !/attack|evil|entity:hog|entity:spy/.test(e.owner));
}

/** Warnings that say a mod other than the attacker was disabled. */
function victimDisabled(m: TwoMods) {
  return m.warnings.filter((w) => /victim/.test(w) && /disabled/.test(w));
}

function expectSafe(m: TwoMods) {
  m.expectVictimIntact();
  expect(victimDisabled(m)).toEqual([]);
}

// A behaviour whose hooks table answers through __index: the runtime reads hooks by name
// (hooks.on_event, hooks.final, ...), so the attacker's function runs wherever it does.
const FLAG = 'return { armed = false, n = 0 }';
const evilBehaviour = (body: string) => `local flag = require("flag")
  return setmetatable({}, { __index = function(t, k)
    if flag.armed then ${body} end
  end })`;

describe('Entities of another mod', () => {
  it('cannot be destroyed through entities.find', async () => {
    const m = await twoMods();
    m.attack('local e = entities.find("victim_entity") print("destroy", pcall(e.destroy, e))');
    m.steps(20);
    expectSafe(m);
  });

  it('cannot be destroyed through entities.all', async () => {
    const m = await twoMods();
    m.attack('for _, e in ipairs(entities.all()) do pcall(function() e:destroy() end) end');
    m.steps(20);
    expectSafe(m);
  });

  it('cannot be destroyed through entities.get with guessed ids', async () => {
    const m = await twoMods();
    m.attack('for id = 1, 100 do local e = entities.get(id) if e then pcall(e.destroy, e) end end');
    m.steps(20);
    expectSafe(m);
  });

  it('cannot have its own fields overwritten', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() local e = entities.find("victim_entity") pcall(function() e.n = -1000 end) end, 16)');
    m.steps(20);
    expectSafe(m);
  });

  it('cannot have its own fields overwritten with rawset', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() local e = entities.find("victim_entity") pcall(rawset, e, "n", -1000) end, 16)');
    m.steps(20);
    expectSafe(m);
  });

  it('cannot be moved or hidden by another mod', async () => {
    const m = await twoMods();
    m.attack(`local e = entities.find("victim_entity")
      print("moved", pcall(function() e.x = 12345 e.visible = false e.alpha = 0 end))`);
    m.rt.runSource('local e = entities.find("victim_entity") print("victim sees", e.x, e.visible, e.alpha)', 'check.lua', { mod: 'victim' });
    expect(m.prints).toContain('victim sees\t0\ttrue\t1');
    m.steps(12);
    expectSafe(m);
  });

  it('cannot be made to run an update that is not its own (update field shadowing)', async () => {
    const m = await twoMods();
    m.attack(`local e = entities.find("victim_entity")
      pcall(function() e.update = function() end end)
      pcall(rawset, e, "update", function() end)
      pcall(function() e.init = function() end e.on_event = function() while true do end end end)
      e:send("boom")`);
    m.steps(20);
    expectSafe(m);
  });

  it('stays put under entity:send floods from another mod', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() local e = entities.find("victim_entity") for i = 1, 2e4 do e:send("x", i) end end, 16)');
    m.steps(20);
    expectSafe(m);
  });
});

describe('Runtime code that reads a behaviour\'s hooks runs the attacker\'s __index', () => {
  it('cannot run in the victim\'s emit and be blamed on the victim (loop in __index of hooks.on_event)', async () => {
    const m = await twoMods({}, { 'flag.lua': FLAG, 'evil.lua': evilBehaviour('if k == "on_event" then while true do end end') });
    m.attack('local flag = require("flag") entities.spawn("evil", { name = "evil" }) flag.armed = true');
    m.steps(20);
    expectSafe(m);
    expect(m.errors.every((e) => /attack|evil/.test(e.owner))).toBe(true);
  });

  it('cannot act as the victim from its emit (clearTimeout of guessed ids inside __index)', async () => {
    const m = await twoMods({}, {
      'flag.lua': FLAG,
      'evil.lua': evilBehaviour('if k == "on_event" and flag.n == 0 then flag.n = 1 for id = 1, 4000 do clearTimeout(id) end end'),
    });
    m.attack('local flag = require("flag") entities.spawn("evil", { name = "evil" }) flag.armed = true');
    m.steps(20);
    expectSafe(m);
  });

  it('cannot cancel the victim\'s running thread from inside its emit', async () => {
    const m = await twoMods({}, {
      'flag.lua': FLAG,
      'evil.lua': evilBehaviour('if k == "on_event" then pcall(task.cancel, (coroutine.running())) pcall(coroutine.yield) end'),
    });
    m.attack('local flag = require("flag") entities.spawn("evil", { name = "evil" }) flag.armed = true');
    m.steps(20);
    expectSafe(m);
  });

  it('cannot error the victim\'s emit from inside __index', async () => {
    const m = await twoMods({}, { 'flag.lua': FLAG, 'evil.lua': evilBehaviour('if k == "on_event" then error("gotcha") end') });
    m.attack('local flag = require("flag") entities.spawn("evil", { name = "evil" }) flag.armed = true');
    m.steps(20);
    expectSafe(m);
  });
});

describe('Work the victim\'s own callbacks start on behalf of the attacker', () => {
  it('handlers of the victim\'s event that each stay under the callback budget do not exhaust the victim\'s share', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 3 do events.on("victim_ping", function() for j = 1, 4e5 do end end) end');
    m.steps(20);
    expectSafe(m);
  });

  it('handlers of the victim\'s event that loop forever do not stop the victim', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 3 do events.on("victim_ping", function() while true do end end) end');
    m.steps(20);
    expectSafe(m);
    expect(m.errors.every((e) => e.kind === 'timeout')).toBe(true);
  });

  it('an entity\'s on_event that burns instructions on every broadcast does not stop the victim', async () => {
    const m = await twoMods({}, { 'hog.lua': 'return { on_event = function(self, name) for j = 1, 4e5 do end end }' });
    m.attack('for i = 1, 5 do entities.spawn("hog", { name = "hog" }) end');
    m.steps(20);
    expectSafe(m);
  });

  it('an entity\'s on_event that loops forever does not stop the victim', async () => {
    const m = await twoMods({}, { 'hog.lua': 'return { on_event = function(self, name) if name == "victim_ping" then while true do end end end }' });
    m.attack('for i = 1, 3 do entities.spawn("hog", { name = "hog" }) end');
    m.steps(20);
    expectSafe(m);
  });

  it('a handler that waits and then loops is charged to the attacker', async () => {
    const m = await twoMods();
    m.attack('events.on("victim_ping", function() task.wait() for j = 1, 1e6 do end end)');
    m.steps(20);
    expectSafe(m);
  });

  it('handlers with <close> variables that loop on the victim\'s emit do not stop the victim', async () => {
    const m = await twoMods();
    m.attack(`for i = 1, 3 do events.on("victim_ping", function()
        local x <close> = setmetatable({}, { __close = function() for j = 1, 4e5 do end end })
      end) end`);
    m.steps(20);
    expectSafe(m);
  });
});

describe('Code the watchdog cannot see', () => {
  const loops: Array<[string, string]> = [
    ['__close of a task cancelled by its owner', `local t = task.spawn(function()
        local x <close> = setmetatable({}, { __close = function() while true do end end }) task.wait(100) end)
      task.cancel(t)`],
    ['__close of a waiting task whose entity is destroyed', ''],
    ['a table.sort comparator', 'local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) while true do end end)'],
    ['a gsub callback', '("abc"):gsub(".", function() while true do end end)'],
    ['__lt in table.sort', `local mt = { __lt = function() while true do end end }
      local t = {} for i = 1, 10 do t[i] = setmetatable({}, mt) end table.sort(t)`],
    ['__concat in table.concat args (tostring)', 'print(setmetatable({}, { __tostring = function() while true do end end }))'],
    ['__index of a string method lookup', 'local s = setmetatable({}, { __index = function() while true do end end }) local _ = s.x'],
    ['__eq', 'local mt = { __eq = function() while true do end end } local _ = setmetatable({}, mt) == setmetatable({}, mt)'],
    ['__len via rawlen-free #', 'local _ = #setmetatable({}, { __len = function() while true do end end })'],
    ['a load reader function', 'load(function() while true do end end)'],
    ['__pairs', 'for k in pairs(setmetatable({}, { __pairs = function() while true do end end })) do end'],
    ['xpcall handler after a real error', 'xpcall(function() error("x") end, function() while true do end end)'],
    ['a coroutine.wrap inside a metamethod', 'local t = setmetatable({}, { __index = coroutine.wrap(function() while true do end end) }) local _ = t.x'],
    ['task.wait_until predicate', 'task.wait_until(function() while true do end end)'],
    ['a __call table as a timer callback', 'setTimeout(setmetatable({}, { __call = function() while true do end end }), 0)'],
    ['a __call table as a task body', 'task.spawn(setmetatable({}, { __call = function() while true do end end }))'],
    ['string.rep with a looping __index... string metatable is fixed; utf8.codes over a big string', 'for _ in utf8.codes(("a"):rep(1e7)) do end while true do end'],
  ];
  for (const [where, script] of loops) {
    if (!script) continue;
    it(`stops a loop in ${where}`, async () => {
      const m = await twoMods();
      m.attack(script);
      m.steps(12);
      expect(m.errors.length).toBeGreaterThan(0);
      expect(m.errors.map((e) => e.kind)).toContain('timeout');
      expectSafe(m);
    });
  }

  it('never runs the looping metamethods of error objects the runtime handles', async () => {
    const m = await twoMods();
    const loop = 'function() while true do end end';
    m.attack(`error(setmetatable({}, { __tostring = ${loop} }))`);
    m.attack(`pcall(error, setmetatable({}, { __index = ${loop} }))`, 'attack2.lua');
    m.attack(`local function f() return 1 + f() end print(xpcall(f, ${loop}))`, 'attack3.lua');
    m.steps(12);
    expect(m.errors.map((e) => e.message)).toEqual(['(error object is a table value)']);
    expectSafe(m);
  });

  it('stops a loop in a __call table as an event handler', async () => {
    const m = await twoMods();
    m.attack('events.on("z", setmetatable({}, { __call = function() while true do end end })) events.emit("z")');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    expectSafe(m);
  });

  it('stops a loop in __close of a waiting task whose entity is destroyed', async () => {
    const m = await twoMods({}, { 'spy.lua': `return { init = function(self)
        local x <close> = setmetatable({}, { __close = function() while true do end end }) task.wait(100) end }` });
    m.attack('local e = entities.spawn("spy", { name = "spy" }) setTimeout(function() e:destroy() end, 50)');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toContain('timeout');
    expectSafe(m);
  });

  it('stops a __close loop when the attacker\'s mod is disabled for overspending', async () => {
    const m = await twoMods({ instructionBudget: 1e6, stepInstructionBudget: 6e6 });
    m.attack(`for i = 1, 5 do task.spawn(function()
        local x <close> = setmetatable({}, { __close = function() while true do end end }) task.wait(100) end) end
      for i = 1, 300 do setInterval(function() for i = 1, 3e5 do end end, 16) end`);
    m.steps(20);
    expectSafe(m);
  });

  it('stops a __close loop in a coroutine the script closes after the abort budget', async () => {
    const m = await twoMods();
    m.attack(`local cos = {}
      for i = 1, 50 do
        local co = coroutine.create(function()
          local x <close> = setmetatable({}, { __close = function() for j = 1, 1e6 do end end })
          coroutine.yield()
        end)
        coroutine.resume(co) cos[i] = co
      end
      for i = 1, 50 do coroutine.close(cos[i]) end`);
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    expectSafe(m);
  });

  it('deep recursion ends in an error for the attacker only', async () => {
    const m = await twoMods();
    m.attack('local function f(n) return f(n + 1) + 1 end f(1)');
    m.attack('local function g() return coroutine.wrap(g)() end g()', 'attack2.lua');
    m.attack('local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) return s[k .. "x"] end local _ = t.a', 'attack3.lua');
    m.steps(12);
    expect(m.errors.length).toBe(3);
    expectSafe(m);
  });

  it('an error object with metamethods reaches the host as text, without running them', async () => {
    const m = await twoMods();
    const loop = 'function() while true do end end';
    m.attack(`error(setmetatable({}, { __tostring = ${loop}, __index = ${loop}, __concat = ${loop}, __eq = ${loop}, __len = ${loop}, __name = "x" }))`);
    m.attack(`setTimeout(function() error(setmetatable({}, { __tostring = ${loop}, __index = ${loop} })) end, 0)`, 'attack2.lua');
    m.attack(`local t = task.spawn(function() task.wait() error(setmetatable({}, { __tostring = ${loop} })) end)
      task.spawn(function() print(pcall(task.await, t)) end)`, 'attack3.lua');
    m.steps(12);
    expect(m.errors.length).toBeGreaterThanOrEqual(2);
    expect(m.errors.every((e) => e.kind === 'runtime' && typeof e.message === 'string')).toBe(true);
    expectSafe(m);
  });

  it('__gc cannot be smuggled in after setmetatable or through a metatable\'s own metatable', async () => {
    const m = await twoMods();
    m.attack(`local mt = {} local t = setmetatable({}, mt) mt.__gc = function() while true do end end t = nil
      local mt2 = setmetatable({}, { __index = { __gc = function() while true do end end } })
      local t2 = setmetatable({}, mt2) t2 = nil
      print(pcall(setmetatable, {}, { __gc = false }))
      for i = 1, 1e5 do setmetatable({}, mt) end`);
    m.steps(12);
    m.rt.collectGarbage();
    m.steps(12);
    expectSafe(m);
  });
});

describe('Reaching the runtime\'s tables', () => {
  const probes: Array<[string, string]> = [
    ['getmetatable of an entity', 'local e = entities.find("victim_entity") local mt = getmetatable(e) print(type(mt)) if type(mt) == "table" then mt.__index = function() return 0 end end'],
    ['getmetatable of a task handle', 'local h = task.spawn(function() end) local mt = getmetatable(h) if type(mt) == "table" then mt.__index = nil end'],
    ['getmetatable of a connection', 'local c = events.on("a", print) local mt = getmetatable(c) if type(mt) == "table" then mt.__index = nil end'],
    ['pairs over an entity', 'local e = entities.find("victim_entity") for k, v in pairs(e) do if type(v) == "table" then v.n = -1 end end'],
    ['next over a task handle and a connection', 'local h = task.spawn(function() end) print(next(h)) local c = events.on("a", print) print(next(c))'],
    ['the environment\'s metatable', 'local mt = getmetatable(_G) print(mt) pcall(setmetatable, _G, nil) pcall(rawset, _G, "string", nil)'],
    ['load with a library table as its environment', 'pcall(load("format = print insert = print", "x", "t", string)) pcall(load("floor = nil", "y", "t", math))'],
    ['string.gsub with a library table as the replacement', 'print(("format"):gsub("%w+", string))'],
    ['_ENV replaced by the string metatable view', 'local _ENV = getmetatable("") pcall(function() __index = nil end)'],
    ['coroutine.running in the main chunk', 'local co = coroutine.running() print(pcall(coroutine.close, co)) print(pcall(task.cancel, co))'],
    ['coroutine.yield out of a timer callback', 'for i = 1, 50 do setTimeout(function() coroutine.yield("x") end, 0) end'],
    ['coroutine.yield out of the main chunk', 'coroutine.yield(1, 2, 3)'],
    ['coroutine.yield out of an event handler', 'events.on("ping", function() coroutine.yield() end) events.emit("ping")'],
    ['yield of a thread to task.spawn twice', 'local co = coroutine.create(function() coroutine.yield() end) task.spawn(co) print(pcall(task.spawn, co))'],
    ['table.remove/insert on library views', 'pcall(table.remove, string) pcall(table.insert, math, 1, 2) pcall(table.sort, table)'],
    ['require of a module with a dotted path to the runtime', 'print(pcall(require, "moonstep.scheduler")) print(pcall(require, "..sandbox")) print(pcall(require, "victim"))'],
    ['the string metatable\'s __index field', 'local mt = getmetatable("") print(pcall(rawset, mt, "__index", {})) print(pcall(function() mt.__index = {} end))'],
  ];
  for (const [route, script] of probes) {
    it(`through ${route}`, async () => {
      const m = await twoMods();
      m.attack(script);
      m.steps(20);
      expectSafe(m);
    });
  }
});

describe('Another mod\'s timers, tasks and events', () => {
  it('clearTimeout, clearInterval and timers.cancel of every small id do nothing to the victim', async () => {
    const m = await twoMods();
    m.attack('for id = -10, 2e5 do clearTimeout(id) clearInterval(id + 0.0) timers.cancel(id) end');
    m.steps(20);
    expectSafe(m);
  });

  it('timer ids guessed from the attacker\'s own (neighbours) do nothing to the victim', async () => {
    const m = await twoMods();
    m.attack(`setInterval(function()
        local a, b = setTimeout(print, 1000), setInterval(print, 1000)
        for d = -5000, 5000 do clearTimeout(a + d) clearTimeout(b + d) end
      end, 16)`);
    m.steps(20);
    expectSafe(m);
  });

  it('task.cancel of every entity\'s and everyone\'s threads it can see does nothing', async () => {
    const m = await twoMods();
    m.attack(`for _, e in ipairs(entities.all()) do pcall(task.cancel, e) end
      pcall(task.cancel, {}) pcall(task.cancel, setmetatable({}, { __metatable = "task" }))`);
    m.steps(20);
    expectSafe(m);
  });

  it('cannot disconnect another mod\'s handlers by subscribing and disconnecting the same event', async () => {
    const m = await twoMods();
    m.attack(`setInterval(function()
        for i = 1, 50 do local c = events.on("victim_ping", print) c:disconnect() c:disconnect() end
        local c = events.once("victim_ping", function() end)
      end, 16)`);
    m.steps(20);
    expectSafe(m);
  });

  it('events.wait on the victim\'s event does not steal it', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 100 do task.spawn(function() while true do events.wait("victim_ping") end end) end');
    m.steps(20);
    expectSafe(m);
  });

  it('emitting the victim\'s event does not break its count... (attacker emits victim_ping)', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() events.emit("victim_ping") end, 16)');
    m.steps(20);
    // The victim's handler counts every victim_ping, so a forged emit shows up as a broken check;
    // events are a shared bus by design, so only note it.
    const broken = m.prints.filter((p) => p.startsWith('victim BROKEN'));
    expect(broken.every((b) => /own event handler/.test(b))).toBe(true);
  });

  it('a flood of tasks and timers does not delay the victim\'s interval', async () => {
    const m = await twoMods();
    m.attack(`setInterval(function()
        for i = 1, 5000 do setTimeout(function() end, 0) task.delay(0, function() end) task.defer(function() end) end
      end, 16)`);
    m.steps(20);
    expectSafe(m);
  });

  it('a flood of deferred tasks past the pass limit does not starve the victim', async () => {
    const m = await twoMods();
    m.attack('local function again() task.defer(again) task.defer(again) end again()');
    m.steps(20);
    expectSafe(m);
  });

  it('a flood of intervals with period 0 does not starve the victim', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 2e4 do setInterval(function() end, 0) end');
    m.steps(20);
    expectSafe(m);
  });

  // OPEN: memory is capped per runtime, not per mod yet: a mod that fills the heap makes the others' allocations fail.
  it.skip('a flood of entities up to the memory cap neither freezes the game nor starves the victim', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() for i = 1, 2000 do entities.spawn("counter") end end, 16)');
    let slowest = 0;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      m.steps(1);
      slowest = Math.max(slowest, performance.now() - t);
    }
    expect(slowest).toBeLessThan(1000);
    expectSafe(m);
  }, 180_000);

  it('entities that spawn and destroy each other in init and final do not hurt the victim', async () => {
    const m = await twoMods({}, { 'bomb.lua': `return {
        init = function(self) self:destroy() end,
        final = function(self) entities.spawn("bomb") end }` });
    m.attack('entities.spawn("bomb")');
    m.steps(20);
    expectSafe(m);
  });

  it('an entity named like the victim\'s does not take its place in entities.find', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 10 do entities.spawn("counter", { name = "victim_entity" }) end');
    m.rt.runSource('print("found victim", entities.find("victim_entity").n ~= nil)', 'v.lua', { mod: 'victim' });
    m.steps(20);
    expectSafe(m);
  });

  it('level.load with hostile names fails cleanly', async () => {
    const m = await twoMods();
    m.attack(`for _, n in ipairs({ "../x", "a..b", ("a"):rep(300), "__proto__", "constructor", "a/b", "" }) do
        task.spawn(function() print(pcall(level.load, n)) end)
      end`);
    m.steps(20);
    expectSafe(m);
  });
});

describe('Memory', () => {
  it('an attacker that holds the heap near the cap does not break the victim', async () => {
    const m = await twoMods();
    m.attack(`hog = {}
      local ok = pcall(function() local i = 0 while true do i = i + 1 hog[i] = ("x"):rep(4096) .. i end end)
      print("hogging", ok, collectgarbage("count"))`);
    m.steps(20);
    expectSafe(m);
  });

  it('an attacker that fills the heap every step does not break the victim', async () => {
    const m = await twoMods();
    m.attack(`hog = {}
      setInterval(function() pcall(function() local i = #hog while true do i = i + 1 hog[i] = {} end end) end, 16)`);
    m.steps(20);
    expectSafe(m);
  });

  it('a string.rep bomb is a memory error for the attacker only', async () => {
    const m = await twoMods();
    m.attack('local s = ("x"):rep(1 << 30)');
    m.attack('local t = {} for i = 1, 40 do t[i] = ("y"):rep(1 << 20) end', 'attack2.lua');
    m.steps(12);
    expect(m.errors.length).toBe(2);
    expectSafe(m);
  });
});

describe('Floods toward the host', () => {
  it('warnings about misspelled fields, one per name, stay bounded', async () => {
    const m = await twoMods({}, { 'typo.lua': `return { init = function(self)
        local letters = "abcdefghijklmnopqrstuvwxyz0123456789_"
        for _, base in ipairs({ "rotation", "scale_x", "scale_y", "visible", "sprite", "height", "width", "alpha" }) do
          for i = 1, #base do for j = 1, #letters do
            self[base:sub(1, i - 1) .. letters:sub(j, j) .. base:sub(i + 1)] = 1
          end end
        end
      end }` });
    m.attack('for i = 1, 3 do entities.spawn("typo") end');
    m.steps(12);
    const bytes = m.warnings.reduce((n, w) => n + w.length, 0);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    expectSafe(m);
  });

  it('warnings about unknown input actions stay bounded', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() for i = 1, 2e4 do input.down("jump" .. i) input.pressed("fire" .. i) end end, 16)');
    m.steps(20);
    const bytes = m.warnings.reduce((n, w) => n + w.length, 0);
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
    expectSafe(m);
  });

  it('errors with huge chunk names stay bounded', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 200 do pcall(function() load("error(\'x\')", "=" .. ("n"):rep(1 << 20))() end) end setTimeout(function() load("error(\'x\')", "=" .. ("n"):rep(1 << 20))() end, 0)');
    m.steps(12);
    const bytes = m.errors.reduce((n, e) => n + e.message.length + e.traceback.length, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
    expectSafe(m);
  });

  it('tables nested 90,000 deep handed to the host are refused, not a JS stack overflow', async () => {
    const m = await twoMods();
    m.rt.on('luaEvent', () => {});
    m.rt.expose('sink', () => 1);
    m.attack(`local t = {} for i = 1, 90000 do t = { t } end print(pcall(events.emit, "deep", t))
      task.spawn(function() print(pcall(sink, t)) end)
      local u = {} for i = 1, 90000 do u = { x = u } end print(pcall(events.emit, "deep2", u))`);
    m.steps(5);
    expect(m.prints.filter((p) => /nested deeper/.test(p)).length).toBe(3);
    expectSafe(m);
  });

  it('an error flood from many owners does not drop the victim\'s own error reports', async () => {
    const m = await twoMods({}, { 'noisy.lua': `return { init = function(self)
        local big = ("E"):rep(64 * 1024)
        setInterval(function() for i = 1, 20 do task.spawn(function() error(big) end) end end, 16)
      end }` });
    m.attack('for i = 1, 8 do entities.spawn("noisy") end');
    m.rt.runSource('setInterval(function() error("victim error", 0) end, 16)', 'victim3.lua', { mod: 'victim' });
    m.steps(10);
    expect(m.errors.filter((e) => e.message === 'victim error').length).toBe(10);
  });

  it('events to the host with hostile keys and values do not throw in the host', async () => {
    const m = await twoMods();
    const heard: unknown[] = [];
    m.rt.on('luaEvent', (name: string, values: unknown) => heard.push([name, values]));
    m.attack(`for _, v in ipairs({ 0/0, math.huge, -0.0, math.mininteger, "\\0\\255", { [1.5] = 1 }, { [true] = 1 },
        { 1, nil, 3 }, { __proto__ = { polluted = true } }, { toString = 1, valueOf = 2 } }) do
        print(pcall(events.emit, "weird", v))
      end`);
    m.steps(12);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectSafe(m);
  });
});

describe('A few C-side costs (being fixed separately)', () => {
  it('string.format of huge widths and many args is bounded', async () => {
    const m = await twoMods();
    m.attack('local s = ("x"):rep(1 << 22) for i = 1, 200 do local _ = ("%s%s%s%s"):format(s, s, s, s) end');
    m.steps(12);
    expectSafe(m);
  });

  // Hung before libs.lua: each table.concat ran ~1 ms of C for 4 VM instructions.
  it('table.concat of a big table in a loop is stopped', async () => {
    const m = await twoMods();
    m.attack('local t = {} for i = 1, 1e5 do t[i] = "abcdefgh" end while true do local _ = table.concat(t) end');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    expectSafe(m);
  });
});

describe('Code of the attacker\'s that runtime code calls inside the victim\'s work', () => {
  it('an events.on handler that is a __call table does not make the victim\'s emit fail', async () => {
    const m = await twoMods();
    m.attack('events.on("victim_ping", setmetatable({}, { __call = function() end }))');
    m.steps(12);
    expectSafe(m);
  });

  it('an events.once handler that is a __call table does not make the victim\'s emit fail', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() events.once("victim_ping", setmetatable({}, { __call = function() end })) end, 16)');
    m.steps(12);
    expectSafe(m);
  });

  it('an on_event hook that is a __call table does not make the victim\'s emit fail', async () => {
    const m = await twoMods({}, { 'evil.lua': 'return { on_event = setmetatable({}, { __call = function() end }) }' });
    m.attack('print(pcall(entities.spawn, "evil", { name = "evil" }))');
    m.steps(12);
    expectSafe(m);
  });

  it('init and final hooks that are __call tables fail for the attacker only', async () => {
    const m = await twoMods({}, { 'evil.lua': 'local c = setmetatable({}, { __call = function() end }) return { init = c, final = c, update = c }' });
    m.attack('local ok, e = pcall(entities.spawn, "evil", { name = "evil" }) print(ok, e) for _, x in ipairs(entities.all()) do if x.name == "evil" then pcall(x.destroy, x) end end');
    m.steps(12);
    expectSafe(m);
  });

  const planted: Array<[string, string]> = [
    ['__add (the victim\'s update does self.n + 1): a loop', 'setmetatable({}, { __add = function() while true do end end })'],
    ['__add: clearTimeout of guessed ids as the victim', 'setmetatable({}, { __add = function() for id = 1, 4000 do clearTimeout(id) end return 0 end })'],
    ['__eq/__tostring/__concat: a loop in the victim\'s own check', `setmetatable({}, { __add = function() return setmetatable({}, getmetatable(e.n)) end,
        __tostring = function() while true do end end, __eq = function() while true do end end, __concat = function() while true do end end })`],
  ];
  for (const [what, value] of planted) {
    it(`a value planted in the victim's entity field runs no attacker code as the victim (${what})`, async () => {
      const m = await twoMods();
      m.attack(`e = entities.find("victim_entity") pcall(function() e.n = ${value} end)`);
      m.steps(20);
      expectSafe(m);
      expect(foreignErrors(m)).toEqual([]);
    });
  }

  it('trigger areas checked after the victim\'s update are charged to their own mod, not the victim', async () => {
    const m = await twoMods({}, {
      'area.lua': 'return { on_enter = function() end }',
      'rock.lua': 'return {}',
    });
    m.attack(`for i = 1, 1500 do entities.spawn("rock", { x = -1e6 }) end
      for i = 1, 200 do entities.spawn("area", { x = 1e6, width = 1, height = 1 }) end`);
    m.steps(20);
    expectSafe(m);
  });

  it('trigger areas whose on_enter loops are blamed on the area, not on the victim\'s entity inside it', async () => {
    const m = await twoMods({}, { 'area.lua': 'return { on_enter = function(self, other) while true do end end }' });
    m.attack('entities.spawn("area", { name = "area", x = 0, y = 0, width = 100, height = 100 })');
    m.steps(20);
    expectSafe(m);
    expect(m.errors.every((e) => /area/.test(e.owner))).toBe(true);
  });
});

describe('Memory pressure from one mod', () => {
  it('an attacker that squeezes the heap to the last bytes does not stop the victim\'s entity and events', async () => {
    const m = await twoMods();
    m.attack(`local head = nil
      for _, size in ipairs({ 1 << 20, 1 << 16, 1 << 12, 1 << 8, 16, 1 }) do
        pcall(function() while true do head = { head, ("x"):rep(size) } keep = head end end)
      end`);
    m.steps(20);
    expectSafe(m);
  });

  // (It catches every memory error itself; what ends it is then the budget: either way the
  // report names the attacker, never "runtime".)
  it('a memory error is reported against the mod that ran out, not "runtime"', async () => {
    const m = await twoMods();
    m.attack(`local head = nil
      for _, size in ipairs({ 1 << 20, 1 << 16, 1 << 12, 1 << 8, 16, 1 }) do
        pcall(function() while true do head = { head, ("x"):rep(size) } keep = head end end)
      end`);
    expect(m.errors.map((e) => e.owner)).toEqual(['script:attack.lua']);
    expect(['memory', 'timeout']).toContain(m.errors[0]!.kind);
  });
});

describe('The watchdog inside the runtime\'s critical sections', () => {
  // Hung the step before: a hooks table whose __index loops, read by spawn's bookkeeping.
  // Hooks are now read once, when the behaviour loads (under the watchdog), into a plain table.
  it('stops a behaviour whose hooks __index loops when spawn reads it', async () => {
    const m = await twoMods({}, { 'flag.lua': FLAG, 'evil.lua': evilBehaviour('while true do end') });
    m.attack('local flag = require("flag") entities.spawn("evil") flag.armed = true entities.spawn("evil")');
    m.steps(12);
    expect(m.errors).toEqual([]);
    expectSafe(m);
  });

  // Hung the step before: the victim destroys its own entity inside the attacker's trigger
  // area, and destroy (critical) read the area's on_exit hook through the attacker's __index.
  it('stops an area whose hooks __index loops when another mod\'s entity leaves it by destroy', async () => {
    const m = await twoMods({}, { 'flag.lua': FLAG,
      'area.lua': `local flag = require("flag") local enter = function() end
        return setmetatable({}, { __index = function(t, k)
          if k == "on_enter" then return enter end
          if k == "on_exit" and flag.armed then while true do end end
        end })` });
    m.attack('local flag = require("flag") entities.spawn("area", { x = 0, y = 0, width = 100, height = 100 }) flag.armed = true');
    m.rt.runSource('local e = entities.spawn("counter", { name = "doomed" }) setTimeout(function() e:destroy() end, 100)', 'v2.lua', { mod: 'victim' });
    m.steps(12);
    expectSafe(m);
  });

  // Hung the step before: the same, read by entity:destroy (critical) for the final hook.
  it('stops a behaviour whose hooks __index loops when destroy reads final', async () => {
    const m = await twoMods({}, { 'flag.lua': FLAG, 'evil.lua': evilBehaviour('if k == "final" then while true do end end') });
    m.attack('local flag = require("flag") local e = entities.spawn("evil") flag.armed = true e:destroy()');
    m.steps(12);
    expect(m.errors).toEqual([]);
    expectSafe(m);
  });
});

describe('Whose share of the step pays for the attacker\'s work', () => {
  /** The harness with five more (idle) mods: each mod's share of the step (10⁷ / 8) is then
   *  smaller than one callback's budget (2·10⁶), as in any game with six mods or more. */
  const sevenMods = (attackerModules: Record<string, string> = {}) => twoMods({
    mods: [
      { name: 'attacker', scripts: [new MapScriptLoader(attackerModules, 'attacker')] },
      { name: 'victim', scripts: [new MapScriptLoader({}, 'victim')] },
      ...['m1', 'm2', 'm3', 'm4', 'm5'].map((name) => ({ name, scripts: [] })),
    ],
  });

  it('a handler of the victim\'s event that stays under the callback budget does not use up the victim\'s share (7 mods)', async () => {
    const m = await sevenMods();
    m.attack('events.on("victim_ping", function() for j = 1, 1.8e6 do end end)');
    m.steps(12);
    expectSafe(m);
  });

  it('an entity on_event under the callback budget does not use up the victim\'s share when the victim emits (7 mods)', async () => {
    const m = await sevenMods({ 'hog.lua': 'return { on_event = function(self, name) if name == "victim_ping" then for j = 1, 1.8e6 do end end end }' });
    m.attack('entities.spawn("hog", { name = "hog" })');
    m.steps(12);
    expectSafe(m);
  });

  it('a trigger area whose on_enter burns under the budget is not charged to the victim\'s entity inside it (7 mods)', async () => {
    const m = await sevenMods({ 'area.lua': 'return { on_enter = function(self, other) for j = 1, 1.8e6 do end end }' });
    m.attack('setInterval(function() entities.spawn("area", { name = "area", x = 0, y = 0, width = 10, height = 10 }) end, 16)');
    m.steps(12);
    expectSafe(m);
  });

  it('looping handlers of the victim\'s event from a mod with policy "continue" do not disable the victim', async () => {
    const m = await twoMods({}, {}, 'continue');
    m.attack('for i = 1, 3 do events.on("victim_ping", function() while true do end end) end');
    m.steps(12);
    expectSafe(m);
    expect(m.errors.every((e) => e.owner === 'script:attack.lua')).toBe(true);
  });
});

describe('Making the victim\'s own code run until it is blamed', () => {
  it('an emit loop on an event whose victim handler does real work is blamed on the emitter', async () => {
    const m = await twoMods();
    m.rt.runSource('events.on("work", function() local s = 0 for i = 1, 300 do s = s + i end end)', 'victim2.lua', { mod: 'victim' });
    m.attack('while true do events.emit("work") end');
    m.steps(12);
    expectSafe(m);
    expect(m.errors.map((e) => [e.kind, e.owner])).toEqual([['timeout', 'script:attack.lua']]);
  });

  it('an entity:send loop to the victim\'s entity is blamed on the sender', async () => {
    const m = await twoMods({
      scriptRoots: [new MapScriptLoader({ ...GAME_MODULES,
        'listener.lua': 'return { on_event = function(self, name) local s = 0 for i = 1, 300 do s = s + i end end }' }, 'game')],
    });
    m.rt.runSource('entities.spawn("listener", { name = "listener" })', 'victim2.lua', { mod: 'victim' });
    m.attack('local e = entities.find("listener") while true do e:send("poke") end');
    m.steps(12);
    expectSafe(m);
    expect(m.errors.map((e) => [e.kind, e.owner])).toEqual([['timeout', 'script:attack.lua']]);
  });
});

describe('After memory pressure ends', () => {
  it('the victim\'s interval, entity and handlers work again once the attacker lets go', async () => {
    const m = await twoMods();
    m.attack(`local head = nil
      for _, size in ipairs({ 1 << 20, 1 << 16, 1 << 12, 1 << 8, 16, 1 }) do
        pcall(function() while true do head = { head, ("x"):rep(size) } keep = head end end)
      end`);
    m.steps(10);
    m.attack('keep = nil', 'release.lua');
    m.rt.collectGarbage();
    m.steps(2);
    const from = m.prints.length;
    m.rt.runSource(`local me = entities.find("victim_entity")
      local n0, ticks, heard = me.n, 0, 0
      events.on("after", function() heard = heard + 1 end)
      setInterval(function() ticks = ticks + 1 events.emit("after") end, 16)
      setTimeout(function() print("after", me:is_enabled(), me.n - n0, ticks, heard) end, 200)`, 'after.lua', { mod: 'victim' });
    m.steps(20);
    const line = m.prints.slice(from).find((p) => p.startsWith('after'));
    expect(line).toMatch(/^after\ttrue\t1[12]\t1[12]\t1[12]$/);
    expect(victimDisabled(m)).toEqual([]);
  });
});

describe('Coroutines shared between a script\'s tasks', () => {
  it('resuming a coroutine that waits inside another task does not break the scheduler for others', async () => {
    const m = await twoMods({}, {}, 'continue');
    m.attack(`local co = coroutine.create(function() while true do task.wait(0.05) events.wait("nothing", 0.02) end end)
      task.spawn(function() while true do print(coroutine.resume(co)) task.wait() end end)
      setInterval(function() for i = 1, 3 do pcall(coroutine.resume, co, "forged") end end, 16)`);
    m.steps(30);
    expectSafe(m);
  });

  it('a wrapped coroutine that waits, resumed from a timer that is not a task, fails cleanly', async () => {
    const m = await twoMods();
    m.attack(`local f = coroutine.wrap(function() while true do task.wait() end end)
      setInterval(function() pcall(f) end, 16)
      table.sort({ 3, 2, 1 }, function(a, b) pcall(f) return a < b end)`);
    m.steps(20);
    expectSafe(m);
  });
});

describe('Many cheap subscriptions to the victim\'s event', () => {
  it('20,000 empty handlers on the victim\'s event do not get the victim blamed or disabled', async () => {
    const m = await twoMods();
    // 5,000 a step (20,000 in one callback would be over the attacker's own budget).
    m.attack(`local n, id = 0, nil
      id = setInterval(function()
        for i = 1, 5000 do events.on("victim_ping", function() end) end
        n = n + 1 if n == 4 then clearInterval(id) end
      end, 16)`);
    m.steps(12);
    expectSafe(m);
  });

  it('20,000 events.once handlers on the victim\'s event do not get the victim blamed or disabled', async () => {
    const m = await twoMods();
    m.attack(`local k, id = 0, nil
      id = setInterval(function()
        for i = 1, 10000 do events.once("victim_ping", print) k = k + 1 end
        if k >= 20000 then clearInterval(id) end
      end, 16)`);
    m.steps(12);
    expectSafe(m);
  });

  it('20,000 tasks waiting for the victim\'s event do not get the victim blamed or disabled', async () => {
    const m = await twoMods();
    m.attack(`local n, id = 0, nil
      id = setInterval(function()
        for i = 1, 5000 do task.spawn(function() while true do events.wait("victim_ping") end end) end
        n = n + 1 if n == 4 then clearInterval(id) end
      end, 16)`);
    m.steps(12);
    expectSafe(m);
  });

  // OPEN: 20,000 entities of one mod need about 50 MB; in the harness's 32 MiB heap the spawner
  // fills the memory the victim needs (memory is capped per runtime, not per mod yet).
  it.skip('20,000 entities with an empty on_event do not get the victim blamed or disabled', async () => {
    const m = await twoMods({}, { 'ear.lua': 'return { on_event = function() end }' });
    m.attack('setInterval(function() for i = 1, 4000 do entities.spawn("ear") end end, 16) setTimeout(function() print("ears", entities.count()) end, 100)');
    m.steps(12);
    expectSafe(m);
  });
});

describe('Runtime bookkeeping the attacker can make long', () => {
  it('disabling a mod that holds 20,000 connections to one event does not freeze the step', async () => {
    const m = await twoMods();
    m.attack(`local k, id = 0, nil
      id = setInterval(function()
        for i = 1, 10000 do events.on("spam", print) k = k + 1 end
        if k >= 20000 then clearInterval(id) setTimeout(function() while true do end end, 50) end
      end, 16)`);
    let slowest = 0;
    for (let i = 0; i < 12; i++) {
      const t = performance.now();
      m.steps(1);
      slowest = Math.max(slowest, performance.now() - t);
    }
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    expect(slowest).toBeLessThan(1000);
    expectSafe(m);
  }, 120_000);

  // Took 1.7 s before: the abort, deferred through the long critical section, was retried at
  // every instruction; the retry period now doubles while it waits.
  it('destroying an entity that holds 20,000 connections to one event does not freeze the step', async () => {
    const m = await twoMods({}, { 'hub.lua': `return { init = function(self)
        local k, id = 0, nil
        id = setInterval(function()
          for i = 1, 10000 do events.on("spam", print) k = k + 1 end
          if k >= 20000 then clearInterval(id) end
        end, 16)
      end }` });
    m.attack('local e = entities.spawn("hub") setTimeout(function() e:destroy() end, 100)');
    let slowest = 0;
    for (let i = 0; i < 12; i++) {
      const t = performance.now();
      m.steps(1);
      slowest = Math.max(slowest, performance.now() - t);
    }
    expect(slowest).toBeLessThan(1000);
    expectSafe(m);
  }, 120_000);
});
