import type { LuaRuntimeError } from '../vm/errors';
import type { PlainValue } from '../vm/LuaVm';

/** Payload of the `lag` event: time the runtime could not catch up with. */
export interface LagEvent {
  /** Steps that were due but not run. */
  readonly droppedSteps: number;
  /** Game milliseconds dropped. */
  readonly droppedMs: number;
}

/** One trace record: a callback or resume the scheduler ran. */
export interface TraceRecord {
  /** Step it ran in. */
  readonly step: number;
  /** `timer`, `resume`, `event`, `deferred`, `main`, `update`, … */
  readonly kind: string;
  /** Handle id (timer id, task id), 0 when none. */
  readonly id: number;
  /** Owner label, `-` when none. */
  readonly owner: string;
}

/**
 * Events a runtime emits (eventemitter3). They are dispatched after the Lua call that caused
 * them returns — never while Lua is mid-step — in the order they happened.
 * `lua:<name>` events carry the values a script passed to `events.emit(name, ...)`.
 */
export type RuntimeEvents = {
  /** A script callback failed. The runtime goes on. */
  error: [error: LuaRuntimeError];
  /** A script called `print`; the text is tab-separated like Lua's. */
  print: [text: string];
  /** Something worth knowing that is not an error (e.g. the deferred pass limit was hit). */
  warning: [message: string];
  /** `advance()` had more steps due than `maxStepsPerAdvance`; the rest was dropped. */
  lag: [lag: LagEvent];
  /** One step finished (after its events were dispatched). */
  step: [frame: number];
  /** A behaviour script was hot-reloaded into `count` live entities (see `reloadScript`). */
  reload: [chunkName: string, count: number];
  /** The runtime closed. */
  close: [];
  /** A script called `events.emit(name, ...)` (every name; `lua:<name>` hears one name). */
  luaEvent: [name: string, values: PlainValue[]];
} & {
  [name: `lua:${string}`]: PlainValue[];
};
