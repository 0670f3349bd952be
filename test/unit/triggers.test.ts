import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

const PLATE = `
return {
  init = function(self) self.count = 0 end,
  on_enter = function(self, other) self.count = self.count + 1 print("enter", other.name, self.count, time.frame()) end,
  on_exit = function(self, other) self.count = self.count - 1 print("exit", other.name, self.count, other:is_alive(), time.frame()) end,
}`;
const HERO = `return { final = function(self) print("final", self.name, time.frame()) end }`;

describe('A trigger area', () => {
  it('refuses a size that is not a finite number, at the line that sets it', async () => {
    const { run, steps, errors } = await start({}, { 'plate.lua': PLATE });
    run(`local zone = entities.spawn("plate", { width = 10, height = 10 })
local ok, err = pcall(function() zone.width = "wide" end)
print(ok, err)
zone.height = 0/0`);
    expect(errors.map((e) => e.message)).toEqual(["test.lua:4: entity field 'height' expects a finite number (got number (nan))"]);
    steps(30);
    expect(errors).toHaveLength(1); // no error per step inside the engine
  });

  it('takes a size from the script as a plain field (nil clears it)', async () => {
    const { run, take } = await start({}, { 'plate.lua': PLATE });
    run(`local zone = entities.spawn("plate") zone.width = 4 zone.height = 2.5 print(zone.width, zone.height)
zone.width = nil print(zone.width)`);
    expect(take()).toEqual(['4\t2.5', 'nil']);
  });
});
