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

describe('An entity destroyed inside a trigger area', () => {
  it('makes the area run on_exit in the same step, before the entity\'s final', async () => {
    const { run, steps, take, errors } = await start({}, { 'plate.lua': PLATE, 'hero.lua': HERO });
    run(`local plate = entities.spawn("plate", { width = 20, height = 20 })
local hero = entities.spawn("hero", { name = "hero" })
entities.spawn("hero", { name = "bystander", x = 100 })
setTimeout(function() hero:destroy() print("destroyed", plate.count) end, 50)`);
    steps(2);
    expect(take()).toEqual(['enter\thero\t1\t1']);
    steps(2);
    expect(take()).toEqual(['exit\thero\t0\tfalse\t3', 'final\thero\t3', 'destroyed\t0']);
    steps(5);
    expect(take()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('destroyed by the area\'s own hook while the area is being checked still gets its on_exit, once', async () => {
    const { run, steps, take, errors } = await start({}, {
      'plate.lua': PLATE.replace('self.count = self.count + 1', 'self.count = self.count + 1 if other.name == "bomb" then entities.find("hero"):destroy() end'),
      'hero.lua': HERO,
    });
    run(`entities.spawn("plate", { name = "plate", width = 20, height = 20 })
local bomb = entities.spawn("hero", { name = "bomb", x = 50 })
entities.spawn("hero", { name = "hero" })
setTimeout(function() bomb.x = 0 end, 20)`);
    steps(1);
    expect(take()).toEqual(['enter\thero\t1\t1']);
    steps(3);
    expect(take()).toEqual(['exit\thero\t1\tfalse\t2', 'final\thero\t2', 'enter\tbomb\t1\t2']);
    expect(errors).toEqual([]);
  });

  it('never gets on_exit from an area it already left', async () => {
    const { run, steps, take } = await start({}, { 'plate.lua': PLATE, 'hero.lua': HERO });
    run(`entities.spawn("plate", { width = 20, height = 20 })
local hero = entities.spawn("hero", { name = "hero" })
setTimeout(function() hero.x = 100 end, 30)
setTimeout(function() hero:destroy() end, 100)`);
    steps(10);
    expect(take()).toEqual(['enter\thero\t1\t1', 'exit\thero\t0\ttrue\t2', 'final\thero\t6']);
  });
});
