// A randomized adversary: Lua programs generated from a seeded grammar that nests loops,
// metamethods, coroutines, pcall/xpcall/__close, library calls, C callbacks and API calls,
// run as an attacker mod beside the victim sentinel. Whatever a program does, every step
// returns (the watchdog stops what runs away), the victim's checks hold, only typed Lua
// errors are emitted, and none is blamed on the victim.
import { describe, expect, it } from 'vitest';
import { LuaRuntimeError } from '../../src/index';
import { twoMods } from './harness';

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const count = () => pick(['3', '100', '1e4', '1e6', 'math.huge']);
  const value = () => pick(['1', '"x"', '{}', 'nil', '0/0', '("y"):rep(5000)', 'print', 'coroutine.running()', 'setmetatable({}, { __tostring = function() return "t" end })']);
  let fresh = 0;
  const stmt = (depth: number): string => {
    const body = () => (depth > 0 ? block(depth - 1) : pick(['local _ = 1', 'x = (x or 0) + 1', 'error("boom")', 'error({})']));
    const n = ++fresh;
    const forms: Array<() => string> = [
      () => `while true do ${body()} end`,
      () => `for i${n} = 1, ${count()} do ${body()} end`,
      () => `pcall(function() ${body()} end)`,
      () => `xpcall(function() ${body()} end, function(e) ${body()} return e end)`,
      () => `local co${n} = coroutine.create(function() ${body()} coroutine.yield() ${body()} end) coroutine.resume(co${n}) coroutine.resume(co${n}) pcall(coroutine.close, co${n})`,
      () => `pcall(coroutine.wrap(function() ${body()} end))`,
      () => `do local c${n} <close> = setmetatable({}, { __close = function() ${body()} end }) ${body()} end`,
      () => `local t${n} = setmetatable({}, { __index = function() ${body()} return 1 end, __len = function() ${body()} return 1 << 40 end, __eq = function() ${body()} return true end, __lt = function() ${body()} return true end, __concat = function() ${body()} return "" end, __call = function() ${body()} end }) pcall(function() local _ = t${n}.x, #t${n}, t${n} == setmetatable({}, getmetatable(t${n})), t${n} < t${n}, t${n} .. "", t${n}() end)`,
      () => `pcall(table.sort, { 5, 3, 1, 4, 2, 9, 7 }, function(a, b) ${body()} return a < b end)`,
      () => `pcall(string.gsub, ("abc"):rep(${pick(['1', '100', '1e4'])}), ".", function() ${body()} end)`,
      () => `pcall(table.insert, setmetatable({}, { __len = function() ${body()} return ${pick(['1', '1 << 62', '-1', '0/0'])} end }), 1, 1)`,
      () => `setTimeout(function() ${body()} end, ${pick(['0', '16', '-5', '1e9'])})`,
      () => `setInterval(function() ${body()} end, ${pick(['0', '16', '50'])})`,
      () => `task.spawn(function() ${body()} task.wait() ${body()} end)`,
      () => `task.defer(function() ${body()} end)`,
      () => `task.delay(0.02, function() ${body()} end)`,
      () => `events.on("e${n % 3}", function() ${body()} end) pcall(events.emit, "e${n % 3}", ${value()})`,
      () => `pcall(events.emit, "ping", ${value()})`,
      () => `pcall(entities.spawn, "counter", { name = "a${n}" })`,
      () => `pcall(function() local e = entities.find("victim_entity") if e then rawset(e, "n", 0) e.x = 1 e:destroy() end end)`,
      () => `for id = 1, 200 do clearTimeout(id) task.cancel(id) end`,
      () => `pcall(string.rep, ${value()}, ${count()})`,
      () => `pcall(string.find, ("a"):rep(${pick(['10', '1e5'])}), "${pick(['a*b', '(a*)*b', '[^,]+,', 'a-a-a-b', '%b()'])}")`,
      () => `pcall(load, "${pick(['return 1', 'while true do end', 'return a or a or a'])}")`,
      () => `pcall(function() local f = load("${pick(['while true do end', 'return 1'])}") if f then f() end end)`,
      () => `pcall(error, setmetatable({}, { __tostring = function() ${body()} return "e" end }))`,
      () => `print(pcall(tostring, setmetatable({}, { __tostring = function() ${body()} return "s" end })))`,
      () => `local function r${n}(k) if k > 0 then return r${n}(k - 1) + 1 end ${body()} return 0 end pcall(r${n}, ${pick(['10', '1e4', '1e6'])})`,
      () => `pcall(require, "util.vec") local v = require("util.vec") pcall(function() v.length = nil end)`,
      () => `local s${n} = {} for i = 1, ${pick(['10', '1e4'])} do s${n}[i] = coroutine.create(print) end`,
    ];
    return pick(forms)();
  };
  const block = (depth: number): string => {
    const n = 1 + Math.floor(r() * 2);
    return Array.from({ length: n }, () => stmt(depth)).join(' ');
  };
  return () => Array.from({ length: 2 + Math.floor(r() * 3) }, () => stmt(2)).join('\n');
}

describe('The randomized adversary', () => {
  for (const seed of [11, 22, 33]) {
    it(`cannot break isolation with 80 generated programs (seed ${seed})`, async () => {
      const next = generator(seed);
      for (let i = 0; i < 80; i++) {
        const program = next();
        const m = await twoMods({ instructionBudget: 2e5 }, {}, 'continue');
        try {
          m.attack(program);
          m.steps(10);
          m.expectVictimIntact();
          for (const e of m.errors) {
            expect(e).toBeInstanceOf(LuaRuntimeError);
            expect(e.owner).not.toMatch(/victim/);
          }
        } catch (error) {
          throw new Error(`program ${i} of seed ${seed} broke a guarantee:\n${program}\n\n${String(error)}`);
        }
        m.rt.close();
      }
    }, 120_000);
  }
});
