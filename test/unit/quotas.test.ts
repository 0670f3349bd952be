import { describe, expect, it } from 'vitest';
import { flush, start } from '../helpers';

// Everything scripts hand the host is metered per step: a flood ends in a clear Lua error at
// the flooding line (catchable like any error), never in an outbox that grows without bound.

const MiB = 1024 * 1024;

describe('Print quota', () => {
  it('stops a 1 MiB print loop at the script\'s line instead of filling the host\'s memory', async () => {
    const { run, prints, errors, steps } = await start();
    run(`local s = ("x"):rep(1 << 20)
         for i = 1, 1e6 do print(s) end`);
    expect(prints).toEqual([]); // 1 MiB and the item's 64 bytes do not fit in 1 MiB
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('test.lua:2: print: quota exceeded: over 1048576 bytes this step (limits.printBytesPerStep)');
    expect(errors[0]!.line).toBe(2);
    prints.length = 0;
    run('print("next entry: the quota is new")');
    steps(1);
    expect(prints).toEqual(['next entry: the quota is new']);
  });

  it('joins a print\'s parts on the host after charging them, so a refused print copies nothing', async () => {
    // The host side of a print that hands over its parts (the sandbox may pass them as they are).
    const chunk = {
      field: 'print_parts', chunkName: 'test/print_parts.lua',
      source: 'local rt = ... rt.entry.print_parts = function(...) return pcall(rt.host.print, ...) end return {}',
    };
    const { rt, prints } = await start({ chunks: [chunk], limits: { printBytesPerStep: 1000 } });
    expect(rt.callExtension('print_parts', ['a', 'bc', ''], 2)).toEqual([true, null]);
    expect(prints).toEqual(['a\tbc\t']);
    const [ok, message] = rt.callExtension('print_parts', ['x'.repeat(500), 'y'.repeat(500)], 2);
    expect([ok, message]).toEqual([false, 'test/print_parts.lua:1: print: quota exceeded: over 1000 bytes this step (limits.printBytesPerStep)']);
    expect(prints).toHaveLength(1);
  });

  it('counts many small prints too (64 bytes per item)', async () => {
    const { run, prints, errors } = await start();
    run('for i = 1, 1e7 do print("") end');
    expect(prints).toHaveLength(MiB / 64);
    expect(errors[0]!.message).toMatch(/^test\.lua:1: print: quota exceeded/);
  });

  it('is catchable like any error', async () => {
    const { run, prints } = await start({ limits: { printBytesPerStep: 1000 } });
    run(`local s = ("y"):rep(400)
         local ok, err
         for i = 1, 10 do ok, err = pcall(print, s) if not ok then break end end
         print(ok, err)`.replace('print(ok, err)', 'error(tostring(ok) .. " " .. err)'));
    expect(prints.every((p) => p === 'y'.repeat(400))).toBe(true);
  });

  it('is per owner: a flooding script does not silence another script in the same step', async () => {
    const { run, prints, errors, steps } = await start({ limits: { printBytesPerStep: 10_000 } });
    run('setTimeout(function() local s = ("a"):rep(1000) while true do print(s) end end, 0)', 'attacker.lua');
    run('setTimeout(function() print("victim ok") end, 0)', 'victim.lua');
    steps(1);
    expect(errors.map((e) => e.chunk)).toEqual(['attacker.lua']);
    expect(prints).toContain('victim ok');
  });

  it('bounds all owners together with hostBytesPerStep', async () => {
    const { run, errors, steps } = await start({ limits: { printBytesPerStep: 10_000, hostBytesPerStep: 50_000 } });
    for (let i = 0; i < 20; i++) run(`setTimeout(function() local s = ("a"):rep(1000) for i = 1, 9 do print(s) end end, 0)`, `m${i}.lua`);
    steps(1);
    expect(errors.length).toBeGreaterThan(10);
    expect(errors[0]!.message).toMatch(/print: quota exceeded: all scripts together handed the host over 50000 bytes this step \(limits\.hostBytesPerStep\)/);
  });
});

describe('Emit quota', () => {
  it('stops a loop of 1 MB emits to a JS listener', async () => {
    const { rt, run, errors } = await start();
    let received = 0;
    rt.on('lua:blob', () => received++);
    run(`local s = ("x"):rep(1 << 20)
         for i = 1, 1e5 do events.emit("blob", s) end`);
    expect(received).toBe(3); // 4 MiB holds three 1 MiB emits with their overhead
    expect(errors[0]!.message).toBe("test.lua:2: events.emit('blob'): quota exceeded: over 4194304 bytes this step (limits.emitBytesPerStep)");
  });

  it('does not charge emits nobody on the host listens to', async () => {
    const { run, errors, prints } = await start({ limits: { emitBytesPerStep: 1000 } });
    run(`local n = 0 events.on("x", function() n = n + 1 end)
         local s = ("x"):rep(1 << 20)
         for i = 1, 100 do events.emit("x", s) end print(n)`);
    expect(errors).toEqual([]);
    expect(prints).toEqual(['100']);
  });
});

describe('Host-call quotas', () => {
  it('refuses host calls past maxHostCalls pending, with a clear error at the caller\'s line', async () => {
    const { rt, run, prints, steps } = await start({ limits: { maxHostCalls: 5 } });
    rt.expose('never', () => new Promise(() => {}));
    run(`for i = 1, 6 do task.spawn(function()
           local ok, err = pcall(function() local v = never() return v end)
           print(i, ok, err)
         end) end`);
    await flush();
    steps(1);
    expect(prints).toEqual(['6\tfalse\ttest.lua:2: never: too many host calls pending (5, limits.maxHostCalls); wait for some to finish']);
    expect(rt.stats().pendingHostCalls).toBe(5);
  });

  it('keeps one owner from holding every pending host call (maxHostCallsPerOwner)', async () => {
    const { rt, run, prints, steps } = await start({ limits: { maxHostCallsPerOwner: 3 } });
    rt.expose('never', () => new Promise(() => {}));
    rt.expose('answer', async () => 42);
    run(`for i = 1, 4 do task.spawn(function()
           print("attacker", i, pcall(function() local v = never() return v end))
         end) end`, 'attacker.lua');
    run('task.spawn(function() local v = answer() print("victim", v) end)', 'victim.lua');
    for (let i = 0; i < 2; i++) {
      await flush();
      steps(1);
    }
    expect(prints).toEqual([
      'attacker\t4\tfalse\tattacker.lua:2: never: too many host calls pending for this script or entity (3, limits.maxHostCallsPerOwner); wait for some to finish',
      'victim\t42',
    ]);
  });

  it('stops 10^4 host calls with 1 MB arguments after the per-step quota', async () => {
    const { rt, run, errors } = await start();
    let calls = 0;
    rt.expose('upload', () => {
      calls++;
    });
    run(`local s = ("x"):rep(1 << 20)
         for i = 1, 1e4 do task.spawn(upload, s) end`);
    await flush();
    expect(calls).toBe(3);
    expect(errors.length).toBeGreaterThan(0);
    expect(rt.errors).toBe(1e4 - calls);
    expect(errors[0]!.message).toMatch(/upload: quota exceeded: over 4194304 bytes this step \(limits\.hostCallBytesPerStep\)/);
  });

  it('bounds the argument bytes pending calls hold', async () => {
    const { rt, run, steps, prints } = await start({ limits: { hostCallBytesPending: 5000, hostCallBytesPerStep: 1e6 } });
    rt.expose('hold', () => new Promise(() => {}));
    run(`for i = 1, 3 do task.spawn(function() print(i, pcall(function() local v = hold(("z"):rep(2000)) return v end)) end) end`);
    await flush();
    steps(1);
    expect(prints).toEqual([
      "3\tfalse\ttest.lua:1: hold: quota exceeded: the pending host calls' arguments would pass limits.hostCallBytesPending",
    ]);
  });
});

describe('Error reports', () => {
  it('cuts long messages and tracebacks with a note, and drops reports past the per-step budgets', async () => {
    const { rt, run, errors, steps } = await start();
    const warnings: string[] = [];
    rt.on('warning', (w) => warnings.push(w));
    run(`local s = ("e"):rep(1 << 20)
         for i = 1, 1000 do task.spawn(function() error(s, 0) end) end`);
    steps(1);
    expect(errors.length).toBeGreaterThan(20); // 256 KiB of reports about one owner, each ≈ 8 KiB
    expect(errors.length).toBeLessThanOrEqual(32);
    expect(rt.errors).toBe(1000);
    for (const e of errors) {
      expect(e.message).toBe(`${'e'.repeat(8192)}… (truncated, ${MiB - 8192} more bytes)`);
      expect(e.traceback.length).toBeLessThanOrEqual(16 * 1024 + 100);
    }
    expect(warnings).toEqual([`moonstep: ${1000 - errors.length} more error reports or warnings were dropped this step (limits.errorBytesPerStep, errorBytesPerOwner)`]);
  });
});

describe('Runtime warnings', () => {
  it('share the error-report budget: 5,000 runaway entities disabled in one step queue a bounded number', async () => {
    // (No step share: every one of the 5,000 runs away and is reported.)
    const { rt, steps } = await start({ instructionBudget: 1000, stepInstructionBudget: Infinity, limits: { errorBytesPerStep: 20_000 } }, {
      'spin.lua': 'return { update = function(self) while true do end end }',
    });
    const warnings: string[] = [];
    rt.on('warning', (w) => warnings.push(w));
    for (let i = 0; i < 5000; i++) rt.spawn('spin');
    steps(1);
    expect(rt.errors).toBe(5000);
    expect(warnings.length).toBeLessThan(200);
    expect(warnings.at(-1)).toMatch(/^moonstep: \d+ more error reports or warnings were dropped/);
  }, 60_000);

  it('keep one failing script from hiding another\'s errors (errorBytesPerOwner)', async () => {
    const { run, errors, steps } = await start();
    run('setTimeout(function() local s = ("e"):rep(1 << 20) for i = 1, 1000 do task.spawn(error, s) end end, 0)', 'attacker.lua');
    run('setTimeout(function() error("victim failed", 0) end, 0)', 'victim.lua');
    steps(1);
    expect(errors.filter((e) => e.owner.includes('attacker')).length).toBeLessThanOrEqual(32);
    expect(errors.map((e) => e.message)).toContain('victim failed');
  });
});

describe('RuntimeOptions.limits', () => {
  it('refuses unknown or non-positive limits', async () => {
    await expect(start({ limits: { printBytes: 1 } as never })).rejects.toThrow(/unknown limit 'printBytes'/);
    await expect(start({ limits: { printBytesPerStep: 0 } })).rejects.toThrow(/limits\.printBytesPerStep must be a positive number/);
  });
});
