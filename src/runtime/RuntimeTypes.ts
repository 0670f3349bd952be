// The runtime's public option, statistics and snapshot types (see Runtime.ts).
import type { PlainValue } from '../vm/LuaVm';
import type { ScriptLoader } from '../scripts/ScriptLoader';
import type { AssetLoader, AssetManifest } from '../assets/AssetCatalog';
import type { RuntimeChunk } from './boot';

/** Options for {@link Runtime.create}. */
export interface RuntimeOptions {
  /** Fixed steps per second (positive integer). Default 60. */
  hz?: number;
  /** Most steps one `advance()` runs; the rest is dropped with a `lag` event. Default 5. */
  maxStepsPerAdvance?: number;
  /** Seed of `math.random` (deterministic per runtime). Default 1. */
  seed?: number;
  /**
   * Where `require`, `runScript` and `entities.spawn` look, in order. Default: under Node,
   * `./scripts-lua/` if that folder exists; in the browser, none (pass the bundled scripts).
   */
  scriptRoots?: ScriptLoader[];
  /** Lua heap cap in bytes. Default 64 MiB. */
  memoryLimitBytes?: number;
  /** Most host calls (exposed async functions) pending at once; more wait in order. Default 64. */
  maxPendingHostCalls?: number;
  /** Record a trace of every callback / resume (see {@link Runtime.trace}). Default false. */
  trace?: boolean;
  /** Location of wasmoon's `glue.wasm` (defaults: the package file in Node, the vite asset in a browser). */
  wasmLocation?: string;
  /**
   * VM instructions one callback (a timer callback, one resume of a task, one entity update,
   * one event handler run, the main chunk) may execute before it is stopped with a
   * {@link ScriptTimeoutError}. Default 10,000,000. `Infinity` turns the watchdog off.
   */
  instructionBudget?: number;
  /**
   * What happens to the owner of a callback the watchdog stopped: `'disable-entity'`
   * (default: an entity gets no more callbacks, a script's other work goes on),
   * `'disable-owner'` (scripts too) or `'continue'`. An `error` event is emitted in every case.
   */
  runawayPolicy?: RunawayPolicy;
  /**
   * Warn (`warning` events, once per behaviour and name) about likely mistakes: a behaviour
   * function named like a misspelled hook (`udpate`), a new entity field named like a
   * misspelled view field (`rotaton`), an input action that nothing binds or pressed, a `final`
   * hook that waits. Default true; turn it off in production builds if you like.
   */
  warnMistakes?: boolean;
  /** Extra Lua chunks (features built on the runtime, e.g. entities). */
  chunks?: readonly RuntimeChunk[];
  /** Assets scripts may load and use as sprites (name → URL or path). See {@link Runtime.assets}. */
  assets?: AssetManifest;
  /** Loads one asset (the pixi plugin installs pixi's `Assets`); headless default: size 0×0. */
  assetLoader?: AssetLoader;
  /**
   * Where `level.load(name)` finds levels: a map of name → level data (or JSON text), or a
   * function returning it (or a promise of it).
   */
  levels?: LevelSource;
}

/** See {@link RuntimeOptions.levels}. */
export type LevelSource = Record<string, unknown> | ((name: string) => unknown);

/** See {@link RuntimeOptions.runawayPolicy}. */
export type RunawayPolicy = 'disable-entity' | 'disable-owner' | 'continue';

/** Counters from {@link Runtime.stats}. */
export interface RuntimeStats {
  /** Registry slots held: timers, tasks, event connections, pending host calls, … */
  readonly liveSlots: number;
  /** Timers (timeouts and intervals) not yet fired or cleared. */
  readonly pendingTimers: number;
  /** Tasks suspended in a wait. */
  readonly waitingTasks: number;
  /** Bytes allocated by the Lua state. */
  readonly luaMemoryBytes: number;
  /** Steps run so far. */
  readonly frame: number;
  /** Host calls started and not yet settled (plus those queued behind the limit). */
  readonly pendingHostCalls: number;
  /** Live entities. */
  readonly entities: number;
}

/**
 * Host inputs of a run, per step (see {@link Runtime.record}). Each input is
 * `["event", name, payload[]]` or `["settle", callId, ok, value]`. Plain JSON data.
 */
export interface ReplayLog {
  readonly version: 1;
  readonly hz: number;
  readonly steps: ReadonlyArray<{ readonly step: number; readonly inputs: readonly unknown[] }>;
}

/** What {@link Runtime.inspect} returns. */
export interface InspectorSnapshot {
  readonly frame: number;
  readonly liveSlots: number;
  readonly luaMemoryBytes: number;
  /** Pending timers, in the order they will fire (an interval: its next occurrence). */
  readonly timers: ReadonlyArray<{ id: number; owner: string; dueStep: number; interval: boolean; site: string }>;
  /** Live tasks, in creation order. */
  readonly tasks: ReadonlyArray<{ id: number; owner: string; status: string; wakeStep: number; site: string }>;
  /** Live entities; `site` is where they were spawned (with {@link Runtime.recordCreationSites}). */
  readonly entities: ReadonlyArray<{ id: number; name: string; script: string; x: number; y: number; disabled: boolean; waiting: boolean; site: string }>;
}

/** What {@link Runtime.lastStepProfile} returns: milliseconds per phase of one step. */
export interface StepProfile {
  /** Host inputs: events from the host and settled promises. */
  readonly inputs: number;
  /** Timer callbacks (setTimeout, setInterval, task.delay starts). */
  readonly timers: number;
  /** Task resumes (task.wait and friends). */
  readonly tasks: number;
  /** Entity updates. */
  readonly updates: number;
  /** Deferred work. */
  readonly deferred: number;
  /** Packing the view state of changed entities for the host (while view sync is on). */
  readonly sync: number;
}

/** A function the host exposes to scripts; it may return a value or a promise of one. */
export type HostAsyncFunction = (...args: PlainValue[]) => unknown;
