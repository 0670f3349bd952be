// Trust I: no mod can tamper with another mod or outrun the watchdog. One test per root
// cause found by the attack on the previous design, with variants; each runs through the
// two-mod harness (an attacker mod and a victim sentinel mod).
import { describe, expect, it } from 'vitest';
import { twoMods } from './harness';

describe('A mod cannot reach the real tables behind the read-only views', () => {
  const leaks: Array<[string, string]> = [
    ['pairs', 'local _, real = pairs(string) real.format = function() return "PWNED" end'],
    ['pairs of a global API table', 'local _, real = pairs(task) real.wait = print'],
    ['the iterator of pairs', 'local f, s = pairs(table) local k, v = f(s, nil) s.insert = print'],
    ['next', 'local k, v = next(math) if k then rawset(math, k, 0) end math.floor = nil'],
    ['rawget and rawset', 'print(rawget(string, "format")) rawset(string, "format", print)'],
    ['the string metatable', 'local mt = getmetatable("") mt.__index.upper = print'],
    ['the string metatable\'s view', 'local ix = getmetatable("").__index for k in pairs(ix) do end ix.rep = print'],
    ['setmetatable on a view', 'setmetatable(string, { __index = { format = print } })'],
    ['table.insert into a view', 'table.insert(table, print)'],
  ];
  for (const [route, script] of leaks) {
    it(`through ${route}`, async () => {
      const m = await twoMods();
      m.attack(script);
      m.steps(20);
      m.expectVictimIntact();
      expect(m.errors.every((e) => e.owner.startsWith('script:attack'))).toBe(true);
    });
  }

  it('iterates the views like the real tables', async () => {
    const m = await twoMods();
    m.attack('local n = 0 for k, v in pairs(string) do n = n + 1 assert(string[k] == v) end print(n > 10, next(string))');
    expect(m.prints).toContain('true\tnil');
  });
});

describe('The watchdog trusts no name a script can choose', () => {
  it('stops a loop in a chunk named like the runtime\'s', async () => {
    const m = await twoMods();
    m.attack('load("while true do end", "=moonstep/evil.lua")()');
    m.attack('load("while true do end", "@moonstep/scheduler.lua")()', 'attack2.lua');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout', 'timeout']);
    expect(m.errors[0]!.traceback).toMatch(/script:moonstep\/evil\.lua/);
    m.expectVictimIntact();
  });

  it('stops a module whose file is named like the runtime\'s', async () => {
    const m = await twoMods({}, { 'moonstep/evil.lua': 'while true do end' });
    m.attack('require("moonstep.evil")');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    expect(m.errors[0]!.message).toMatch(/^script:moonstep\/evil\.lua:1: script stopped/);
    m.expectVictimIntact();
  });
});

describe('Runtime code a script drives is charged to it', () => {
  it('stops gsub calling clearTimeout a million times, again and again', async () => {
    const m = await twoMods();
    m.attack('local s = ("a"):rep(1e5) while true do s:gsub(".", clearTimeout) end');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    m.expectVictimIntact();
  });

  it('never trusts __len or __index for how much work spawn does', async () => {
    const m = await twoMods();
    m.attack(`local e = entities.spawn("counter", { tags = setmetatable({}, {
      __len = function() return 1 << 62 end, __index = function(_, i) return tostring(i) end }) })
      print("spawned", e:has_tag("1"))`);
    m.steps(12);
    expect(m.prints).toContain('spawned\tfalse');
    m.expectVictimIntact();
  });

  it('stops runtime functions called from a loop in a metamethod', async () => {
    const m = await twoMods();
    m.attack('local t = setmetatable({}, { __index = function(_, k) while true do task.spawn(print) end end }) local _ = t.x');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    expect(m.rt.stats().liveSlots).toBeLessThan(40);
    m.expectVictimIntact();
  });
});

describe('After an abort the hook stays in force', () => {
  it('stops an xpcall message handler that loops (it is not run while aborting)', async () => {
    const m = await twoMods();
    m.attack('xpcall(function() while true do end end, function() while true do end end)');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    m.expectVictimIntact();
  });

  it('still runs message handlers for ordinary errors', async () => {
    const m = await twoMods();
    m.attack('print(xpcall(function() error("boom", 0) end, function(e) return "handled " .. e end))');
    expect(m.prints).toContain('false\thandled boom');
  });

  it('never closes a coroutine the watchdog killed (its __close would run unwatched)', async () => {
    const m = await twoMods({}, {}, 'continue');
    m.attack(`co = coroutine.create(function()
        local x <close> = setmetatable({}, { __close = function() while true do end end })
        while true do end
      end)
      setTimeout(function() print(coroutine.close(co)) end, 50)
      coroutine.resume(co)`);
    m.steps(12);
    expect(m.prints).toContain('false\tcannot close a coroutine the watchdog stopped');
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    m.expectVictimIntact();
  });

  it('stops a __close handler that loops when a coroutine is closed, and re-raises', async () => {
    const m = await twoMods();
    m.attack(`local co = coroutine.create(function()
        local x <close> = setmetatable({}, { __close = function() while true do end end })
        coroutine.yield()
      end)
      coroutine.resume(co)
      while true do print(coroutine.close(co)) end`);
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    expect(m.prints.filter((p) => p.startsWith('false'))).toEqual([]);
    m.expectVictimIntact();
  });

  it('stops a __close handler of a wrapped coroutine that failed', async () => {
    const m = await twoMods();
    m.attack(`local f = coroutine.wrap(function()
        local x <close> = setmetatable({}, { __close = function() while true do end end })
        error("fail")
      end)
      print(pcall(f))`);
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    m.expectVictimIntact();
  });

  it('cannot swallow the abort with pcall, error handlers, or coroutine.close', async () => {
    const m = await twoMods();
    m.attack(`while true do
        pcall(function() while true do end end)
        xpcall(function() while true do end end, print)
        local co = coroutine.wrap(function() while true do end end) pcall(co)
        print("swallowed")
      end`);
    m.steps(12);
    expect(m.prints).not.toContain('swallowed');
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    m.expectVictimIntact();
  });
});

describe('Work in fresh coroutines is counted', () => {
  it('stops a loop of short coroutines', async () => {
    const m = await twoMods();
    m.attack('local function work() for i = 1, 900 do end end while true do coroutine.wrap(work)() end');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    m.expectVictimIntact();
  });

  it('stops a loop of emits to many short handlers', async () => {
    const m = await twoMods();
    m.attack('for i = 1, 500 do events.on("spam", function() for j = 1, 500 do end end) end while true do events.emit("spam") end');
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout']);
    m.expectVictimIntact();
  });

  it('stops a loop of short tasks and resumed generators', async () => {
    const m = await twoMods({}, {}, 'continue');
    m.attack(`local gen = coroutine.wrap(function() while true do for i = 1, 500 do end coroutine.yield() end end)
      setTimeout(function() while true do gen() end end, 0)
      setTimeout(function() while true do task.spawn(function() for i = 1, 900 do end end) end end, 0)`);
    m.steps(12);
    expect(m.errors.map((e) => e.kind)).toEqual(['timeout', 'timeout']);
    m.expectVictimIntact();
  });
});

describe('Each mod has a share of the step', () => {
  it('stops a mod whose many callbacks each stay under the budget', async () => {
    const m = await twoMods({ instructionBudget: 1e6, stepInstructionBudget: 6e6 });
    m.attack('for i = 1, 300 do setInterval(function() for i = 1, 3e5 do end end, 16) end');
    m.steps(30);
    expect(m.errors[0]!.kind).toBe('timeout');
    expect(m.errors[0]!.message).toMatch(/mod 'attacker' exceeded its share of the step/);
    expect(m.warnings.some((w) => /mod 'attacker' was disabled/.test(w))).toBe(true);
    m.expectVictimIntact();
  });

  it('with policy "continue", stops the rest of the mod\'s work in each step it overspends', async () => {
    const m = await twoMods({
      instructionBudget: 1e6,
      stepInstructionBudget: 6e6,
      mods: [
        { name: 'attacker', scripts: [], runawayPolicy: 'continue' },
        { name: 'victim', scripts: [] },
      ],
    });
    m.attack('n = 0 for i = 1, 300 do setInterval(function() for i = 1, 3e5 do end n = n + 1 end, 16) end setInterval(function() print("ran", n) n = 0 end, 16)');
    m.steps(20);
    const ran = m.prints.filter((p) => p.startsWith('ran')).map((p) => Number(p.split('\t')[1]));
    // 3e6 instructions per mod per step: about ten of the 300 callbacks each step.
    expect(Math.max(...ran.slice(1))).toBeLessThan(20);
    m.expectVictimIntact();
  });
});

describe('Script code the host starts runs under the watchdog', () => {
  const LOOP = { 'loop.lua': 'while true do end return {}' };

  it('loadLevel of a behaviour whose top level loops fails with a timeout', async () => {
    const m = await twoMods({}, {});
    m.rt.addScriptRoot(new (await import('../../src/index')).MapScriptLoader(LOOP));
    expect(() => m.rt.loadLevel({ entities: [{ script: 'loop' }] })).toThrow(/script stopped: instruction budget exceeded/);
    expect(() => m.rt.spawn('loop')).toThrow(/script stopped/);
    m.steps(12);
    m.expectVictimIntact();
  });

  it('reloadScript of a behaviour whose new top level loops fails and keeps the old one', async () => {
    const m = await twoMods();
    m.rt.runSource('e = entities.spawn("counter")', 'game.lua');
    expect(m.rt.reloadScript('counter', 'while true do end return {}')).toBe(-1);
    expect(m.errors.map((e) => [e.source, e.message])).toEqual([['reload', expect.stringMatching(/script stopped: instruction budget/)]]);
    m.steps(12);
    m.expectVictimIntact();
  });
});

describe('Modules are shared within a mod, never across mods', () => {
  it('a mod that replaces a function of a module changes only its own instance', async () => {
    const m = await twoMods();
    m.attack('local vec = require("util.vec") vec.length = function() return 42 end print(require("util.vec").length(3, 4))');
    m.steps(12);
    expect(m.prints).toContain('42');
    m.expectVictimIntact();
  });

  it('a mod cannot replace a behaviour another mod spawns', async () => {
    const m = await twoMods();
    m.attack('local b = require("counter") b.update = function(self) self.n = -1000 end local e = entities.spawn("counter")');
    m.steps(12);
    m.expectVictimIntact();
  });
});

describe('Entity identity cannot be forged', () => {
  for (const key of ['id', 'name', 'script', 'destroy', 'is_alive', 'has_tag', 'x']) {
    it(`rawset of '${key}' on another mod's entity fails`, async () => {
      const m = await twoMods();
      m.attack(`local e = entities.find("victim_entity") print(pcall(rawset, e, "${key}", 99))`);
      m.steps(12);
      expect(m.prints.find((p) => p.startsWith('false'))).toMatch(/cannot modify a read-only table/);
      m.expectVictimIntact();
    });
  }
});

describe('Blame lands on the owner whose code spent the budget', () => {
  it('an emitter looping on an event is stopped, not the handler it keeps running', async () => {
    const m = await twoMods();
    m.attack('while true do events.emit("ping") end');
    m.steps(12);
    expect(m.errors.map((e) => [e.kind, e.owner])).toEqual([['timeout', 'script:attack.lua']]);
    m.expectVictimIntact();
  });

  it('a handler that loops is blamed, not the emitter', async () => {
    const m = await twoMods();
    m.attack('events.on("boom", function() while true do end end)');
    m.rt.runSource('e = entities.spawn("counter", { name = "emitter" }) events.emit("boom") print("emitter goes on")', 'game.lua');
    m.steps(12);
    expect(m.errors.map((e) => [e.kind, e.owner])).toEqual([['timeout', 'script:attack.lua']]);
    m.expectVictimIntact();
  });
});

describe('require after a loading task died', () => {
  it('loads the module afresh instead of reporting a circular require', async () => {
    const m = await twoMods({}, { 'slow.lua': 'task.wait(0.05) return { ok = true }' });
    m.attack(`local t = task.spawn(function() require("slow") end)
      task.cancel(t)
      task.spawn(function() print("loaded", require("slow").ok) end)`);
    m.steps(12);
    expect(m.prints).toContain('loaded\ttrue');
    expect(m.errors).toEqual([]);
  });
});

describe('Time in C is bounded by the input or charged', () => {
  const cases: Array<[string, string]> = [
    ['plain find on a huge subject, in a loop', 'local s = ("a"):rep(8e6) .. "b" while true do s:find("ab", 1, true) end'],
    ['table.insert trusting a __len of 2^62', 'local t = setmetatable({}, { __len = function() return 1 << 62 end }) table.insert(t, 1, 1)'],
    ['table.remove trusting a __len of 2^62', 'local t = setmetatable({}, { __len = function() return 1 << 62 end }) table.remove(t, 1)'],
    ['table.sort trusting a __len of 2^62', 'local t = setmetatable({}, { __len = function() return 1 << 62 end }) table.sort(t)'],
    ['an unanchored class repetition retried from every start', 'local s = ("x"):rep(1e6) while true do s:find("[^,]+,") end'],
    ['a repetition before $', 'local s = ("a"):rep(1e6) .. "b" while true do s:find("a*$") end'],
    ['gmatch, where ^ anchors nothing', 'local s = ("a"):rep(1e6) while true do for m in s:gmatch("^a-b") do end end'],
    ['a quadratic compile', 'load("return a" .. (" or a"):rep(2e5))'],
    ['format of huge strings in a loop', 'local s = ("x"):rep(4e6) while true do local _ = string.format("%s%s", s, s) end'],
    ['upper of a huge string in a loop', 'local s = ("x"):rep(8e6) while true do local _ = s:upper() end'],
    ['concat of a big table in a loop', 'local t = {} for i = 1, 1e5 do t[i] = "xxxxxxxxxx" end while true do local _ = table.concat(t) end'],
    ['string arithmetic on a huge numeral', 'local s = ("1"):rep(4e6) while true do local _ = s + 0 end'],
  ];
  for (const [name, script] of cases) {
    it(`stops or refuses ${name}`, async () => {
      const m = await twoMods({ memoryLimitBytes: 96 * 1024 * 1024 });
      m.attack(script);
      m.steps(12);
      expect(m.errors.length).toBe(1);
      expect(m.errors[0]!.owner).toBe('script:attack.lua');
      m.expectVictimIntact();
    });
  }
});

describe('Bad arguments to the sandbox blame the caller', () => {
  const cases: Array<[string, RegExp]> = [
    ['string.rep()', /^attack\.lua:1: bad argument #1 to 'string\.rep'/],
    ['string.find(nil, "x")', /^attack\.lua:1: bad argument #1 to 'string\.find'/],
    ['string.gsub("x", "x", true)', /^attack\.lua:1: bad argument #3 to 'string\.gsub'/],
    ['table.move({}, 1, 2^40, 1)', /^attack\.lua:1: .*table\.move/],
    ['rawset({}, nil, 1)', /^attack\.lua:1: /],
    ['rawset(task, "x", 1)', /^attack\.lua:1: cannot modify a read-only table/],
    ['xpcall(print, 42)', /^attack\.lua:1: /],
  ];
  for (const [call, pattern] of cases) {
    it(call, async () => {
      const m = await twoMods();
      m.attack(`local _ = ${call}`);
      expect(m.errors.map((e) => e.message)).toEqual([expect.stringMatching(pattern)]);
      expect(m.errors[0]!.message).not.toMatch(/moonstep\/|raw_/);
    });
  }
});

describe("Another mod's entities are read-only to a mod", () => {
  it('reads pass, writes, rawset and destroy are refused', async () => {
    const m = await twoMods();
    m.attack(`local e = entities.find("victim_entity")
      print(e.name, e.id > 0, e:is_alive(), e.n ~= nil, tostring(e):match("victim_entity") ~= nil)
      print(pcall(function() e.x = 5 end))
      print(pcall(function() e.n = 0 end))
      print(pcall(rawset, e, "n", 0))
      print(pcall(function() e:destroy() end))
      print(pcall(setmetatable, e, {}))
      for _, other in ipairs(entities.all()) do pcall(function() other.n = -1 end) end`);
    m.steps(12);
    expect(m.prints.slice(0, 6)).toEqual([
      'victim_entity\ttrue\ttrue\ttrue\ttrue',
      expect.stringMatching(/^false\tattack\.lua:3: cannot change another mod's entity \(field 'x'\)/),
      expect.stringMatching(/^false\tattack\.lua:4: cannot change another mod's entity \(field 'n'\)/),
      expect.stringMatching(/^false\t.*cannot modify a read-only table/),
      expect.stringMatching(/^false\tattack\.lua:6: cannot destroy another mod's entity/),
      expect.stringMatching(/^false\t.*cannot change/),
    ]);
    m.expectVictimIntact();
  });

  it('tables in its fields are read-only too', async () => {
    const m = await twoMods();
    m.rt.runSource('local e = entities.spawn("counter", { name = "bag" }) e.items = { "sword", { "nested" } }', 'owner.lua', { mod: 'victim' });
    m.attack(`local e = entities.find("bag")
      print(e.items[1], e.items[2][1], #e.items)
      print(pcall(function() e.items[1] = "stick" end))
      print(pcall(function() e.items[2][1] = "x" end))
      print(pcall(table.insert, e.items, "x"))`);
    expect(m.prints.slice(0, 4)).toEqual([
      'sword\tnested\t2',
      expect.stringMatching(/^false\t.*cannot change another mod's data/),
      expect.stringMatching(/^false\t.*cannot change another mod's data/),
      expect.stringMatching(/^false\t/),
    ]);
  });

  it('the game may change every entity', async () => {
    const m = await twoMods();
    m.rt.runSource('local e = entities.find("victim_entity") e.x = 3 print(e.x)', 'game.lua');
    expect(m.prints).toContain('3');
  });
});

describe('Entity identity cannot be forged by its own mod either', () => {
  for (const key of ['id', 'name', 'script', 'destroy', 'is_alive', 'x']) {
    it(`rawset of '${key}' on an own entity fails`, async () => {
      const m = await twoMods();
      m.attack(`local e = entities.spawn("counter") print(pcall(rawset, e, "${key}", 99))`);
      expect(m.prints[0]).toMatch(/^false\tattack\.lua:1: rawset cannot set entity field/);
    });
  }
});
