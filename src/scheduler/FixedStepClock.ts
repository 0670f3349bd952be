/** What one {@link FixedStepClock.advance} call decided. */
export interface AdvanceResult {
  /** Whole steps to run now. */
  readonly steps: number;
  /** Steps that were due but dropped because of `maxStepsPerAdvance`. */
  readonly droppedSteps: number;
}

/**
 * Turns real elapsed time into whole fixed steps. It counts time in units of
 * 1/(1000·hz) ms so that feeding exactly one step's worth of milliseconds yields exactly one
 * step, whatever the rate, without floating-point drift. It knows nothing of frames or
 * `requestAnimationFrame`: the host feeds it.
 */
export class FixedStepClock {
  /** Length of one step in milliseconds. */
  readonly stepMs: number;
  private accumulatedUnits = 0;

  constructor(
    /** Steps per second (a positive integer). */
    readonly hz: number,
    /** Most steps one `advance` may run; the rest is dropped. */
    readonly maxStepsPerAdvance: number,
  ) {
    if (!Number.isInteger(hz) || hz <= 0 || hz > 10000) {
      throw new RangeError(`moonstep: hz must be a positive integer up to 10000 (got ${hz})`);
    }
    if (!Number.isInteger(maxStepsPerAdvance) || maxStepsPerAdvance < 1) {
      throw new RangeError(`moonstep: maxStepsPerAdvance must be a positive integer (got ${maxStepsPerAdvance})`);
    }
    this.stepMs = 1000 / hz;
  }

  /** Adds `realMs` of elapsed time and says how many steps are due. */
  advance(realMs: number): AdvanceResult {
    if (!Number.isFinite(realMs) || realMs <= 0) return { steps: 0, droppedSteps: 0 };
    this.accumulatedUnits += realMs * this.hz;
    // 1e-6 units of tolerance absorbs rounding in realMs * hz (e.g. (1000/60) * 60).
    let due = Math.floor(this.accumulatedUnits / 1000 + 1e-6);
    if (due <= 0) return { steps: 0, droppedSteps: 0 };
    this.accumulatedUnits = Math.max(0, this.accumulatedUnits - due * 1000);
    let droppedSteps = 0;
    if (due > this.maxStepsPerAdvance) {
      droppedSteps = due - this.maxStepsPerAdvance;
      due = this.maxStepsPerAdvance;
    }
    return { steps: due, droppedSteps };
  }

  /** Milliseconds accumulated toward the next step (0 ≤ x < stepMs). */
  get pendingMs(): number {
    return this.accumulatedUnits / this.hz;
  }

  /** Fraction of the next step already accumulated, for interpolation (0 ≤ x < 1). */
  get alpha(): number {
    return Math.min(1, this.accumulatedUnits / 1000);
  }

  /** Forgets accumulated time. */
  reset(): void {
    this.accumulatedUnits = 0;
  }
}
