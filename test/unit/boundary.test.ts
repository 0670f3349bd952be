import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValueConversionError } from '../../src/index';
import { settleSteps as settle, start } from '../helpers';

// Values a hostile mod hands the host (events to JS listeners, host-function arguments), and
// values a hostile or careless host hands back, must cross in time linear in a fixed budget,
// as plain objects whose keys never touch a prototype.

const DAG = 'local t = {"leaf"} for i = 1, 31 do t = {t, t} end';


describe('Values from Lua to JS', () => {
  it('refuses a table shared 2^31 ways (a DAG) in an emit with a clear, catchable error', async () => {
    const { rt, run, prints, steps } = await start();
    const received: unknown[] = [];
    rt.on('lua:score', (v) => received.push(v));
    run(`${DAG}
         print(pcall(events.emit, "score", t))
         -- Refusing it read only its 32 distinct tables, and only those were charged.
         print(pcall(events.emit, "score", "now"))
         -- Repeating the refusal is charged each time (what it read): the quota runs out.
         for i = 1, 2000 do pcall(events.emit, "score", t) end
         print(pcall(events.emit, "score", "late"))
         setTimeout(function() events.emit("score", "next step") end, 0)`);
    steps(1);
    // Its expansion (2^32 values at 64 bytes each) is far over 4 MiB of emits per owner per step.
    expect(prints).toEqual([
      "false\ttest.lua:2: events.emit('score'): quota exceeded: over 4194304 bytes this step (limits.emitBytesPerStep)",
      'true',
      "false\ttest.lua:7: events.emit('score'): quota exceeded: over 4194304 bytes this step (limits.emitBytesPerStep)",
    ]);
    expect(received).toEqual(['now', 'next step']);
  });

  it('refuses a DAG past conversionNodes, saying why', async () => {
    const { rt, run, prints } = await start({ limits: { conversionNodes: 1000 } });
    rt.on('lua:score', () => {});
    run(`${DAG} print(pcall(events.emit, "score", t))`);
    expect(prints).toEqual([
      "false\ttest.lua:1: events.emit('score'): value too large to cross the boundary (over 1000 values; a shared subtable counts once per use)",
    ]);
  });

  it('refuses the same DAG as a host-function argument, at the caller\'s line', async () => {
    const { rt, run, steps, prints } = await start();
    let calls = 0;
    rt.expose('save', () => {
      calls++;
    });
    run(`${DAG}
         print(pcall(function() save(t) end))`);
    await settle(steps);
    expect(prints).toEqual([
      'false\ttest.lua:2: save: quota exceeded: over 4194304 bytes this step (limits.hostCallBytesPerStep)',
    ]);
    expect(calls).toBe(0);
  });

  it('converts a shared subtable within the budget once per use, as a tree of plain objects', async () => {
    const { rt, run } = await start();
    let got: unknown;
    rt.on('lua:tree', (v) => (got = v));
    run('local t = {"leaf"} for i = 1, 10 do t = {t, t} end events.emit("tree", t)');
    let node = got as unknown[];
    for (let i = 0; i < 10; i++) {
      expect(node).toHaveLength(2);
      expect(node[0]).not.toBe(node[1]); // no sharing: the host may change one freely
      node = node[0] as unknown[];
    }
    expect(node).toEqual(['leaf']);
  });

  it('keeps __proto__, constructor and prototype as own keys, at any depth, never as prototypes', async () => {
    const { rt, run, steps } = await start();
    const received: unknown[] = [];
    rt.on('lua:p', (v) => received.push(v));
    rt.expose('check', (v) => received.push(v));
    const payload = `{ __proto__ = { isAdmin = true }, constructor = { prototype = { polluted = 1 } },
                       deep = { a = { b = { c = { __proto__ = { isAdmin = true } } } } } }`;
    run(`events.emit("p", ${payload}) check(${payload})`);
    await settle(steps);
    expect(received).toHaveLength(2);
    for (const v of received as Array<Record<string, any>>) {
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(v.isAdmin).toBeUndefined();
      expect(Object.keys(v).sort()).toEqual(['__proto__', 'constructor', 'deep']);
      expect(Object.getOwnPropertyDescriptor(v, '__proto__')!.value).toEqual({ isAdmin: true });
      expect(v.constructor).toEqual({ prototype: { polluted: 1 } });
      const c = v.deep.a.b.c;
      expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
      expect(c.isAdmin).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(c, '__proto__')).toBe(true);
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps a __proto__ chain 30 deep as plain own keys in a host-function argument', async () => {
    const { rt, run, steps } = await start();
    let got: any;
    rt.expose('sink', (v) => {
      got = v;
    });
    run('local t = { isAdmin = true } for i = 1, 30 do t = { __proto__ = t } end sink(t)');
    await settle(steps);
    for (let i = 0; i < 30; i++) {
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(got.isAdmin).toBeUndefined();
      expect(Object.keys(got)).toEqual(['__proto__']);
      got = Object.getOwnPropertyDescriptor(got, '__proto__')!.value;
    }
    expect(got).toEqual({ isAdmin: true });
  });

  it('refuses odd values with plain-words errors, and a huge key shared a million ways as an argument', async () => {
    const { rt, run, steps, prints } = await start();
    rt.on('lua:x', () => {});
    rt.expose('sink', () => {});
    run(`for _, v in ipairs({ coroutine.create(print), { [1] = 1, [3] = 3 }, { [0.5] = 1 }, { [true] = 1 } }) do
           print(select(2, pcall(events.emit, "x", v)))
         end
         local k = ("k"):rep(1 << 20) local t = { [k] = 1 } for i = 1, 20 do t = { a = t, b = t } end
         local c = {} c.self = c
         task.spawn(function() print(select(2, pcall(sink, t))) print(select(2, pcall(sink, c))) end)`);
    await settle(steps);
    expect(prints).toEqual([
      "test.lua:2: events.emit('x'): a Lua thread cannot cross to JS (plain data only)",
      "test.lua:2: events.emit('x'): an array with holes cannot cross to JS",
      "test.lua:2: events.emit('x'): a number table key cannot cross to JS",
      "test.lua:2: events.emit('x'): a boolean table key cannot cross to JS",
      'test.lua:6: sink: quota exceeded: over 4194304 bytes this step (limits.hostCallBytesPerStep)',
      'test.lua:6: sink: cannot pass a cyclic table to JS',
    ]);
  });

  it('refuses a huge key or string before copying it', async () => {
    const { rt, run, prints } = await start({ limits: { conversionBytes: 1 << 20 } });
    rt.on('lua:k', () => {});
    run(`local k = ("k"):rep(2 << 20)
         print(pcall(events.emit, "k", { [k] = 1 }))
         print(pcall(events.emit, "k", { k }))
         print(pcall(events.emit, "k", ("x"):rep(1000)))`);
    expect(prints[0]).toMatch(/^false\ttest\.lua:\d+: events\.emit\('k'\): value too large to cross the boundary \(over 1048576 bytes of strings\)$/);
    expect(prints[1]).toBe(prints[0]!.replace('test.lua:2:', 'test.lua:3:'));
    expect(prints[2]).toBe('true');
  });
});

describe('Values from JS to Lua', () => {
  it('refuses a host payload shared 2^31 ways with ValueConversionError', async () => {
    const { rt } = await start();
    let t: unknown = ['leaf'];
    for (let i = 0; i < 30; i++) t = { a: t, b: t };
    expect(() => rt.emit('big', t)).toThrow(ValueConversionError);
    expect(() => rt.emit('big', t)).toThrow(/^moonstep: payload of event 'big' too large to cross the boundary \(over 100000 values/);
  });

  it('refuses a host-function result shared 2^31 ways: the script gets a Lua error', async () => {
    const { rt, run, steps, prints } = await start();
    let t: unknown = ['leaf'];
    for (let i = 0; i < 30; i++) t = { a: t, b: t };
    rt.expose('fetchBig', async () => t);
    run('print(pcall(function() local v = fetchBig() return v end))');
    await settle(steps);
    expect(prints).toEqual([
      "false\ttest.lua:1: moonstep: result of host function 'fetchBig' too large to cross the boundary (over 100000 values; a shared subtable counts once per use)",
    ]);
  });

  it('passes a JSON __proto__ key to Lua as a key', async () => {
    const { rt, steps, run, prints } = await start();
    run('events.on("j", function(v) print(rawget(v, "__proto__").x, getmetatable(v)) end)');
    rt.emit('j', JSON.parse('{"__proto__": {"x": 1}}'));
    steps(1);
    expect(prints).toEqual(['1\tnil']);
  });

  it('reads a host value once: a getter that answers differently later cannot reach Lua', async () => {
    const { rt } = await start();
    expect(() => rt.emit('g', { get x() { return 1; } })).toThrow(/property 'x' is a getter or setter/);
  });
});

describe('Host functions that fail with hostile values', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('reports a rejection whose toString, message getter or Proxy traps throw as a clear Lua error', async () => {
    const { rt, run, steps, prints, errors } = await start();
    const throwing = new Proxy({}, {
      get() { throw new Error('trap'); },
      getPrototypeOf() { throw { toString() { throw 1; } }; },
      getOwnPropertyDescriptor() { throw { toString() { throw 2; } }; },
      ownKeys() { throw 3; },
    });
    const hostile: Record<string, () => unknown> = {
      badToString: async () => { throw { toString() { throw 1; } }; },
      badGetter: async () => { throw Object.defineProperty(new Error('x'), 'message', { get() { throw 1; } }); },
      proxyError: async () => { throw throwing; },
      proxyResult: async () => throwing,
      getterResult: async () => ({ get x() { throw 1; } }),
      syncThrow: () => { throw { toString() { throw 1; } }; },
      badThen: () => ({ get then() { throw 1; } }),
    };
    for (const [name, fn] of Object.entries(hostile)) rt.expose(name, fn);
    run(`for _, name in ipairs({ "badToString", "badGetter", "proxyError", "proxyResult", "getterResult", "syncThrow", "badThen" }) do
           task.spawn(function() print(name, pcall(function() local v = _G[name]() return v end)) end)
         end`);
    await settle(steps, 4);
    await new Promise((r) => setTimeout(r, 0));
    expect(unhandled).toEqual([]);
    expect(errors).toEqual([]);
    const byName = Object.fromEntries(prints.map((p) => [p.split('\t')[0], p.split('\t').slice(1).join('\t')]));
    expect(byName).toEqual({
      badToString: 'false\ttest.lua:2: host function failed with a non-Error value (object)',
      badGetter: 'false\ttest.lua:2: host function failed with a non-Error value (object)',
      proxyError: 'false\ttest.lua:2: host function failed with a value that cannot be read',
      // Resolving a promise with it reads its `then`: the Proxy's get trap throws an Error.
      proxyResult: 'false\ttest.lua:2: trap',
      getterResult: "false\ttest.lua:2: moonstep: result of host function 'getterResult' must be plain data (property 'x' is a getter or setter)",
      syncThrow: 'false\ttest.lua:2: host function failed with a non-Error value (object)',
      // Resolving with it reads its `then`, which throws 1.
      badThen: 'false\ttest.lua:2: 1',
    });
  });
});

describe('Data the runtime builds itself', () => {
  it('is not held to a mod\'s conversion budget: a 12,000-entity level (108,000 values) loads by level.load and loadLevel', async () => {
    const entities = Array.from({ length: 12_000 }, (_, i) => ({ script: 'dot', name: `d${i}`, x: i, y: 1, props: { a: 1, b: 'two' } }));
    const { rt, run, steps, prints, errors } = await start({ levels: { field: { entities } } }, { 'dot.lua': 'return {}' });
    run('print(#level.load("field"))');
    await settle(steps);
    expect(errors).toEqual([]);
    expect(prints).toEqual(['12000']);
    expect(rt.loadLevel({ entities }, 'again')).toHaveLength(12_000);
  });
});

describe('Data the runtime reads for the host', () => {
  it('is not held to a mod\'s conversion budget: inspect() lists 30,000 timers', async () => {
    const { rt, run } = await start();
    run('for i = 1, 30000 do setTimeout(function() end, 1000) end');
    expect(rt.inspect().timers).toHaveLength(30_000);
  });
});
