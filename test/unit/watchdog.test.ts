import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, ScriptMemoryError, ScriptTimeoutError, type LuaRuntimeError } from '../../src/index';
import type { Runtime } from '../../src/runtime/Runtime';

let runtime: Runtime | undefined;
afterEach(() => runtime?.close());

async function start(options: Parameters<typeof createRuntime>[0] = {}) {
  runtime = await createRuntime({ instructionBudget: 1e6, ...options });
  const prints: string[] = [];
  const errors: LuaRuntimeError[] = [];
  runtime.on('print', (t) => prints.push(t));
  runtime.on('error', (e) => errors.push(e));
  return { rt: runtime, prints, errors };
}

describe('The watchdog', () => {
  it('stops an endless loop in a timer callback and keeps the runtime running', async () => {
    const { rt, prints, errors } = await start();
    rt.runSource(
      `setTimeout(function() while true do end end, 0)
       setInterval(function() print("tick", time.frame()) end, 1000 / 60)`,
      'loop.lua',
    );
    for (let i = 0; i < 3; i++) rt.step();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ScriptTimeoutError);
    expect(errors[0]!.kind).toBe('timeout');
    expect(errors[0]!.chunk).toBe('loop.lua');
    expect(errors[0]!.line).toBe(1);
    expect(errors[0]!.source).toBe('timer');
    expect(errors[0]!.message).toMatch(/instruction budget exceeded/);
    expect(prints).toEqual(['tick\t1', 'tick\t2', 'tick\t3']);
  });

  it('stops an endless loop in the main chunk', async () => {
    const { rt, errors } = await start();
    rt.runSource('local x = 0\nwhile true do x = x + 1 end', 'main.lua');
    expect(errors.map((e) => [e.kind, e.source, e.line])).toEqual([['timeout', 'main', 2]]);
  });

  it('cannot be swallowed by pcall, xpcall or a coroutine the script made', async () => {
    const { rt, prints, errors } = await start();
    rt.runSource(
      `setTimeout(function() while true do pcall(function() while true do end end) end end, 0)
       setTimeout(function() while true do xpcall(function() while true do end end, function(e) return e end) end end, 0)
       setTimeout(function()
         while true do coroutine.resume(coroutine.create(function() while true do end end)) end
       end, 0)
       setTimeout(function() local gen = coroutine.wrap(function() while true do end end); gen() end, 0)
       setTimeout(function() print("after", time.frame()) end, 0)`,
      'swallow.lua',
    );
    rt.step();
    expect(errors.map((e) => [e.kind, e.line])).toEqual([
      ['timeout', 1],
      ['timeout', 2],
      ['timeout', 4],
      ['timeout', 6],
    ]);
    expect(prints).toEqual(['after\t1']);
  });

  it('charges work a callback starts itself (task.spawn) to that callback', async () => {
    const { rt, errors } = await start();
    rt.runSource('setTimeout(function() while true do task.spawn(function() end) end end, 0)', 'spawn.lua');
    rt.step();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('timeout');
    expect(rt.stats().liveSlots).toBe(0);
  });

  it('stops a runaway task resume and an event handler', async () => {
    const { rt, errors } = await start();
    rt.runSource(
      `task.spawn(function() task.wait(0.05) while true do end end)
       events.on("go", function() while true do end end)`,
      'tasks.lua',
    );
    rt.emit('go');
    for (let i = 0; i < 4; i++) rt.step();
    expect(errors.map((e) => [e.kind, e.source, e.line]).sort()).toEqual([
      ['timeout', 'event', 2],
      ['timeout', 'task', 1],
    ]);
  });

  it('gives every callback a fresh budget', async () => {
    const { rt, prints, errors } = await start();
    // Each callback runs ~300k instructions: under the 1M budget, though together they exceed it.
    rt.runSource(
      `for i = 1, 10 do
         setTimeout(function() local n = 0 for j = 1, 100000 do n = n + j end print(n) end, 0)
       end`,
      'fresh.lua',
    );
    rt.step();
    expect(errors).toEqual([]);
    expect(prints).toHaveLength(10);
  });
});

describe('The memory cap', () => {
  it('ends a string.rep bomb with a memory error and recovers', async () => {
    const { rt, prints, errors } = await start({ memoryLimitBytes: 8 * 1024 * 1024 });
    rt.runSource(
      `setTimeout(function() local s = string.rep("x", 64 * 1024 * 1024) print(#s) end, 0)
       setTimeout(function() print("ok", #string.rep("y", 1000)) end, 0)`,
      'bomb.lua',
    );
    rt.step();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ScriptMemoryError);
    expect(errors[0]!.kind).toBe('memory');
    expect(prints).toEqual(['ok\t1000']);
    expect(rt.stats().luaMemoryBytes).toBeLessThan(8 * 1024 * 1024);
  });

  it('ends a table growth loop and the next steps run normally', async () => {
    const { rt, prints, errors } = await start({ memoryLimitBytes: 8 * 1024 * 1024, instructionBudget: 1e9 });
    rt.runSource(
      `setTimeout(function() local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end end, 0)
       setTimeout(function() print("next", time.frame()) end, 20)`,
      'grow.lua',
    );
    rt.step();
    rt.step();
    expect(errors.map((e) => e.kind)).toEqual(['memory']);
    expect(prints).toEqual(['next\t2']);
  });

  it('ends deep recursion with a clear stack overflow error', async () => {
    const { rt, errors } = await start({ instructionBudget: 1e8 });
    rt.runSource('local function f(n) return 1 + f(n + 1) end\nsetTimeout(function() f(1) end, 0)', 'deep.lua');
    rt.step();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/stack overflow/);
    expect(errors[0]!.chunk).toBe('deep.lua');
  });
});

describe('The runaway policy', () => {
  it('lets a script go on by default (only entities are disabled)', async () => {
    const { rt, prints } = await start();
    rt.runSource(
      `setTimeout(function() while true do end end, 0)
       setTimeout(function() print("same script, later") end, 50)`,
      'policy.lua',
    );
    for (let i = 0; i < 4; i++) rt.step();
    expect(prints).toEqual(['same script, later']);
  });

  it("with 'disable-owner' cancels everything the runaway's owner scheduled and warns", async () => {
    const { rt, prints, errors } = await start({ runawayPolicy: 'disable-owner' });
    const warnings: string[] = [];
    rt.on('warning', (w) => warnings.push(w));
    rt.runSource(
      `setTimeout(function() while true do end end, 0)
       setTimeout(function() print("never") end, 50)
       events.on("ping", function() print("never either") end)`,
      'policy.lua',
    );
    rt.runSource('setTimeout(function() print("other script runs") end, 50)', 'other.lua');
    rt.step();
    rt.emit('ping');
    for (let i = 0; i < 4; i++) rt.step();
    expect(errors.map((e) => e.kind)).toEqual(['timeout']);
    expect(prints).toEqual(['other script runs']);
    expect(warnings).toEqual(['script:policy.lua was disabled: one of its callbacks ran past the instruction budget']);
    expect(rt.stats().liveSlots).toBe(0);
  });
});
