// Trust II: running out of memory is an ordinary error that stays with the callback that hit
// it. The attacker fills the heap from every kind of callback; the victim's timers, interval,
// waits, entity updates and event handler keep running on their steps.
import { describe, expect, it } from 'vitest';
import { twoMods } from './harness';

const FILLERS: Array<[string, string]> = [
  ['a timer', 'setTimeout(function() local t = {} while true do t[#t + 1] = coroutine.create(print) end end, 0)'],
  ['an interval', 'setInterval(function() local t = {} while true do t[#t + 1] = { 1, 2, 3, 4 } end end, 16)'],
  ['a task', 'task.spawn(function() task.wait() local t = {} while true do t[#t + 1] = ("x"):rep(1000) .. #t end end)'],
  ['an event handler', 'events.on("fill", function() local t = {} while true do t[#t + 1] = {} end end) setTimeout(function() events.emit("fill") end, 0)'],
  ['a main chunk', 'local t = {} while true do t[#t + 1] = setmetatable({}, { __index = t }) end'],
  // Not here: a mod that keeps the heap full with what stays alive (a global table, pending
  // timers, waiting tasks, live entities made in a loop) makes the others' allocations fail:
  // memory is capped per runtime, not per mod yet (docs/reliability.md, "Out of reach today").
];

describe('Out of memory in one mod', () => {
  for (const [name, script] of FILLERS) {
    it(`from ${name} leaves the other mod's work running on its steps`, async () => {
      const m = await twoMods({ memoryLimitBytes: 24 * 1024 * 1024, instructionBudget: 1e8 }, {}, 'continue');
      m.steps(2);
      m.attack(script);
      m.steps(28);
      m.expectVictimIntact();
      expect(m.errors.some((e) => e.kind === 'memory' || e.kind === 'timeout' || /memory/.test(e.message))).toBe(true);
    });
  }
});

describe('A mod that floods the host', () => {
  it('gets a quota error at its line, and its runaway policy (disable-mod) applies', async () => {
    const m = await twoMods();
    m.attack('setInterval(function() local s = ("x"):rep(1 << 20) for i = 1, 1e6 do print(s) end end, 16)');
    m.steps(12);
    expect(m.errors[0]!.message).toMatch(/^attack\.lua:1: print: quota exceeded/);
    expect(m.warnings.some((w) => /mod 'attacker' was disabled: it went over a quota/.test(w))).toBe(true);
    expect(m.errors).toHaveLength(1); // disabled: its interval runs no more
    m.expectVictimIntact();
  });

  it('as an entity of the game, that entity is disabled (policy disable-entity)', async () => {
    const m = await twoMods();
    m.rt.addScriptRoot(new (await import('../../src/index')).MapScriptLoader({
      'flood.lua': 'return { update = function(self) local s = ("x"):rep(1 << 20) for i = 1, 100 do events.emit("big", s) end end }',
    }));
    m.rt.on('lua:big', () => {});
    m.rt.runSource('entities.spawn("flood", { name = "flood" })', 'game.lua');
    m.steps(12);
    expect(m.errors).toHaveLength(1);
    expect(m.warnings.some((w) => /entity:flood#\d+ was disabled: it went over a quota/.test(w))).toBe(true);
    m.expectVictimIntact();
  });
});
