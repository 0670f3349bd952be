import { describe, expect, it } from 'vitest';
import { RuntimeClosedError } from '../../src/index';
import { flush, start } from '../helpers';

describe('Closing a runtime', () => {
  it('cancels everything: nothing fires afterwards and advance() is a no-op', async () => {
    const { rt, run, prints } = await start();
    run(`setInterval(function() print("tick") end, 10)
         task.spawn(function() task.wait(0.1) print("woke") end)`);
    rt.step();
    expect(prints).toEqual(['tick']);
    rt.close();
    expect(rt.closed).toBe(true);
    expect(rt.advance(1000)).toBe(0);
    expect(prints).toEqual(['tick']);
  });

  it('makes every other call a clear RuntimeClosedError, never a wasm crash', async () => {
    const { rt } = await start();
    rt.close();
    const calls: Array<[string, () => unknown]> = [
      ['step', () => rt.step()],
      ['runSource', () => rt.runSource('print(1)')],
      ['runScript', () => rt.runScript('x')],
      ['stats', () => rt.stats()],
      ['emit', () => rt.emit('x')],
      ['expose', () => rt.expose('f', () => 1)],
      ['inspect', () => rt.inspect()],
    ];
    for (const [name, call] of calls) {
      expect(call, name).toThrow(RuntimeClosedError);
      expect(call, name).toThrow(/runtime is closed/);
    }
  });

  it('is harmless twice', async () => {
    const { rt } = await start();
    rt.close();
    expect(() => rt.close()).not.toThrow();
  });

  it('drops host promises that settle afterwards', async () => {
    const { rt, run, prints } = await start();
    let resolve!: (v: unknown) => void;
    rt.expose('slow', () => new Promise((r) => (resolve = r)));
    run('task.spawn(function() print("got", slow()) end)');
    await flush();
    rt.close();
    resolve(42);
    await flush();
    expect(prints).toEqual([]);
  });

  it('cannot be re-entered from a listener while Lua runs', async () => {
    const { rt, run } = await start();
    let caught: unknown;
    rt.on('lua:ping', () => {
      try {
        rt.step();
      } catch (error) {
        caught = error;
      }
    });
    run('events.emit("ping")');
    // The listener runs after the Lua call returned, so stepping there is allowed.
    expect(caught).toBeUndefined();
    expect(rt.frame).toBe(1);
  });
});

describe('Runtimes side by side', () => {
  it('do not share timers, globals or random sequences', async () => {
    const a = await start({ seed: 1 });
    const b = await start({ seed: 1 });
    a.run('x = 1 setTimeout(function() print("a", x, math.random(1000)) end, 0)');
    b.run('setTimeout(function() print("b", x, math.random(1000)) end, 0)');
    a.steps(1);
    b.steps(1);
    expect(a.prints[0]!.split('\t').slice(0, 2)).toEqual(['a', '1']);
    expect(b.prints[0]!.split('\t').slice(0, 2)).toEqual(['b', 'nil']);
    expect(a.prints[0]!.split('\t')[2]).toBe(b.prints[0]!.split('\t')[2]);
    a.rt.close();
    b.steps(1); // b still works
  });
});

describe('Registry slots', () => {
  it('return to zero after timers fire or are cleared', async () => {
    const { rt, run, steps } = await start();
    run(`for i = 1, 100 do setTimeout(function() end, i) end
         local ids = {}
         for i = 1, 100 do ids[i] = setInterval(function() end, 5) end
         setTimeout(function() for _, id in ipairs(ids) do clearInterval(id) end end, 50)`);
    expect(rt.stats().liveSlots).toBe(201);
    steps(10);
    expect(rt.stats()).toMatchObject({ liveSlots: 0, pendingTimers: 0, waitingTasks: 0 });
  });

  it('stay at baseline through 60,000 create/clear cycles, and memory does not accumulate', async () => {
    const { rt, run, steps } = await start();
    // Long delays: the cancelled entries' due steps are never reached in this test, so their
    // memory must be reclaimed by compaction, not by draining.
    run('events.on("cycle", function() for i = 1, 1000 do local id = setTimeout(function() end, 1e9) clearTimeout(id) task.cancel(task.delay(1e6, function() end)) end end)');
    const base = rt.stats();
    const cycles = (n: number) => {
      for (let i = 0; i < n; i++) {
        rt.emit('cycle');
        steps(1);
      }
      rt.collectGarbage();
      return rt.stats();
    };
    // Warm up (tables reach their high-water size), then 50,000 more cycles must stay in a
    // band: hash parts resize at varying moments, but nothing may accumulate per cycle
    // (a leak of even a dozen entries per cycle would add over 500 KiB here).
    const warm = cycles(10);
    const later = [1, 2, 3, 4, 5].map(() => cycles(10));
    expect(warm.liveSlots).toBe(base.liveSlots);
    for (const stats of later) {
      expect(stats.liveSlots).toBe(base.liveSlots);
      expect(stats.luaMemoryBytes).toBeLessThanOrEqual(warm.luaMemoryBytes + 200 * 1024);
    }
  });
});
