// The two-mod harness every hostile test runs through: an attacker mod, and a victim mod
// whose sentinel checks, every step, that what it shares with the attacker is intact (the
// library tables, a module of the game's, string methods), that its own interval fires on
// every step, that its entity updates every step and keeps its identity, and that its
// event handler hears its own events. A broken check is printed as "victim BROKEN: ...".
import { afterEach, expect } from 'vitest';
import { createRuntime, MapScriptLoader, type LuaRuntimeError, type RunawayPolicy, type RuntimeOptions } from '../../src/index';
import type { Runtime } from '../../src/runtime/Runtime';

/** The game's own modules, shared by name with every mod (each mod gets its own instance). */
export const GAME_MODULES: Record<string, string> = {
  'util/vec.lua': 'local M = {} function M.length(x, y) return math.sqrt(x * x + y * y) end return M',
  // A behaviour both mods may spawn.
  'counter.lua': `local M = {}
    function M.init(self) self.n = 0 end
    function M.update(self) self.n = self.n + 1 end
    return M`,
};

/** The victim's sentinel: checks everything it relies on once per step. */
export const VICTIM = `
  local vec = require("util.vec")
  local fmt, upper, insert, floor, wait, emit = string.format, ("x").upper, table.insert, math.floor, task.wait, events.emit
  local function check(cond, what) if not cond then print("victim BROKEN: " .. what) end end
  local ticks, heard = 0, 0
  local me = entities.spawn("counter", { name = "victim_entity" })
  local my_id = me.id
  events.on("victim_ping", function() heard = heard + 1 end)
  events.on("ping", function() end) -- a handler other mods may make run
  local start = time.frame() -- timers run before updates: at step f the entity has updated f - start - 1 times
  setInterval(function()
    ticks = ticks + 1
    local f = time.frame()
    check(ticks == f - start, "interval ticks " .. ticks .. " at step " .. f)
    check(string.format == fmt and string.format("%d", 7) == "7", "string.format")
    check(("ab"):upper() == "AB" and ("x").upper == upper, "string methods")
    check(table.insert == insert and math.floor == floor and math.floor(2.5) == 2, "table/math")
    check(task.wait == wait and events.emit == emit, "task/events tables")
    check(vec.length(3, 4) == 5 and require("util.vec") == vec, "shared module util.vec")
    check(me:is_alive() and me.id == my_id and me.name == "victim_entity" and me.script == "counter", "entity identity")
    check(me.n == f - start - 1, "entity updates " .. tostring(me.n) .. " at step " .. f)
    events.emit("victim_ping")
    check(heard == ticks, "own event handler")
    if f % 10 == 0 then print("victim ok " .. ticks) end
  end, 1000 / 60)
`;

export interface TwoMods {
  rt: Runtime;
  prints: string[];
  errors: LuaRuntimeError[];
  warnings: string[];
  /** Runs Lua source as the attacker's main chunk. */
  attack(source: string, chunk?: string): void;
  /** Runs `n` steps; none may throw. */
  steps(n: number): void;
  /** Asserts the victim is intact: no broken check, its interval ran on each step since it started. */
  expectVictimIntact(): void;
}

const open: Runtime[] = [];
afterEach(() => {
  for (const rt of open.splice(0)) rt.close();
});

/** A runtime with an attacker mod and a victim mod (see the header). */
export async function twoMods(
  options: RuntimeOptions = {},
  attackerModules: Record<string, string> = {},
  attackerPolicy: RunawayPolicy = 'disable-mod',
): Promise<TwoMods> {
  const rt = await createRuntime({
    instructionBudget: 2e6,
    memoryLimitBytes: 32 * 1024 * 1024,
    scriptRoots: [new MapScriptLoader(GAME_MODULES, 'game')],
    mods: [
      { name: 'attacker', scripts: [new MapScriptLoader(attackerModules, 'attacker')], runawayPolicy: attackerPolicy },
      { name: 'victim', scripts: [new MapScriptLoader({}, 'victim')] },
    ],
    ...options,
  });
  open.push(rt);
  const prints: string[] = [];
  const errors: LuaRuntimeError[] = [];
  const warnings: string[] = [];
  rt.on('print', (t) => prints.push(t));
  rt.on('error', (e) => errors.push(e));
  rt.on('warning', (w) => warnings.push(w));
  rt.runSource(VICTIM, 'victim.lua', { mod: 'victim' });
  let stepsRun = 0;
  return {
    rt,
    prints,
    errors,
    warnings,
    attack: (source, chunk = 'attack.lua') => rt.runSource(source, chunk, { mod: 'attacker' }),
    steps: (n) => {
      for (let i = 0; i < n; i++) {
        rt.step();
        stepsRun++;
      }
    },
    expectVictimIntact: () => {
      expect(prints.filter((p) => p.startsWith('victim BROKEN'))).toEqual([]);
      expect(errors.filter((e) => e.owner.includes('victim'))).toEqual([]);
      // The interval's own check compares its count with the steps run; make sure it ran.
      const oks = prints.filter((p) => p.startsWith('victim ok '));
      if (stepsRun >= 10) expect(oks.at(-1)).toBe(`victim ok ${Math.floor(stepsRun / 10) * 10}`);
    },
  };
}
