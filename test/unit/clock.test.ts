import { describe, expect, it } from 'vitest';
import { FixedStepClock, type LagEvent } from '../../src/index';
import { start } from '../helpers';

describe('The fixed-step clock', () => {
  it('accumulates real time into whole steps', () => {
    const clock = new FixedStepClock(60, 5);
    expect(clock.advance(8).steps).toBe(0);
    expect(clock.advance(8).steps).toBe(0);
    expect(clock.advance(8).steps).toBe(1);
    expect(clock.pendingMs).toBeCloseTo(24 - 1000 / 60, 9);
  });

  it('turns exactly one step of milliseconds into exactly one step, 10,000 times', () => {
    const clock = new FixedStepClock(60, 5);
    let steps = 0;
    for (let i = 0; i < 10_000; i++) steps += clock.advance(1000 / 60).steps;
    expect(steps).toBe(10_000);
  });

  it('runs 144 Hz display frames into 60 Hz steps without losing time', () => {
    const clock = new FixedStepClock(60, 5);
    let steps = 0;
    for (let i = 0; i < 144 * 100; i++) steps += clock.advance(1000 / 144).steps;
    expect(steps).toBe(6000);
  });

  it('caps the steps of one advance and reports the rest as dropped', () => {
    const clock = new FixedStepClock(60, 5);
    expect(clock.advance(1000)).toEqual({ steps: 5, droppedSteps: 55 });
    expect(clock.advance(1000 / 60)).toEqual({ steps: 1, droppedSteps: 0 });
  });

  it('rejects a non-integer rate', () => {
    expect(() => new FixedStepClock(59.94, 5)).toThrow(/hz must be a positive integer/);
    expect(() => new FixedStepClock(60, 0)).toThrow(/maxStepsPerAdvance/);
  });
});

describe('A runtime driven by advance()', () => {
  it('runs due steps and emits lag for dropped ones', async () => {
    const { rt } = await start({ maxStepsPerAdvance: 3 });
    const lags: LagEvent[] = [];
    rt.on('lag', (lag) => lags.push(lag));
    expect(rt.advance(1000 / 60)).toBe(1);
    expect(rt.advance(100)).toBe(3);
    expect(lags).toEqual([{ droppedSteps: 3, droppedMs: 50 }]);
    expect(rt.frame).toBe(4);
  });

  it('does nothing while paused, and does not replay paused time on resume', async () => {
    const { rt } = await start();
    rt.pause();
    expect(rt.paused).toBe(true);
    expect(rt.advance(1000)).toBe(0);
    rt.step(); // single-stepping works while paused
    expect(rt.frame).toBe(1);
    rt.resume();
    expect(rt.advance(1000 / 60)).toBe(1);
    expect(rt.frame).toBe(2);
  });

  it('scales the real time fed in by timeScale, never the step length', async () => {
    const { rt, run, prints } = await start({ maxStepsPerAdvance: 1000 });
    run('setInterval(function() print(time.frame(), time.dt()) end, 500)');
    rt.timeScale = 0.5;
    rt.advance(1000);
    expect(rt.frame).toBe(30);
    expect(prints).toEqual(['30\t0.016666666666667']);
    rt.timeScale = 2;
    rt.advance(500);
    expect(rt.frame).toBe(90);
  });

  it('never throws from advance() because of script errors', async () => {
    const { rt, run, errors } = await start();
    run('setInterval(function() error("every step") end, 1)');
    expect(() => rt.advance(100)).not.toThrow();
    expect(errors.length).toBe(5);
  });
});
