import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

// pixi.js reads `navigator` when it loads; Node 20 has none. The Ticker needs no DOM.
(globalThis as { navigator?: unknown }).navigator ??= { userAgent: 'node' };
const { Ticker } = await import('pixi.js');
const { ScriptingController } = await import('../../src/pixi/ScriptingController');
type App = ConstructorParameters<typeof ScriptingController>[0];

describe('The pixi scripting controller', () => {
  it('feeds the runtime the Ticker\'s raw elapsed time: a long frame is not capped, ticker.speed is no second time scale', async () => {
    const { rt } = await start({ maxStepsPerAdvance: 100 });
    const lags: number[] = [];
    rt.on('lag', (lag) => lags.push(lag.droppedSteps));
    const ticker = new Ticker();
    ticker.autoStart = false;
    ticker.speed = 2; // pixi's deltaMS would be min(elapsed, 100 ms) × 2
    const controller = new ScriptingController({ ticker } as unknown as App, { runtime: rt });
    ticker.update(1000); // the first frame sets the Ticker's clock
    const before = rt.frame;
    ticker.update(1000 + 50); // 50 ms: 3 steps at 60 Hz
    expect(rt.frame - before).toBe(3);
    ticker.update(1050 + 500); // a 500 ms frame: 30 steps, not 6 (100 ms capped) nor 60 (× speed)
    expect(rt.frame - before).toBe(33);
    expect(lags).toEqual([]);
    controller.destroy();
    ticker.update(2000);
    expect(rt.frame - before).toBe(33);
  });

  it('reports the steps a long frame could not run as lag, in full', async () => {
    const { rt } = await start({ maxStepsPerAdvance: 5 });
    const lags: Array<{ droppedSteps: number }> = [];
    rt.on('lag', (lag) => lags.push(lag));
    const ticker = new Ticker();
    ticker.autoStart = false;
    new ScriptingController({ ticker } as unknown as App, { runtime: rt });
    ticker.update(0);
    ticker.update(1000); // one second: 60 steps due, 5 run
    expect(rt.frame).toBe(5);
    expect(lags.map((l) => l.droppedSteps)).toEqual([55]);
  });
});
