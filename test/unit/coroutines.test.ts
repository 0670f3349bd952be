import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

describe("scripts' own coroutines", () => {
  it('a coroutine.wrap generator that waits on the scheduler still yields its own values', async () => {
    const { run, steps, prints } = await start();
    run(`local gen = coroutine.wrap(function()
           for i = 1, 3 do
             task.wait(0.1)          -- passes through the generator to the scheduler
             coroutine.yield(i, time.frame())
           end
           return "done"
         end)
         task.spawn(function()
           for _ = 1, 4 do print(gen()) end
         end)`);
    steps(30);
    expect(prints).toEqual(['1\t6', '2\t12', '3\t18', 'done']);
  });

  it('coroutine.resume sees only the coroutine\'s own yields, also when nested two deep', async () => {
    const { run, steps, prints } = await start();
    run(`local inner = coroutine.create(function()
           task.wait_frames(2)
           coroutine.yield("inner yielded", time.frame())
           task.wait_frames(1)
           return "inner done", time.frame()
         end)
         local outer = coroutine.create(function()
           print("outer got", select(2, coroutine.resume(inner)))
           coroutine.yield("outer yielded")
           print("outer got", select(2, coroutine.resume(inner)))
           return "outer done"
         end)
         task.spawn(function()
           print("task got", select(2, coroutine.resume(outer)))
           print("task got", select(2, coroutine.resume(outer)))
           print(coroutine.status(inner), coroutine.status(outer))
         end)`);
    steps(5);
    expect(prints).toEqual([
      'outer got\tinner yielded\t2',
      'task got\touter yielded',
      'outer got\tinner done\t3',
      'task got\touter done',
      'dead\tdead',
    ]);
  });

  it('errors inside a user coroutine come back from coroutine.resume as usual', async () => {
    const { run, steps, prints, errors } = await start();
    run(`local co = coroutine.create(function() task.wait() error("boom") end)
         task.spawn(function() local ok, e = coroutine.resume(co) print(ok, e, coroutine.status(co)) end)`);
    steps(2);
    expect(prints).toEqual(['false\ttest.lua:1: boom\tdead']);
    expect(errors).toEqual([]);
  });

  it('refuses to resume or close a coroutine the scheduler owns', async () => {
    const { run, prints } = await start();
    run(`local me = coroutine.running()
         print(pcall(coroutine.resume, me))
         print(pcall(coroutine.close, me))
         print(coroutine.isyieldable())`);
    expect(prints).toEqual([
      "false\ttest.lua:2: bad argument #1 to 'coroutine.resume' (this coroutine belongs to the scheduler; use task.cancel)",
      "false\ttest.lua:3: bad argument #1 to 'coroutine.close' (this coroutine belongs to the scheduler; use task.cancel)",
      'true',
    ]);
  });

  it('a bare coroutine.yield in a task is an error in plain words, not a silent hang', async () => {
    const { run, steps, errors } = await start();
    run('task.spawn(function() coroutine.yield(1) end)');
    steps(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('coroutine.yield can only be used inside a coroutine the script created');
    expect(errors[0]!.line).toBe(1);
  });

  it('cancelling a task that waits inside a user coroutine ends both', async () => {
    const { run, steps, prints, rt } = await start();
    run(`local co = coroutine.create(function() task.wait(0.1) print("never") end)
         local h = task.spawn(function() coroutine.resume(co) print("never either") end)
         setTimeout(function() print(task.cancel(h), h.status) end, 0)`);
    steps(20);
    expect(prints).toEqual(['true\tcancelled']);
    expect(rt.stats().waitingTasks).toBe(0);
  });
});
