import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

describe('events between scripts', () => {
  it('runs handlers now, in subscription order, with the values', async () => {
    const { run, prints } = await start();
    run(`events.on("hit", function(a, b) print("first", a, b) end)
         events.on("hit", function(a, b) print("second", a, b) end)
         events.emit("hit", 1, "x")
         print("after emit")`);
    expect(prints).toEqual(['first\t1\tx', 'second\t1\tx', 'after emit']);
  });

  it('runs each handler in its own task: one may wait, one may fail, the others still run', async () => {
    const { run, steps, prints, errors } = await start();
    run(`events.on("go", function() task.wait_frames(2) print("waited", time.frame()) end)
         events.on("go", function() error("handler broke") end)
         events.on("go", function() print("third") end)
         events.emit("go")
         print("emit returned")`);
    expect(prints).toEqual(['third', 'emit returned']);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('handler broke');
    expect(errors[0]!.line).toBe(2);
    steps(2);
    expect(prints).toEqual(['third', 'emit returned', 'waited\t2']);
  });

  it('once fires one time; disconnect stops a handler, also from inside a dispatch', async () => {
    const { run, prints } = await start();
    run(`events.once("e", function(n) print("once", n) end)
         local c2
         local c1 = events.on("e", function(n) print("on 1", n) c2:disconnect() end)
         c2 = events.on("e", function(n) print("on 2", n) end)
         events.emit("e", 1)
         events.emit("e", 2)
         c1:disconnect() c1:disconnect()
         events.emit("e", 3)
         print(c1.connected, c2.connected)`);
    expect(prints).toEqual(['once\t1', 'on 1\t1', 'on 1\t2', 'false\tfalse']);
  });

  it('a handler subscribed during a dispatch first hears the next emit', async () => {
    const { run, prints } = await start();
    run(`events.on("e", function(n)
           print("outer", n)
           events.on("e", function(m) print("inner", m) end)
         end)
         events.emit("e", 1)
         events.emit("e", 2)`);
    expect(prints).toEqual(['outer\t1', 'outer\t2', 'inner\t2']);
  });

  it('events.wait returns the values, or nothing after the timeout', async () => {
    const { run, steps, prints } = await start();
    run(`task.spawn(function() print("got", events.wait("door")) end)
         task.spawn(function() print("timed out", select("#", events.wait("never", 0.1)), time.frame()) end)
         setTimeout(function() events.emit("door", "open", 2) end, 50)`);
    steps(10);
    expect(prints).toEqual(['got\topen\t2', 'timed out\t0\t6']);
  });

  it('events.wait returns as many values as the emit carried, none for none (like a handler)', async () => {
    const { run, steps, take } = await start();
    run(`task.spawn(function() print("wait", select("#", events.wait("ping"))) end)
         events.on("ping", function(...) print("handler", select("#", ...)) end)
         task.spawn(function() print("wait nil", select("#", events.wait("pong"))) end)
         setTimeout(function() events.emit("ping") events.emit("pong", nil, nil) end, 0)`);
    steps(2);
    expect(take()).toEqual(['wait\t0', 'handler\t0', 'wait nil\t2']);
  });

  it('rejects bad arguments at the caller\'s line', async () => {
    const { run, prints } = await start();
    run(`print(pcall(function() events.on("", print) end))
         print(pcall(function() events.on("x", 5) end))
         print(pcall(function() events.emit(nil) end))
         print(pcall(function() events.wait("x", 0/0) end))`);
    expect(prints).toEqual([
      "false\ttest.lua:1: bad argument #1 to 'events.on' (event name (non-empty string) expected, got string)",
      "false\ttest.lua:2: bad argument #2 to 'events.on' (function expected, got integer)",
      "false\ttest.lua:3: bad argument #1 to 'events.emit' (event name (non-empty string) expected, got nil)",
      "false\ttest.lua:4: bad argument #2 to 'events.wait' (finite number expected, got number (nan))",
    ]);
  });
});

describe('events between the host and scripts', () => {
  it('runtime.emit reaches Lua handlers at the start of the next step, in arrival order', async () => {
    const { rt, run, steps, prints } = await start();
    run(`events.on("input", function(k, data) print("input", k, data.x, data.list[2], time.frame()) end)
         setTimeout(function() print("timer", time.frame()) end, 0)`);
    rt.emit('input', 'a', { x: 1, list: [5, 6] });
    rt.emit('input', 'b', { x: 2, list: [7, 8] });
    expect(prints).toEqual([]);
    steps(1);
    expect(prints).toEqual(['input\ta\t1\t6\t1', 'input\tb\t2\t8\t1', 'timer\t1']);
  });

  it('runtime.on("lua:<name>") hears events.emit from Lua, after the step, with plain data', async () => {
    const { rt, run, steps } = await start();
    const heard: unknown[][] = [];
    rt.on('lua:score', (...values) => heard.push(values));
    run(`setTimeout(function() events.emit("score", 10, { combo = 3, tags = { "a", "b" } }) end, 0)`);
    steps(1);
    expect(heard).toEqual([[10, { combo: 3, tags: ['a', 'b'] }]]);
  });

  it('runtime.on("luaEvent") hears every events.emit from Lua with its name', async () => {
    const { rt, run, steps } = await start();
    const heard: unknown[] = [];
    rt.on('luaEvent', (name, values) => heard.push([name, values]));
    run(`setTimeout(function() events.emit("score", 10) events.emit("done") end, 0)`);
    steps(1);
    expect(heard).toEqual([['score', [10]], ['done', []]]);
  });

  it('rejects payloads that are not plain data, with a clear error', async () => {
    const { rt, run, prints } = await start();
    expect(() => rt.emit('x', () => 1)).toThrow(/payload of event 'x'/);
    expect(() => rt.emit('x', new Map())).toThrow(/payload of event 'x'/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => rt.emit('x', cyclic)).toThrow(/cycle/);
    expect(() => rt.emit('')).toThrow(/non-empty string/);
    rt.on('lua:bad', () => {});
    run('print(pcall(function() events.emit("bad", print) end))');
    expect(prints[0]).toMatch(/^false\ttest.lua:1: events.emit\('bad'\): .*function/);
  });
});

describe('trace', () => {
  it('records each callback and resume with step, kind, handle id and owner', async () => {
    const { rt, run, steps, prints } = await start({ trace: true });
    run(`local a = setTimeout(function() end, 0)
         task.spawn(function() task.wait() end)
         local b = setTimeout(function() task.defer(function() end) events.emit("e") end, 20)
         events.on("e", function() end)
         print(a, b)`);
    steps(3);
    // Records have odd ids in creation order (task 1, deferred 5, connection 7); one-shot timers
    // have the even ids setTimeout returned.
    const [a, b] = prints[0]!.split('\t');
    expect(Number(a) % 2).toBe(0);
    expect(rt.trace.map((r) => `${r.step} ${r.kind} ${r.id} ${r.owner}`)).toEqual([
      '0 main 0 script:test.lua',
      '0 task 1 script:test.lua',
      `1 timer ${a} script:test.lua`,
      '1 task 1 script:test.lua',
      `2 timer ${b} script:test.lua`,
      '2 event 7 script:test.lua',
      '2 deferred 5 script:test.lua',
    ]);
    const again = await start({ trace: true });
    again.run(`local a = setTimeout(function() end, 0)
         task.spawn(function() task.wait() end)
         local b = setTimeout(function() task.defer(function() end) events.emit("e") end, 20)
         events.on("e", function() end)
         print(a, b)`);
    again.steps(3);
    expect(again.rt.traceDigest()).toEqual(rt.traceDigest());
  });

  it('records nothing while off', async () => {
    const { rt, run, steps } = await start();
    run('setTimeout(function() end, 0)');
    steps(2);
    expect(rt.trace).toEqual([]);
  });
});
