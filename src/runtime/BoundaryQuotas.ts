// Quotas on what scripts hand the host: bytes per step (per owner, and in total) of prints,
// emits to JS listeners and host-call arguments; how many host calls may be pending and how
// many bytes of arguments they may hold; how long one error report may be and how many bytes
// of error reports one step may queue. Every queue the host keeps for scripts is bounded by
// these numbers, whatever a script does.
import { DEFAULT_CONVERSION_LIMITS, type ConversionLimits } from '../vm/PlainData';
import type { RuntimeLimits } from './RuntimeTypes';

const MiB = 1024 * 1024;

/** The defaults of {@link RuntimeLimits}, and why each is what it is. */
export const DEFAULT_LIMITS: Required<RuntimeLimits> = {
  // A log line is ~100 bytes: 1 MiB is 10,000 lines per owner per step, far past any
  // readable log, and 64 MiB/s at 60 Hz, which no console keeps up with anyway.
  printBytesPerStep: 1 * MiB,
  // Events to JS carry game state (a HUD update, a save blob): 4 MiB per owner per step
  // lets a mod hand over a large save at once and still bounds a flood at 240 MiB/s.
  emitBytesPerStep: 4 * MiB,
  // Arguments of host calls (a URL, a request body): as emits.
  hostCallBytesPerStep: 4 * MiB,
  // Everything scripts hand the host in one step (prints, emits, host-call arguments,
  // error reports), all owners together: the bound on the host's outbox.
  hostBytesPerStep: 16 * MiB,
  // Host calls pending at once (running or waiting for a free place): a game's loads of one
  // level are dozens; 256 leaves room and bounds the queue.
  maxHostCalls: 256,
  // Of which one script or entity may hold a quarter, so one cannot starve the others.
  maxHostCallsPerOwner: 64,
  // Argument bytes held by pending host calls, all together.
  hostCallBytesPending: 16 * MiB,
  // One error report: its message and its traceback are cut to these many bytes with a
  // note saying how much was left out. A real message is a line; a real traceback, a page.
  errorMessageBytes: 8 * 1024,
  tracebackBytes: 16 * 1024,
  // Error reports queued in one step (after truncation): 1 MiB is ≥ 40 full reports; past it
  // reports are counted, not queued, and one warning says how many were dropped.
  errorBytesPerStep: 1 * MiB,
  // Of which one owner may fill a quarter, so one failing mod does not hide another's errors.
  errorBytesPerOwner: 256 * 1024,
  // One conversion between Lua and JS (see ConversionLimits).
  conversionNodes: DEFAULT_CONVERSION_LIMITS.maxNodes,
  conversionBytes: DEFAULT_CONVERSION_LIMITS.maxBytes,
};

/** Fixed cost charged per item handed to the host (a print, an emit, a host call, an error), so empty items are not free. */
export const ITEM_OVERHEAD_BYTES = 64;
/**
 * Bytes charged per converted value besides its string bytes: about what a value costs in the
 * JS heap, and what keeps conversion time per step bounded (a value takes a few µs to convert).
 */
export const NODE_BYTES = 64;

/** What is metered per owner: print, emit to JS, host-call arguments. */
export type QuotaChannel = 'print' | 'emit' | 'hostCall';

const LIMIT_OF: Record<QuotaChannel, 'printBytesPerStep' | 'emitBytesPerStep' | 'hostCallBytesPerStep'> = {
  print: 'printBytesPerStep',
  emit: 'emitBytesPerStep',
  hostCall: 'hostCallBytesPerStep',
};

/** A script went past one of its quotas (the message names the option that sets it). */
export class QuotaExceeded extends Error {}

/**
 * The per-step meters. A step (every entry into Lua, in fact: the outbox is emptied after
 * each) starts with {@link reset}. Each charge goes to the owner whose callback is running
 * (looked up in a few direct wasm calls) and to the step's total.
 */
export class BoundaryQuotas {
  readonly limits: Required<RuntimeLimits>;
  readonly conversion: ConversionLimits;
  private total = 0;
  private readonly byOwner: Record<QuotaChannel, Map<number, number>> = { print: new Map(), emit: new Map(), hostCall: new Map() };
  private errorBytes = 0;
  private readonly errorBytesByOwner = new Map<string, number>();
  private droppedErrors = 0;

  constructor(limits: RuntimeLimits = {}, private readonly currentOwner: (L: number) => number) {
    const merged = { ...DEFAULT_LIMITS };
    for (const [key, value] of Object.entries(limits) as Array<[keyof RuntimeLimits, number | undefined]>) {
      if (!(key in DEFAULT_LIMITS)) throw new RangeError(`moonstep: unknown limit '${key}' (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
      if (value === undefined) continue;
      if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`moonstep: limits.${key} must be a positive number (got ${String(value)})`);
      merged[key] = value;
    }
    this.limits = merged;
    this.conversion = { maxNodes: merged.conversionNodes, maxBytes: merged.conversionBytes };
  }

  /** Starts a new step: every per-step meter back to zero. */
  reset(): void {
    this.total = 0;
    this.errorBytes = 0;
    if (this.errorBytesByOwner.size > 0) this.errorBytesByOwner.clear();
    for (const channel of ['print', 'emit', 'hostCall'] as const) {
      if (this.byOwner[channel].size > 0) this.byOwner[channel].clear();
    }
  }

  /**
   * The most bytes one item of `channel` may have now for the owner running on `L`, given
   * what is left this step (a conversion's budget).
   */
  room(channel: QuotaChannel, L: number): number {
    const used = this.byOwner[channel].get(this.currentOwner(L)) ?? 0;
    return Math.max(0, Math.min(this.limits[LIMIT_OF[channel]] - used, this.limits.hostBytesPerStep - this.total) - ITEM_OVERHEAD_BYTES);
  }

  /**
   * Charges `bytes` to `channel` for the owner running on Lua thread `L`; throws
   * {@link QuotaExceeded} past a limit (nothing is charged then), unless `force` (work
   * already done, such as a refused conversion, is charged whatever is left).
   */
  charge(channel: QuotaChannel, bytes: number, L: number, force = false): void {
    const key = LIMIT_OF[channel];
    const limit = this.limits[key];
    const cost = bytes + ITEM_OVERHEAD_BYTES;
    const owner = this.currentOwner(L);
    const used = (this.byOwner[channel].get(owner) ?? 0) + cost;
    if (!force) {
      if (this.total + cost > this.limits.hostBytesPerStep) throw new QuotaExceeded(this.totalMessage());
      if (used > limit) throw new QuotaExceeded(this.ownerMessage(channel));
    }
    this.byOwner[channel].set(owner, used);
    this.total += cost;
  }

  /** What a value refused for lack of {@link room} is told: the limit that left no more room. */
  roomMessage(channel: QuotaChannel, L: number): string {
    const used = this.byOwner[channel].get(this.currentOwner(L)) ?? 0;
    return this.limits[LIMIT_OF[channel]] - used <= this.limits.hostBytesPerStep - this.total ? this.ownerMessage(channel) : this.totalMessage();
  }

  private ownerMessage(channel: QuotaChannel): string {
    const key = LIMIT_OF[channel];
    return `over ${this.limits[key]} bytes this step (limits.${key})`;
  }

  private totalMessage(): string {
    return `all scripts together handed the host over ${this.limits.hostBytesPerStep} bytes this step (limits.hostBytesPerStep)`;
  }

  /**
   * True if an error report (or a runtime warning) of `bytes` about `owner` (its label; ''
   * for the runtime's own) may be queued this step; otherwise it is counted as dropped.
   */
  admitError(bytes: number, owner: string): boolean {
    const cost = bytes + ITEM_OVERHEAD_BYTES;
    const ownerBytes = (this.errorBytesByOwner.get(owner) ?? 0) + cost;
    if (this.errorBytes + cost > this.limits.errorBytesPerStep || ownerBytes > this.limits.errorBytesPerOwner) {
      this.droppedErrors++;
      return false;
    }
    this.errorBytes += cost;
    this.errorBytesByOwner.set(owner, ownerBytes);
    return true;
  }

  /** Error reports dropped since the last call (and resets the count). */
  takeDroppedErrors(): number {
    const n = this.droppedErrors;
    this.droppedErrors = 0;
    return n;
  }
}
