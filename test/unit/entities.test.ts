import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

const MOVER = `
local M = {}
function M.init(self, props)
  print("init", self.id, self.name, props.speed, time.frame())
  self.speed = props.speed
end
function M.update(self, dt)
  self.x = self.x + self.speed
  print("update", self.name, self.x, time.frame())
end
function M.final(self)
  print("final", self.name, time.frame())
end
return M
`;

describe('An entity', () => {
  it('gets init in the step it is spawned, its first update in the next, and final once', async () => {
    const { run, steps, prints } = await start({}, { 'mover.lua': MOVER });
    run(`local e = entities.spawn("mover", { name = "a", speed = 2 })
         setTimeout(function() e:destroy() print("destroyed", e:destroy()) end, 40)`);
    expect(prints).toEqual(['init\t1\ta\t2\t0']);
    steps(4);
    expect(prints.slice(1)).toEqual([
      'update\ta\t2\t1', 'update\ta\t4\t2', 'final\ta\t3', 'destroyed\tfalse',
    ]);
  });

  it('spawned without props gets an empty props table in init, as a level entity does', async () => {
    const { run, take, errors } = await start({}, {
      'probe.lua': 'return { init = function(self, props) print(type(props), next(props)) end }',
    });
    run('entities.spawn("probe")');
    expect(take()).toEqual(['table\tnil']);
    expect(errors).toEqual([]);
  });

  it('runs updates in creation order, after timers and before deferred work', async () => {
    const { run, steps, prints } = await start({}, { 'mover.lua': MOVER });
    run(`entities.spawn("mover", { name = "first", speed = 1 })
         entities.spawn("mover", { name = "second", speed = 1 })
         setTimeout(function() print("timer") task.defer(function() print("deferred") end) end, 0)`);
    prints.length = 0;
    steps(1);
    expect(prints).toEqual(['timer', 'update\tfirst\t1\t1', 'update\tsecond\t1\t1', 'deferred']);
  });

  it('spawned during an update first updates in the next step', async () => {
    const { run, steps, prints } = await start({}, {
      'spawner.lua': `return { update = function(self) if not self.done then self.done = true
        entities.spawn("mover", { name = "child", speed = 1 }) end end }`,
      'mover.lua': MOVER,
    });
    run('entities.spawn("spawner")');
    steps(1);
    expect(prints).toEqual(['init\t2\tchild\t1\t1']);
    steps(1);
    expect(prints.slice(1)).toEqual(['update\tchild\t1\t2']);
  });

  it('destroyed during a step gets no further callbacks in it', async () => {
    const { run, steps, prints } = await start({}, {
      'killer.lua': `return { update = function(self) local v = entities.find("victim") if v then v:destroy() end end }`,
      'mover.lua': MOVER,
    });
    run(`entities.spawn("killer") entities.spawn("mover", { name = "victim", speed = 1 })`);
    prints.length = 0;
    steps(3);
    expect(prints).toEqual(['final\tvictim\t1']);
  });

  it('owns what its hooks schedule: destroy cancels timers, tasks, connections and host calls', async () => {
    const { rt, run, steps, prints } = await start({}, {
      'busy.lua': `return {
        init = function(self)
          setInterval(function() print("tick") end, 10)
          task.spawn(function() task.wait(10) print("never") end)
          events.on("ping", function() print("pong") end)
          task.spawn(function() print("never", slow()) end)
        end,
        update = function(self) task.wait(5) end,
      }`,
    });
    rt.expose('slow', () => new Promise(() => {}));
    steps(1);
    const baseline = rt.stats();
    run(`local e = entities.spawn("busy") setTimeout(function() e:destroy() end, 50)`);
    steps(2);
    expect(rt.stats().pendingTimers).toBeGreaterThan(baseline.pendingTimers);
    steps(5);
    events: {
      rt.emit('ping');
      steps(1);
    }
    const after = rt.stats();
    expect(after.liveSlots).toBe(baseline.liveSlots);
    expect(after.pendingTimers).toBe(baseline.pendingTimers);
    expect(after.waitingTasks).toBe(baseline.waitingTasks);
    expect(after.entities).toBe(0);
    expect(prints.filter((p) => p === 'pong')).toEqual([]);
    expect(prints.filter((p) => p === 'tick').length).toBeGreaterThan(0);
  });

  it('code still running after destroying its own entity schedules nothing that outlives it', async () => {
    const { rt, steps, prints, run } = await start({}, {
      'doomed.lua': `return { update = function(self)
        self:destroy()
        setTimeout(function() print("timer fired") end, 0)
        setInterval(function() print("interval fired") end, 10)
        events.on("ping", function() print("handler ran") end)
        task.spawn(function() print("spawned runs until its wait") task.wait() print("never resumed") end)
        task.wait(0.1)
        print("the update itself never resumes")
      end }`,
    });
    steps(1);
    const baseline = rt.stats().liveSlots;
    run('entities.spawn("doomed")');
    steps(1);
    rt.emit('ping');
    steps(10);
    expect(prints).toEqual(['spawned runs until its wait']);
    expect(rt.stats()).toMatchObject({ liveSlots: baseline, pendingTimers: 0, waitingTasks: 0, entities: 0 });
  });

  it('a stale reference raises a clear error on use, but still answers is_alive and id', async () => {
    const { run, prints } = await start({}, { 'mover.lua': MOVER });
    run(`local e = entities.spawn("mover", { name = "gone", speed = 1 })
         e.hp = 3
         e:destroy()
         print(e:is_alive(), e.id, e.name)
         print(pcall(function() return e.x end))
         print(pcall(function() return e.hp end))
         print(pcall(function() e.x = 1 end))`);
    expect(prints.slice(2)).toEqual([
      'false\t1\tgone',
      "false\ttest.lua:5: entity 'gone' (#1, mover) was destroyed: this reference is stale (reading or writing 'x')",
      "false\ttest.lua:6: entity 'gone' (#1, mover) was destroyed: this reference is stale (reading or writing 'hp')",
      "false\ttest.lua:7: entity 'gone' (#1, mover) was destroyed: this reference is stale (reading or writing 'x')",
    ]);
  });

  it('rejects bad view values at the writer\'s line', async () => {
    const { run, prints } = await start({ assets: { ship: 'ship.png' } }, { 'blank.lua': 'return {}' });
    run(`local e = entities.spawn("blank")
         for _, case in ipairs({ {"x", "1"}, {"y", 0/0}, {"rotation", math.huge}, {"alpha", 2}, {"visible", 1},
                                 {"tint", -1}, {"tint", 1.5}, {"sprite", "nope"}, {"sprite", 3}, {"id", 5}, {"destroy", 1} }) do
           print(select(2, pcall(function() e[case[1]] = case[2] end)))
         end
         e.sprite = "ship" e.tint = 0xff0000 e.alpha = 0.5 e.visible = false e.sprite = nil
         print(e.sprite, e.tint, e.alpha, e.visible)
         print(pcall(rawset, e, "x", 5))`);
    expect(prints).toEqual([
      "test.lua:4: entity field 'x' expects a finite number (got string)",
      "test.lua:4: entity field 'y' expects a finite number (got number (nan))",
      "test.lua:4: entity field 'rotation' expects a finite number (got number (inf))",
      "test.lua:4: entity field 'alpha' expects a number from 0 to 1 (got integer)",
      "test.lua:4: entity field 'visible' expects a boolean (got integer)",
      "test.lua:4: entity field 'tint' expects a colour 0x000000 to 0xFFFFFF (got integer)",
      "test.lua:4: entity field 'tint' expects a colour 0x000000 to 0xFFFFFF (got number)",
      "test.lua:4: entity field 'sprite': unknown asset 'nope' (not in the host's asset manifest)",
      "test.lua:4: entity field 'sprite' expects an asset name (string) or nil (got integer)",
      "test.lua:4: entity field 'id' is read-only",
      "test.lua:4: entity field 'destroy' is read-only",
      'nil\t16711680\t0.5\tfalse',
      "false\ttest.lua:8: rawset cannot set entity field 'x' (assign it normally)",
    ]);
  });

  it('is found by name, listed by tag and counted', async () => {
    const { run, prints } = await start({}, { 'blank.lua': 'return {}' });
    run(`local a = entities.spawn("blank", { name = "a", tags = { "enemy" } })
         local b = entities.spawn("blank", { name = "b", tags = { "enemy", "boss" } })
         local c = entities.spawn("blank", { name = "a" })
         print(entities.find("a") == a, entities.find("zzz"), entities.count(), entities.get(b.id) == b)
         local names = {}
         for _, e in ipairs(entities.all("enemy")) do names[#names + 1] = e.name end
         print(table.concat(names, ","), #entities.all(), #entities.all("boss"), b:has_tag("boss"), a:has_tag("boss"))
         a:destroy()
         print(entities.find("a") == c, entities.count())`);
    expect(prints).toEqual(['true\tnil\t3\ttrue', 'a,b\t3\t1\ttrue\tfalse', 'true\t2']);
  });

  it('hooks can wait; an update that waits is skipped until it finishes', async () => {
    const { run, steps, prints } = await start({}, {
      'waiter.lua': `return {
        init = function(self) task.wait(0.05) print("init done", time.frame()) end,
        update = function(self) print("update", time.frame()) task.wait_frames(2) end,
      }`,
    });
    run('entities.spawn("waiter")');
    steps(6);
    expect(prints).toEqual(['update\t1', 'init done\t3', 'update\t3', 'update\t5']);
  });

  it('an error in one entity\'s update does not stop the others or the next steps', async () => {
    const { run, steps, prints, errors } = await start({}, {
      'bad.lua': 'return { update = function(self) error("broken " .. self.name) end }',
      'mover.lua': MOVER,
    });
    run(`entities.spawn("bad", { name = "b1" }) entities.spawn("mover", { name = "m", speed = 1 })`);
    prints.length = 0;
    steps(2);
    expect(prints).toEqual(['update\tm\t1\t1', 'update\tm\t2\t2']);
    expect(errors).toHaveLength(2);
    expect(errors[0]!.message).toBe('bad.lua:1: broken b1');
    expect(errors[0]!.source).toBe('update');
    expect(errors[0]!.owner).toBe('entity:b1#1');
  });

  it('explains a missing or malformed behaviour script', async () => {
    const { run, prints } = await start({}, { 'notable.lua': 'return 5', 'badhook.lua': 'return { update = 3 }' });
    run(`print(pcall(entities.spawn, "nowhere"))
         print(pcall(entities.spawn, "notable"))
         print(pcall(entities.spawn, "badhook"))
         print(pcall(entities.spawn, "../etc"))
         print(pcall(entities.spawn, "notable", 5))`);
    expect(prints[0]).toMatch(/^false\ttest.lua:1: entities.spawn: behaviour script 'nowhere' not found in the script roots/);
    expect(prints[1]).toBe('false\ttest.lua:2: notable.lua: a behaviour script must return a table of hooks (init, update, final, on_event, on_reload); it returned integer');
    expect(prints[2]).toBe("false\ttest.lua:3: badhook.lua: hook 'update' must be a function (got integer)");
    expect(prints[3]).toMatch(/invalid behaviour script name "\.\.\/etc"/);
    expect(prints[4]).toMatch(/bad argument #2 to 'entities.spawn' \(table of props or nil expected, got integer\)/);
  });

  it('hears events through on_event, and entity:send', async () => {
    const { rt, run, steps, prints } = await start({}, {
      'listener.lua': 'return { on_event = function(self, name, a) print(self.name, name, a) end }',
    });
    run(`local l = entities.spawn("listener", { name = "l1" })
         entities.spawn("listener", { name = "l2" })
         events.emit("door", 1)
         l:send("poke", 2)`);
    rt.emit('host', 3);
    steps(1);
    expect(prints).toEqual(['l1\tdoor\t1', 'l2\tdoor\t1', 'l1\tpoke\t2', 'l1\thost\t3', 'l2\thost\t3']);
  });
});

describe('Entity lifetimes at scale', () => {
  it('return to the slot and memory baseline after 100,000 spawn/destroy cycles with timers and waits', async () => {
    const { rt, run, steps, errors } = await start({ instructionBudget: Infinity }, {
      'churn.lua': `return {
        init = function(self)
          setTimeout(function() end, 1000)
          task.spawn(function() task.wait(5) end)
          events.on("x", function() end)
        end,
        update = function(self) self.x = self.x + 1 end,
      }`,
    });
    const churn = (rounds: number) =>
      run(`for round = 1, ${rounds} do
             local list = {}
             for i = 1, 1000 do list[i] = entities.spawn("churn", { name = "n" .. i, tags = { "t" } }) end
             for i = 1, 1000 do list[i]:destroy() end
           end`);
    // Warm-up rounds: the runtime's tables grow to their high-water mark (1,000 live
    // entities with their work) once; after that, cycles must not grow memory at all.
    churn(10);
    steps(2);
    rt.collectGarbage();
    const base = rt.stats();
    churn(100);
    steps(2);
    rt.collectGarbage();
    const after = rt.stats();
    expect(errors).toEqual([]);
    expect(after.entities).toBe(0);
    expect(after.liveSlots).toBe(base.liveSlots);
    expect(after.pendingTimers).toBe(0);
    expect(after.waitingTasks).toBe(0);
    // Lua memory is back at the baseline, give or take table capacity (hash parts are
    // powers of two): 256 KiB over 100,000 cycles is under 3 bytes a cycle, so any per-entity
    // leak (a record, a closure, a string) would show.
    expect(Math.abs(after.luaMemoryBytes - base.luaMemoryBytes)).toBeLessThan(256 * 1024);
  }, 60_000);
});

describe('A runaway entity', () => {
  it('is stopped in update or init, disabled by default, and the others go on', async () => {
    const { run, steps, prints, errors } = await start({ instructionBudget: 100_000 }, {
      'spin.lua': 'return { update = function(self) while true do end end }',
      'spininit.lua': 'return { init = function(self) while true do end end, update = function(self) print("never") end }',
      'mover.lua': MOVER,
    });
    run(`entities.spawn("spin", { name = "s" }) entities.spawn("spininit", { name = "si" })
         entities.spawn("mover", { name = "m", speed = 1 })`);
    steps(3);
    expect(errors.map((e) => [e.kind, e.owner, e.chunk])).toEqual([
      ['timeout', 'entity:si#2', 'spininit.lua'],
      ['timeout', 'entity:s#1', 'spin.lua'],
    ]);
    expect(prints.filter((p) => p.startsWith('update'))).toEqual(['update\tm\t1\t1', 'update\tm\t2\t2', 'update\tm\t3\t3']);
    run('print(entities.count())');
    expect(prints.at(-1)).toBe('3'); // disabled, not destroyed
    run(`for _, e in ipairs(entities.all()) do print(e.name, e:is_alive(), e:is_enabled()) end
         local m = entities.find("m") m:destroy() print(m:is_enabled())`);
    expect(prints.slice(-5)).toEqual(['s\ttrue\tfalse', 'si\ttrue\tfalse', 'm\ttrue\ttrue', 'final\tm\t3', 'false']);
  });

  it('with policy "continue" keeps getting callbacks', async () => {
    const { steps, run, errors } = await start({ instructionBudget: 100_000, runawayPolicy: 'continue' }, {
      'spin.lua': 'return { update = function(self) while true do end end }',
    });
    run('entities.spawn("spin")');
    steps(3);
    expect(errors).toHaveLength(3);
  });
});
