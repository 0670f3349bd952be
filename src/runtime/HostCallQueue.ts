import { ValueConversionError } from '../vm/errors';
import type { PlainValue } from '../vm/LuaVm';

/** A host function scripts call (see `Runtime.expose`); it may return a value or a promise of one. */
export type HostFunction = (...args: PlainValue[]) => unknown;

/**
 * The host calls scripts have started: at most `maxPending` run at once, the rest wait in
 * call order. Each call starts on a microtask (never while Lua is mid-step) and its outcome
 * goes to `settled(callId, ok, valueOrMessage)` in settlement order; a result that is not
 * plain data becomes a failure naming the function.
 */
export class HostCallQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly maxPending: number,
    private readonly settled: (callId: number, ok: boolean, value: unknown) => void,
  ) {}

  /** Calls started and not settled, plus those waiting for a free place. */
  get pending(): number {
    return this.running + this.waiting.length;
  }

  /** Starts (or queues) call `callId` of host function `name` (undefined: not exposed). */
  start(callId: number, name: string, fn: HostFunction | undefined, args: PlainValue[]): void {
    const run = () => {
      this.running++;
      Promise.resolve()
        .then(() => {
          if (!fn) throw new Error(`host function '${name}' is not exposed`);
          return fn(...args);
        })
        .then(
          (value) => this.finish(callId, name, true, value),
          (error: unknown) => this.finish(callId, name, false, error instanceof Error ? error.message : String(error)),
        );
    };
    if (this.running < this.maxPending) run();
    else this.waiting.push(run);
  }

  /** Drops the waiting calls; outcomes of running ones are ignored from now on. */
  clear(): void {
    this.closed = true;
    this.waiting.length = 0;
  }

  private finish(callId: number, name: string, ok: boolean, value: unknown): void {
    if (this.closed) return;
    this.running--;
    if (ok) {
      try {
        assertPlain(value, `result of host function '${name}'`);
        this.settled(callId, true, value);
      } catch (error) {
        this.settled(callId, false, (error as Error).message);
      }
    } else {
      this.settled(callId, false, value);
    }
    this.waiting.shift()?.();
  }
}

/** Throws {@link ValueConversionError} unless `value` is plain data (see `LuaVm.pushValue`). */
export function assertPlain(value: unknown, what: string, depth = 0, seen = new Set<object>()): void {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'string':
      return;
    case 'object': {
      if (value === null) return;
      if (depth > 32) throw new ValueConversionError(`moonstep: ${what} is nested too deeply`);
      if (seen.has(value)) throw new ValueConversionError(`moonstep: ${what} contains a cycle`);
      const proto = Object.getPrototypeOf(value);
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        throw new ValueConversionError(
          `moonstep: ${what} must be plain data (got a ${value.constructor?.name ?? 'object'})`,
        );
      }
      seen.add(value);
      for (const item of Object.values(value)) assertPlain(item, what, depth + 1, seen);
      seen.delete(value);
      return;
    }
    default:
      throw new ValueConversionError(`moonstep: ${what} must be plain data (got a ${typeof value})`);
  }
}
