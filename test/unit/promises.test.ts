import { describe, expect, it } from 'vitest';
import { flush, start } from '../helpers';

/** A promise with its resolve/reject handles, settled by the test. */
function deferred<T = unknown>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('awaiting host promises', () => {
  it('returns the values to the calling task, applied at the start of the next step', async () => {
    const { rt, run, steps, prints } = await start();
    rt.expose('loadJson', async (url) => ({ url, enemies: [1, 2, 3] }));
    run(`local data = loadJson("level1.json")
         print("got", data.url, #data.enemies, time.frame())`);
    expect(prints).toEqual([]);
    await flush();
    expect(prints).toEqual([]); // settled, but never applied between steps
    steps(1);
    expect(prints).toEqual(['got\tlevel1.json\t3\t1']);
  });

  it('an array comes back as one Lua sequence; undefined as nil', async () => {
    const { rt, run, steps, prints } = await start();
    rt.expose('pair', async () => [1, 'two']);
    rt.expose('nothing', async () => undefined);
    run('local p = pair() print(#p, p[2], nothing(), select("#", nothing()))');
    for (let i = 0; i < 3; i++) {
      await flush();
      steps(1);
    }
    expect(prints).toEqual(['2\ttwo\tnil\t0']);
  });

  it('a rejection is a Lua error carrying the JS message, at the caller\'s line', async () => {
    const { rt, run, steps, prints, errors } = await start();
    rt.expose('fail', async () => {
      throw new Error('file not found: x.json');
    });
    rt.expose('failNow', () => {
      throw new Error('thrown synchronously');
    });
    run(`task.spawn(function() print(pcall(function() local v = fail() return v end)) end)
         task.spawn(function() print(pcall(function() local v = failNow() return v end)) end)
         print(pcall(fail)) -- called by pcall itself: the pcall's line
         fail()`);
    for (let i = 0; i < 2; i++) {
      await flush();
      steps(1);
    }
    // failNow's throw settles a microtask before the async function's rejection.
    expect(prints).toEqual([
      'false\ttest.lua:2: thrown synchronously',
      'false\ttest.lua:1: file not found: x.json',
      'false\ttest.lua:3: file not found: x.json',
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('file not found: x.json');
    expect(errors[0]!.line).toBe(4);
  });

  it('applies settlements in settlement order, not call order', async () => {
    const { rt, run, steps, prints } = await start();
    const pending = new Map<string, ReturnType<typeof deferred<string>>>();
    rt.expose('later', (key) => {
      const d = deferred<string>();
      pending.set(key as string, d);
      return d.promise;
    });
    run(`for _, k in ipairs({"a", "b", "c"}) do
           task.spawn(function() print(later(k)) end)
         end`);
    await flush();
    pending.get('c')!.resolve('c');
    await flush();
    pending.get('a')!.resolve('a');
    await flush();
    steps(1);
    pending.get('b')!.resolve('b');
    await flush();
    expect(prints).toEqual(['c', 'a']);
    steps(1);
    expect(prints).toEqual(['c', 'a', 'b']);
  });

  it('drops a result whose task was cancelled, and frees its slot', async () => {
    const { rt, run, steps, prints } = await start();
    const d = deferred<number>();
    rt.expose('slow', () => d.promise);
    steps(1);
    const baseline = rt.stats().liveSlots;
    run(`local h = task.spawn(function() print("never", slow()) end)
         setTimeout(function() print(task.cancel(h)) end, 0)`);
    steps(2);
    expect(prints).toEqual(['true']);
    d.resolve(5);
    await flush();
    steps(2);
    expect(prints).toEqual(['true']);
    expect(rt.stats().liveSlots).toBe(baseline);
    expect(rt.stats().pendingHostCalls).toBe(0);
  });

  it('a promise settling after close is ignored', async () => {
    const { rt, run } = await start();
    const d = deferred<number>();
    rt.expose('slow', () => d.promise);
    run('slow()');
    await flush();
    rt.close();
    d.resolve(1);
    await flush();
    expect(rt.closed).toBe(true);
  });

  it('limits concurrently pending host calls; the rest start in call order', async () => {
    const { rt, run, steps, prints } = await start({ maxPendingHostCalls: 2 });
    const started: number[] = [];
    const waiting: Array<() => void> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    rt.expose('work', (n) => {
      started.push(n as number);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) =>
        waiting.push(() => {
          inFlight--;
          resolve(n);
        }),
      );
    });
    run('for i = 1, 5 do task.spawn(function() print("done", work(i)) end) end');
    await flush();
    expect(started).toEqual([1, 2]);
    expect(rt.stats().pendingHostCalls).toBe(5);
    while (waiting.length) {
      waiting.shift()!();
      await flush();
    }
    steps(1);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(maxInFlight).toBe(2);
    expect(prints).toEqual(['done\t1', 'done\t2', 'done\t3', 'done\t4', 'done\t5']);
  });

  it('a result that is not plain data becomes a Lua error naming the function', async () => {
    const { rt, run, steps, prints } = await start();
    rt.expose('weird', async () => ({ f: () => 1 }));
    run('print(pcall(weird))');
    await flush();
    steps(1);
    expect(prints).toHaveLength(1);
    expect(prints[0]).toMatch(/^false\t.*result of host function 'weird'/);
  });

  it('arguments that are not plain data are rejected at the caller\'s line', async () => {
    const { rt, run, prints } = await start();
    rt.expose('send', async () => 1);
    run('print(pcall(function() send(function() end) end))');
    expect(prints).toHaveLength(1);
    expect(prints[0]).toMatch(/^false\ttest.lua:1: send: .*function/);
  });

  it('refuses invalid names', async () => {
    const { rt } = await start();
    expect(() => rt.expose('not a name', async () => 1)).toThrow(/invalid host function name/);
  });
});

describe('awaiting several host promises at once', () => {
  it('task.spawn starts each call, task.await collects the results', async () => {
    const { rt, run, steps, prints } = await start();
    rt.expose('loadJson', async (name) => ({ name }));
    run(`local a, b = task.spawn(loadJson, "a.json"), task.spawn(loadJson, "b.json")
         print(task.await(a).name, task.await(b).name, time.frame())`);
    await flush();
    steps(1);
    await flush();
    steps(1);
    expect(prints).toEqual(['a.json\tb.json\t1']);
  });
});
