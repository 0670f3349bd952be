import { describe, expect, it } from 'vitest';
import { flush, start } from '../helpers';

// A stranger's mod tries variants of the boundary attacks while a victim mod keeps time:
// the victim must see every step, the host must stay responsive and its heap bounded.

const ATTACKS: Record<string, string> = {
  printFlood: 'local s = ("x"):rep(1 << 20) for i = 1, 1e6 do print(s) end',
  smallPrints: 'for i = 1, 1e7 do print("") end',
  emitFlood: 'local s = ("x"):rep(1 << 20) for i = 1, 1e5 do events.emit("blob", s) end',
  emptyEmits: 'for i = 1, 1e7 do events.emit("blob") end',
  dagEmit: 'local t = {"leaf"} for i = 1, 31 do t = {t, t} end for i = 1, 1e3 do pcall(events.emit, "blob", t) end',
  dagHostCall: 'local t = {"leaf"} for i = 1, 31 do t = {k = t, v = t} end for i = 1, 1e3 do task.spawn(pcall, sink, t) end',
  hugeKeys: 'local k = ("k"):rep(8 << 20) for i = 1, 1e3 do pcall(events.emit, "blob", { [k] = 1 }) task.spawn(pcall, sink, { [k] = 1 }) end',
  bigArgs: 'local s = ("x"):rep(1 << 20) for i = 1, 1e4 do task.spawn(pcall, sink, s) end',
  manyCalls: 'for i = 1, 1e4 do task.spawn(pcall, sink, i) end',
  bigErrors: 'local s = ("e"):rep(1 << 20) for i = 1, 2000 do task.spawn(error, s) end',
  deepProto: 'local t = { x = 1 } for i = 1, 30 do t = { __proto__ = t, constructor = t } end events.emit("blob", t) sink(t)',
};

describe('A hostile mod beside a victim mod', () => {
  it('cannot take a step from the victim, crash the host or grow its heap without bound', async () => {
    const { rt, run, steps, prints, errors } = await start();
    let sunk = 0;
    let received = 0;
    rt.expose('sink', () => {
      sunk++;
    });
    rt.on('lua:blob', (v) => {
      received++;
      if (v && typeof v === 'object') expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    });
    run('setInterval(function() print("tick " .. time.frame()) end, 0)', 'victim.lua');
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    let step = 0;
    for (const [name, source] of Object.entries(ATTACKS)) {
      // Each attack runs from a timer in its own script, two steps in a row.
      run(`setTimeout(function() ${source} end, 0) setTimeout(function() ${source} end, 20)`, `attack_${name}.lua`);
      for (let i = 0; i < 3; i++) {
        await flush();
        steps(1);
        step++;
        expect(prints.filter((p) => p.startsWith('tick ')).at(-1)).toBe(`tick ${step}`);
        peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
      }
    }
    const ticks = prints.filter((p) => p.startsWith('tick '));
    expect(ticks).toEqual(Array.from({ length: step }, (_, i) => `tick ${i + 1}`));
    expect(errors.every((e) => e.chunk.startsWith('attack_') || e.owner.includes('attack_'))).toBe(true);
    expect(peak).toBeLessThan(512 * 1024 * 1024);
    expect(sunk).toBeGreaterThan(0);
    expect(received).toBeGreaterThan(0);
  }, 120_000);
});
