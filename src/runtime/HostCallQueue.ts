import { ConversionBudget, copyPlain, describeHostError, type ConversionLimits, type PlainValue } from '../vm/PlainData';
import type { BoundaryQuotas } from './BoundaryQuotas';

/** A host function scripts call (see `Runtime.expose`); it may return a value or a promise of one. */
export type HostFunction = (...args: PlainValue[]) => unknown;

/**
 * The host calls scripts have started: at most `maxRunning` run at once, the rest wait in
 * call order. Each call starts on a microtask (never while Lua is mid-step) and its outcome
 * goes to `settled(callId, ok, valueOrMessage)` in settlement order. A result is copied as
 * plain data (one read, within the conversion limits); one that is not plain data becomes a
 * failure naming the function. A rejection's message is read without running host code that
 * could throw again (a hostile `toString`, a getter, a Proxy), so no outcome escapes as an
 * unhandled rejection.
 */
export class HostCallQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private bytesHeld = 0;
  private readonly pendingByOwner = new Map<number, number>();

  constructor(
    private readonly maxRunning: number,
    private readonly quotas: BoundaryQuotas,
    private readonly settled: (callId: number, ok: boolean, value: unknown) => void,
  ) {}

  /** Calls started and not settled, plus those waiting for a free place. */
  get pending(): number {
    return this.running + this.waiting.length;
  }

  /** Calls pending for `owner` (the identity the runtime gave {@link start}). */
  pendingFor(owner: number): number {
    return this.pendingByOwner.get(owner) ?? 0;
  }

  /** Argument bytes held by pending calls (as charged by the runtime's quotas). */
  get pendingBytes(): number {
    return this.bytesHeld;
  }

  /**
   * Starts (or queues) call `callId` of host function `name` (undefined: not exposed) for
   * `owner` with `args`, which weigh `bytes` until the call settles; its result is copied
   * within `resultLimits`.
   */
  start(callId: number, name: string, fn: HostFunction | undefined, args: PlainValue[], owner: number, bytes: number, resultLimits: ConversionLimits): void {
    this.bytesHeld += bytes;
    this.pendingByOwner.set(owner, this.pendingFor(owner) + 1);
    const call = { callId, name, owner, bytes, resultLimits };
    const run = () => {
      this.running++;
      Promise.resolve()
        .then(() => {
          if (!fn) throw new Error(`host function '${name}' is not exposed`);
          return fn(...args);
        })
        .then(
          (value) => this.finish(call, true, value),
          (error: unknown) => this.finish(call, false, error),
        )
        .catch(() => {
          // finish() contains what it reads; this only keeps a bug there from becoming an unhandled rejection.
        });
    };
    if (this.running < this.maxRunning) run();
    else this.waiting.push(run);
  }

  /** Drops the waiting calls; outcomes of running ones are ignored from now on. */
  clear(): void {
    this.closed = true;
    this.waiting.length = 0;
  }

  private finish(
    { callId, name, owner, bytes, resultLimits }: { callId: number; name: string; owner: number; bytes: number; resultLimits: ConversionLimits },
    ok: boolean,
    value: unknown,
  ): void {
    if (this.closed) return;
    this.running--;
    this.bytesHeld -= bytes;
    const left = this.pendingFor(owner) - 1;
    if (left > 0) this.pendingByOwner.set(owner, left);
    else this.pendingByOwner.delete(owner);
    const { errorMessageBytes } = this.quotas.limits;
    if (ok) {
      let copy: PlainValue | undefined;
      let failure: string | undefined;
      try {
        const what = `result of host function '${name}'`;
        copy = copyPlain(value, what, new ConversionBudget(resultLimits, what));
      } catch (error) {
        failure = describeHostError(error, errorMessageBytes);
      }
      if (failure === undefined) this.settled(callId, true, copy);
      else this.settled(callId, false, failure);
    } else {
      this.settled(callId, false, describeHostError(value, errorMessageBytes));
    }
    this.waiting.shift()?.();
  }
}
