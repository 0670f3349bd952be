import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

describe('task.spawn', () => {
  it('runs the function now, until its first wait, and returns a handle', async () => {
    const { run, steps, prints } = await start();
    run(`local h = task.spawn(function(a) print("start", a) task.wait() print("resumed", time.frame()) end, 1)
         print("after spawn", h.status)
         setTimeout(function() print("status", h.status) end, 0)`);
    expect(prints).toEqual(['start\t1', 'after spawn\tsuspended']);
    steps(1);
    expect(prints.slice(2)).toEqual(['resumed\t1', 'status\tdead']);
  });

  it('starts an existing coroutine', async () => {
    const { run, prints } = await start();
    run('local co = coroutine.create(function(x) print("in co", x) end) task.spawn(co, 5) print(coroutine.status(co))');
    expect(prints).toEqual(['in co\t5', 'dead']);
  });
});

describe('task.defer', () => {
  it('runs in the deferred phase of the current step, first in first out, after timers', async () => {
    const { run, steps, prints } = await start();
    run(`setTimeout(function()
           task.defer(function() print("deferred 1", time.frame()) end)
           task.defer(function(x) print("deferred 2", x) end, "arg")
           print("timer", time.frame())
         end, 0)
         setTimeout(function() print("second timer") end, 0)`);
    steps(1);
    expect(prints).toEqual(['timer\t1', 'second timer', 'deferred 1\t1', 'deferred 2\targ']);
  });

  it('runs work deferred by deferred work in the same step, up to the pass limit; leftovers run in the next step\'s deferred phase, counted against its 10 passes', async () => {
    const { rt, run, steps, take } = await start();
    const warnings: string[] = [];
    rt.on('warning', (w) => warnings.push(w));
    run(`local depth = 0
         local function again()
           depth = depth + 1
           print("pass", depth, time.frame())
           task.defer(again)
         end
         setTimeout(function() task.defer(again) end, 0)
         setTimeout(function() print("timer", time.frame()) end, 20)`);
    steps(1);
    const step1 = take();
    expect(step1).toHaveLength(10);
    expect(step1.every((p) => p.endsWith('\t1'))).toBe(true);
    expect(warnings).toEqual(['task.defer: 1 deferred item(s) still queued after 10 passes; moved to the next step']);
    steps(1); // no infinite loop: each frame ends
    const step2 = take();
    expect(step2[0]).toBe('timer\t2'); // the next step's timers first
    expect(step2.slice(1)).toEqual(Array.from({ length: 10 }, (_, i) => `pass\t${11 + i}\t2`));
    expect(warnings).toHaveLength(2);
  });
});

describe('task.delay', () => {
  it('starts the function after the delay, with its arguments', async () => {
    const { run, steps, prints } = await start();
    run('task.delay(0.5, function(a, b) print("delayed", a, b, time.frame()) end, "x", 2)');
    steps(31);
    expect(prints).toEqual(['delayed\tx\t2\t30']);
  });
});

describe('task.wait', () => {
  it('returns exactly the seconds waited (0.5 at 60 Hz)', async () => {
    const { run, steps, prints } = await start();
    run('task.spawn(function() local w = task.wait(0.5) print(w, time.frame()) end)');
    steps(31);
    expect(prints).toEqual(['0.5\t30']);
  });

  it('waits until the next step without an argument, and rounds up to whole steps', async () => {
    const { run, steps, prints } = await start();
    run(`task.spawn(function() print(task.wait(), time.frame()) print(task.wait(0.001), time.frame()) print(task.wait(0.02), time.frame()) end)`);
    steps(5);
    expect(prints).toEqual(['0.016666666666667\t1', '0.016666666666667\t2', '0.033333333333333\t4']);
  });

  it('shares the (due time, sequence) queue with timers', async () => {
    const { run, steps, prints } = await start();
    run(`setTimeout(function() print("timer A") end, 100)
         task.spawn(function() task.wait(0.1) print("task") end)
         setTimeout(function() print("timer B") end, 100)`);
    steps(6);
    expect(prints).toEqual(['timer A', 'task', 'timer B']);
  });

  it('works in the main chunk, timer callbacks, intervals and event handlers', async () => {
    const { rt, run, steps, prints } = await start();
    run(`setTimeout(function() task.wait(0.05) print("timeout") end, 0)
         local iv iv = setInterval(function() clearInterval(iv) task.wait(0.05) print("interval") end, 10)
         events.on("go", function() task.wait(0.05) print("event") end)
         print("main", task.wait(0.05) > 0)`);
    rt.emit('go');
    steps(10);
    expect(prints.sort()).toEqual(['event', 'interval', 'main\ttrue', 'timeout']);
  });
});

describe('task.wait_frames and task.wait_until', () => {
  it('wait whole steps, and poll a predicate once per step', async () => {
    const { run, steps, prints } = await start();
    run(`task.spawn(function() task.wait_frames(3) print("frames", time.frame()) end)
         local flag = false
         setTimeout(function() flag = true end, 100)
         task.spawn(function() print("until", task.wait_until(function() return flag end), time.frame()) end)
         task.spawn(function() print("timeout", task.wait_until(function() return false end, 0.1), time.frame()) end)
         task.spawn(function() print("already", task.wait_until(function() return true end), time.frame()) end)`);
    steps(10);
    // The poll for step 6 was queued in step 5 ("next step", due at step 5's time), so it runs
    // before the timer due at step 6's time: the flag is seen one step later, in step 7.
    expect(prints).toEqual(['already\ttrue\t0', 'frames\t3', 'timeout\tfalse\t6', 'until\ttrue\t7']);
  });
});

describe('task.cancel', () => {
  it('returns true once, then false; a cancelled task never resumes', async () => {
    const { run, steps, prints } = await start();
    run(`local h = task.spawn(function() task.wait(0.1) print("never") end)
         print(task.cancel(h), task.cancel(h), h.status, task.cancel(nil))`);
    steps(10);
    expect(prints).toEqual(['true\tfalse\tcancelled\tfalse']);
  });

  it('ends the running task at its next wait when it cancels itself', async () => {
    const { run, steps, prints } = await start();
    run(`local h
         h = task.spawn(function()
           task.wait()
           print("cancel self", task.cancel(coroutine.running()))
           print("still running until the next wait", h.status)
           task.wait()
           print("never")
         end)
         setTimeout(function() print("status", h.status) end, 0)`);
    steps(3);
    expect(prints).toEqual(['cancel self\ttrue', 'still running until the next wait\trunning', 'status\tcancelled']);
  });

  it('during a drain: a task due later in the same step never resumes', async () => {
    const { run, steps, prints } = await start();
    run(`local victim = task.spawn(function() task.wait(0.1) print("victim resumed") end)
         setTimeout(function() print("cancel", task.cancel(victim)) end, 50)`); // 50 ms and 100 ms both land on step 6? no: 3 and 6
    steps(10);
    expect(prints).toEqual(['cancel\ttrue']);
  });

  it('during a drain in the very same step', async () => {
    const { run, steps, prints } = await start();
    run(`local victim
         setTimeout(function() print("cancel", task.cancel(victim)) end, 100)
         victim = task.spawn(function() task.wait(0.1) print("victim resumed") end)`);
    steps(10);
    expect(prints).toEqual(['cancel\ttrue']);
  });
});

describe('Task status and task.await', () => {
  it('reports running, suspended, dead, cancelled and errored', async () => {
    const { run, steps, prints, errors } = await start();
    run(`local me
         me = task.spawn(function() print("inside", me and me.status or "running") task.wait() end)
         local done = task.spawn(function() end)
         local bad = task.spawn(function() task.wait() error("x") end)
         local gone = task.spawn(function() task.wait() end)
         task.cancel(gone)
         print(me.status, done.status, bad.status, gone.status)
         setTimeout(function() print(me.status, bad.status) end, 0)`);
    steps(2);
    expect(prints).toEqual(['inside\trunning', 'suspended\tdead\tsuspended\tcancelled', 'dead\terrored']);
    expect(errors).toHaveLength(1);
  });

  it('awaits results, and raises the awaited task\'s error', async () => {
    const { run, steps, prints } = await start();
    run(`local worker = task.spawn(function() task.wait(0.1) return 1, "two" end)
         local failing = task.spawn(function() task.wait(0.05) error("bad luck", 0) end)
         task.spawn(function() print("awaited", task.await(worker)) end)
         task.spawn(function() print(pcall(task.await, failing)) end)`);
    steps(10);
    expect(prints).toEqual(['false\ttest.lua:4: awaited task failed: bad luck', 'awaited\t1\ttwo']);
  });

  it('hands an awaited task\'s error to the awaiter only: caught there, nothing is reported', async () => {
    const { run, steps, take, errors } = await start();
    run(`local failing = task.spawn(function() task.wait(0.05) error("bad luck", 0) end)
         task.spawn(function() print(pcall(task.await, failing)) end)
         local early = task.spawn(function() error("nobody waits", 0) end)
         task.spawn(function() print(pcall(task.await, early)) end)`);
    steps(10);
    expect(take()).toEqual(['false\ttest.lua:4: awaited task failed: nobody waits', 'false\ttest.lua:2: awaited task failed: bad luck']);
    expect(errors.map((e) => e.message)).toEqual(['nobody waits']); // it failed before anyone awaited it
  });

  it('raises "awaited task was cancelled" for a cancelled task', async () => {
    const { run, steps, take } = await start();
    run(`local t = task.delay(1, function() end)
         task.spawn(function() print(pcall(task.await, t)) end)
         task.cancel(t)`);
    steps(2);
    expect(take()).toEqual(['false\ttest.lua:2: awaited task was cancelled']);
  });
});

describe('Waiting where nothing can wait', () => {
  it('explains itself in plain words instead of "yield across a C-call boundary"', async () => {
    const { run, errors } = await start();
    run('table.sort({3, 2, 1}, function(a, b) task.wait() return a < b end)', 'sort.lua');
    expect(errors[0]!.message).toBe(
      'sort.lua:1: task.wait cannot wait here: the current function was called from C (a metamethod, table.sort comparator or string.gsub callback cannot wait)',
    );
    expect(errors[0]!.message).not.toMatch(/C-call boundary/);
  });
});
