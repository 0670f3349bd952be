import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

describe('Timers', () => {
  it('fire setTimeout(f, 100) on the 6th step and 1000 ms on the 60th at 60 Hz', async () => {
    const { run, steps, prints } = await start();
    run(`setTimeout(function() print("100", time.frame()) end, 100)
         setTimeout(function() print("1000", time.frame()) end, 1000)`);
    steps(70);
    expect(prints).toEqual(['100\t6', '1000\t60']);
  });

  it('count the delay from the step that created the timer', async () => {
    const { run, steps, prints } = await start();
    run('setTimeout(function() setTimeout(function() print(time.frame()) end, 100) end, 50)');
    steps(20);
    expect(prints).toEqual(['9']); // created in step 3, +6 steps
  });

  it('run delays of 0, negative or nil in the next step, never in the creating step', async () => {
    const { run, steps, prints } = await start();
    run(`setTimeout(function() print("zero", time.frame()) end, 0)
         setTimeout(function() print("negative", time.frame()) end, -50)
         setTimeout(function() print("nil", time.frame()) end)
         setTimeout(function()
           print("outer", time.frame())
           setTimeout(function() print("inner", time.frame()) end, 0)
         end, 0)`);
    steps(3);
    expect(prints).toEqual(['zero\t1', 'negative\t1', 'nil\t1', 'outer\t1', 'inner\t2']);
  });

  it('land exactly at other rates (30 Hz, 144 Hz)', async () => {
    for (const [hz, expected] of [[30, ['30']], [144, ['144']]] as const) {
      const { run, steps, prints } = await start({ hz });
      run('setTimeout(function() print(time.frame()) end, 1000)');
      steps(hz + 5);
      expect(prints).toEqual(expected);
    }
  });

  it('pass extra arguments to the callback', async () => {
    const { run, steps, prints } = await start();
    run('setTimeout(function(a, b, c) print(a, b, c) end, 0, "x", nil, 3)\nsetInterval(function(n) print("iv", n) end, 1000 / 60, 7)');
    steps(2);
    expect(prints).toEqual(['x\tnil\t3', 'iv\t7', 'iv\t7']);
  });
});

describe('Intervals', () => {
  it('are due at start + k*ms exactly: 250 ms at 60 Hz fires on steps 15, 30, 45', async () => {
    const { run, steps, prints } = await start();
    run('setInterval(function() print(time.frame()) end, 250)');
    steps(50);
    expect(prints).toEqual(['15', '30', '45']);
  });

  it('do not drift when the period is not a whole number of steps (1000/3 ms)', async () => {
    const { run, steps, prints } = await start();
    run('setInterval(function() print(time.frame()) end, 1000 / 3)');
    steps(61);
    expect(prints).toEqual(['20', '40', '60']);
  });

  it('fire at most once per step when shorter than a step, never bunching', async () => {
    const { run, steps, prints } = await start();
    run('local n = 0 setInterval(function() n = n + 1 end, 1) setTimeout(function() print(n) end, 1000)');
    steps(61);
    // One per step for steps 1..60; the counter is read in step 60 before or after that
    // step's interval run, by creation order (interval first).
    expect(prints).toEqual(['60']);
  });

  it('skip occurrences that fell inside passed steps', async () => {
    const { run, steps, prints } = await start();
    run('setInterval(function() print(time.frame(), time.now()) end, 25)'); // 1.5 steps
    steps(7);
    expect(prints).toEqual(['2\t0.033333333333333', '3\t0.05', '5\t0.083333333333333', '6\t0.1']);
  });

  it('keep running when their callback fails (browser semantics)', async () => {
    const { run, steps, errors } = await start();
    run('local n = 0 setInterval(function() n = n + 1 error("fail " .. n) end, 1000 / 60)');
    steps(3);
    expect(errors.map((e) => e.message)).toEqual(['test.lua:1: fail 1', 'test.lua:1: fail 2', 'test.lua:1: fail 3']);
  });

  it('have no drift after a million steps', async () => {
    const { rt, run, steps, prints } = await start({ hz: 60 });
    run(`local count, last = 0, 0
         setInterval(function()
           count = count + 1
           if time.frame() ~= count * 60 then print("drift at", count, time.frame()) end
           last = time.frame()
         end, 1000)
         events.on("report", function() print(count, last, time.now()) end)`);
    steps(1_000_000);
    rt.emit('report');
    steps(1);
    // Reported in step 1,000,001: 16,666 firings, the last exactly on step 999,960.
    expect(prints).toEqual(['16666\t999960\t16666.683333333']);
  }, 120_000);
});

describe('Ordering within a step', () => {
  it('runs due work by (due time, creation sequence)', async () => {
    const { run, steps, prints } = await start();
    run(`setTimeout(function() print("b: 10 ms") end, 10)
         setTimeout(function() print("a: 5 ms") end, 5)
         setTimeout(function() print("c: 10 ms, created later") end, 10)
         task.spawn(function() task.wait(0.005) print("d: wait 5 ms") end)`);
    steps(1);
    expect(prints).toEqual(['a: 5 ms', 'd: wait 5 ms', 'b: 10 ms', 'c: 10 ms, created later']);
  });

  it('keeps an interval ahead of a timeout created later for the same time', async () => {
    const { run, steps, prints } = await start();
    run(`setInterval(function() print("interval", time.frame()) end, 100)
         setTimeout(function() setTimeout(function() print("timeout", time.frame()) end, 100) end, 100)`);
    steps(12);
    expect(prints).toEqual(['interval\t6', 'interval\t12', 'timeout\t12']);
  });

  it('never runs a timer cleared earlier in the same step', async () => {
    const { run, steps, prints } = await start();
    run(`local victim
         setTimeout(function() print("clearing", clearTimeout(victim)) end, 0)
         victim = setTimeout(function() print("victim ran") end, 0)`);
    steps(2);
    expect(prints).toEqual(['clearing\ttrue']);
  });

  it('clears either kind with either function and ignores nil, unknown and stale ids', async () => {
    const { run, steps, prints } = await start();
    run(`local t = setTimeout(function() print("t") end, 10)
         local i = setInterval(function() print("i") end, 10)
         print(clearInterval(t), clearTimeout(i), clearTimeout(t), clearTimeout(nil), clearTimeout(123456))
         local fired = setTimeout(function() end, 0)
         setTimeout(function() print("stale", clearTimeout(fired)) end, 20)`);
    steps(3);
    expect(prints).toEqual(['true\ttrue\tfalse\tfalse\tfalse', 'stale\tfalse']);
  });

  it('take an id given as an integral float, and ignore fractional, negative and non-number ids', async () => {
    const { run, steps, prints } = await start();
    run(`local t = setTimeout(function() print("t ran") end, 10)
         local i = setInterval(function() print("i ran") end, 10)
         print(clearTimeout(t + 0.5), clearTimeout(-t), clearTimeout(tostring(t)), clearTimeout({}), clearTimeout(0))
         print(clearTimeout(t + 0.0), clearInterval(i * 1.0))`);
    steps(3);
    expect(prints).toEqual(['false\tfalse\tfalse\tfalse\tfalse', 'true\ttrue']);
  });

  it('keep ids unique when a bucket is sorted or compacted (ids name timers, not places)', async () => {
    const { run, steps, prints } = await start();
    // 400 timers land in step 31 out of order (sorted before it runs); clearing 300 of them
    // compacts the bucket; the rest must still be cleared and fired by their own ids.
    run(`local ids = {}
         for k = 1, 400 do
           local ms = 500 - (k % 7)
           ids[k] = setTimeout(function() print("fired", k) end, ms)
         end
         for k = 1, 300 do assert(clearTimeout(ids[k])) end
         for k = 301, 400, 2 do assert(clearTimeout(ids[k]), k) end
         print(clearTimeout(ids[1]), clearTimeout(ids[301]))`);
    steps(31);
    const fired = prints.slice(1).map((p) => Number(p.split('\t')[1]));
    expect(prints[0]).toBe('false\tfalse');
    expect(fired.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, j) => 302 + 2 * j));
  });

  it('refuse more timers due in one step than ids can name, with an error at the caller\'s line', async () => {
    const { run, errors, rt } = await start({ memoryLimitBytes: 1 << 30, instructionBudget: Infinity });
    run('local f = function() end\nfor i = 1, 2097151 do setTimeout(f, 1000) end\nsetTimeout(f, 1000)', 'many.lua');
    expect(errors.map((e) => e.message)).toEqual(['many.lua:3: setTimeout: too many timers and waits due in one step (at most 2097151)']);
    expect(rt.stats().pendingTimers).toBe(2097151);
  });
});

describe('Bad timer arguments', () => {
  it.each([
    ['setTimeout(nil, 1)', "bad argument #1 to 'setTimeout' (function expected, got nil)"],
    ['setTimeout(print, "x")', "bad argument #2 to 'setTimeout' (finite number expected, got string)"],
    ['setTimeout(print, 0/0)', "bad argument #2 to 'setTimeout' (finite number expected, got number (nan))"],
    ['setInterval(print, math.huge)', "bad argument #2 to 'setInterval' (finite number expected, got number (inf))"],
    ['setInterval({}, 10)', "bad argument #1 to 'setInterval' (function expected, got table)"],
  ])('%s is an error at the caller\'s line', async (call, message) => {
    const { run, errors } = await start();
    run(`local x = 1\n${call}`, 'caller.lua');
    expect(errors.map((e) => [e.message, e.chunk, e.line])).toEqual([[`caller.lua:2: ${message}`, 'caller.lua', 2]]);
  });

  it('accepts a callable table', async () => {
    const { run, steps, prints } = await start();
    run('setTimeout(setmetatable({}, { __call = function(self, a) print("called", a) end }), 0, 5)');
    steps(1);
    expect(prints).toEqual(['called\t5']);
  });
});

describe('time', () => {
  it('reports frame 0 and time 0 before the first step, then exact game time', async () => {
    const { run, steps, prints } = await start();
    run('print(time.frame(), time.now(), time.dt()) setInterval(function() print(time.frame(), time.now()) end, 500)');
    steps(60);
    expect(prints).toEqual(['0\t0.0\t0.016666666666667', '30\t0.5', '60\t1.0']);
  });
});

describe('timers.after and timers.every (the seconds family)', () => {
  it('are setTimeout and setInterval in seconds: same steps, same order, same ids', async () => {
    const { run, steps, take } = await start();
    run(`timers.after(0.1, function(a) print("after 0.1", a, time.frame()) end, "arg")
setTimeout(function() print("setTimeout 100", time.frame()) end, 100)
local every = timers.every(0.5, function() print("every 0.5", time.frame()) end)
timers.after(-1, function() print("after -1", time.frame()) end)
timers.after(1.6, function() print("cancel with clearInterval", clearInterval(every), timers.cancel(every)) end)`);
    steps(120);
    expect(take()).toEqual([
      'after -1\t1', 'after 0.1\targ\t6', 'setTimeout 100\t6', 'every 0.5\t30', 'every 0.5\t60', 'every 0.5\t90',
      'cancel with clearInterval\ttrue\tfalse',
    ]);
  });

  it('belong to the entity that created them and die with it', async () => {
    const { rt, run, steps, take } = await start({}, {
      'blinker.lua': 'return { init = function(self) timers.every(0.1, function() print("blink", time.frame()) end) end }',
    });
    run('local b = entities.spawn("blinker") timers.after(0.25, function() b:destroy() end)');
    steps(30);
    expect(take()).toEqual(['blink\t6', 'blink\t12']);
    expect(rt.stats().pendingTimers).toBe(0);
  });

  it('reject a delay that is not a finite number, at the caller\'s line', async () => {
    const { run, take } = await start();
    run(`print(pcall(timers.after, "1", print))
print(pcall(timers.every, 0/0, print))
print(pcall(timers.after, 1, nil))`, 'main.lua');
    expect(take()).toEqual([
      "false\tmain.lua:1: bad argument #1 to 'timers.after' (finite number expected, got string)",
      "false\tmain.lua:2: bad argument #1 to 'timers.every' (finite number expected, got number (nan))",
      "false\tmain.lua:3: bad argument #2 to 'timers.after' (function expected, got nil)",
    ]);
  });
});
