import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

// The edge cases docs/scheduling.md lists under "Edge cases", one test each.
describe('A negative delay', () => {
  it('means 0 in every API: the next step, in creation order with the other zero delays', async () => {
    const { run, steps, take } = await start();
    run(`setTimeout(function() print("setTimeout 0") end, 0)
task.delay(-1, function() print("task.delay -1") end)
setTimeout(function() print("setTimeout -5") end, -5)
task.spawn(function() print("task.wait -1", task.wait(-1)) end)
task.spawn(function() print("wait_until -1", task.wait_until(function() return false end, -1), time.frame()) end)
task.spawn(function() print("events.wait -1", select("#", events.wait("x", -1)), time.frame()) end)
setInterval(function() print("setInterval -3", time.frame()) end, -3)`);
    expect(take()).toEqual(['wait_until -1\tfalse\t0']);
    steps(2);
    expect(take()).toEqual([
      'setTimeout 0', 'task.delay -1', 'setTimeout -5', 'task.wait -1\t0.016666666666667', 'events.wait -1\t0\t1',
      'setInterval -3\t1', 'setInterval -3\t2',
    ]);
  });
});

describe('Fractional milliseconds', () => {
  it('are kept as given: the timer runs in the first step starting at or after start + ms', async () => {
    const { run, steps, take } = await start();
    run(`setTimeout(function() print("0.5 ms", time.frame()) end, 0.5)
setTimeout(function() print("1000/60 ms", time.frame()) end, 1000 / 60)
setTimeout(function() print("16.7 ms", time.frame()) end, 16.7)
setTimeout(function() print("33.3 ms", time.frame()) end, 33.3)`);
    steps(3);
    expect(take()).toEqual(['0.5 ms\t1', '1000/60 ms\t1', '16.7 ms\t2', '33.3 ms\t2']);
  });
});

describe('task.wait_frames(n)', () => {
  it('rounds n up to a whole number of steps, at least one', async () => {
    const { run, steps, take } = await start();
    run(`for _, n in ipairs({ 0.5, 0, -2, 1.2 }) do
  task.spawn(function() task.wait_frames(n) print(n, time.frame()) end)
end`);
    steps(3);
    expect(take()).toEqual(['0.5\t1', '0\t1', '-2\t1', '1.2\t2']);
  });
});

describe('A timeout of 0 or less', () => {
  it('makes task.wait_until return false at once (after one check) and events.wait wait for the next step', async () => {
    const { run, steps, take } = await start();
    run(`task.spawn(function() print("wait_until", task.wait_until(function() return false end, 0), time.frame()) end)
task.spawn(function() print("wait_until true", task.wait_until(function() return true end, 0)) end)
task.spawn(function() print("events.wait", select("#", events.wait("x", 0)), time.frame()) end)
task.spawn(function() print("events.wait hears", events.wait("y", 0)) end)
events.emit("y", "now")`);
    expect(take()).toEqual(['wait_until\tfalse\t0', 'wait_until true\ttrue', 'events.wait hears\tnow']);
    steps(2);
    expect(take()).toEqual(['events.wait\t0\t1']);
  });
});

describe('Clearing a timer from its own callback', () => {
  it('returns false for a one-shot (it already fired) and true for an interval (which stops)', async () => {
    const { run, steps, take } = await start();
    run(`local once; once = setTimeout(function() print("timeout", clearTimeout(once)) end, 0)
local every; every = setInterval(function() print("interval", clearInterval(every), time.frame()) end, 0)`);
    steps(3);
    expect(take()).toEqual(['timeout\tfalse', 'interval\ttrue\t1']);
  });
});

describe('Nested emits of the same event', () => {
  it('run depth-first: the inner emit runs all its handlers before the outer emit goes on', async () => {
    const { run, take } = await start();
    run(`events.on("n", function(d) print("h1", d) if d < 2 then events.emit("n", d + 1) end end)
events.once("n", function(d) print("once", d) end)
events.on("n", function(d) print("h2", d) end)
events.emit("n", 0)`);
    expect(take()).toEqual(['h1\t0', 'h1\t1', 'h1\t2', 'once\t2', 'h2\t2', 'h2\t1', 'h2\t0']);
  });
});

describe('A task cancelled while it runs', () => {
  it('goes on to its next wait and ends there (status "cancelled"); a second cancel returns false', async () => {
    const { run, steps, take, errors } = await start();
    run(`local t
t = task.spawn(function()
  task.wait()
  print("cancel", task.cancel(t), t.status, task.cancel(t))
  print("still running")
  pcall(task.wait) -- ends here: pcall does not catch it
  print("never")
end)
task.spawn(function() task.wait(0.05) print("await", pcall(task.await, t)) end)
setTimeout(function() print("status", t.status) end, 50)`);
    steps(4);
    expect(take()).toEqual([
      'cancel\ttrue\trunning\tfalse', 'still running', 'await\tfalse\ttest.lua:9: awaited task was cancelled', 'status\tcancelled',
    ]);
    expect(errors).toEqual([]);
  });
});
