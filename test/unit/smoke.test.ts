import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/index';

describe('A Runtime', () => {
  it('runs a main chunk and fires a timer on the exact step', async () => {
    const rt = await createRuntime();
    const out: string[] = [];
    rt.on('print', (t) => out.push(t));
    rt.on('error', (e) => out.push('ERR ' + e.message + '\n' + e.traceback));
    rt.runSource(`
      print("hello", 1, nil, true)
      setTimeout(function(a) print("timeout", a, time.frame()) end, 100, "x")
      task.spawn(function() local w = task.wait(0.5) print("waited", w, time.frame()) end)
      setTimeout(function() local w = task.wait(0.1) print("timer waited", w, time.frame()) end, 0)
      local id = setInterval(function() print("iv", time.frame()) end, 250)
      setTimeout(function() clearInterval(id) end, 1000)
    `);
    for (let i = 0; i < 70; i++) rt.step();
    expect(out).toMatchInlineSnapshot(`
      [
        "hello	1	nil	true",
        "timeout	x	6",
        "timer waited	0.1	7",
        "iv	15",
        "waited	0.5	30",
        "iv	30",
        "iv	45",
        "iv	60",
      ]
    `);
    const stats = rt.stats();
    expect(stats).toMatchObject({ frame: 70, liveSlots: 0, pendingTimers: 0, waitingTasks: 0, pendingHostCalls: 0 });
    expect(stats.luaMemoryBytes).toBeGreaterThan(0);
    rt.close();
  });
});
