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
   * VM instructions all script code may run in one step; each mod gets an equal share of it
   * unless its {@link ModOptions.stepInstructionBudget} says otherwise. A mod past its share has
   * the running callback stopped (and the rest of its work in that step stopped at its first
   * watchdog tick). Default 5 × `instructionBudget`.
   */
  stepInstructionBudget?: number;
  /**
   * Mods: named sets of scripts, each a unit of trust (its own modules and behaviours, its own
   * share of each step, its own runaway policy). The game's own scripts (`scriptRoots`) are
   * the mod `"game"`. See docs/reliability.md, "The trust model".
   */
  mods?: readonly ModOptions[];
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
  /**
   * Quotas on what scripts hand the host (prints, emits to JS, host calls, error reports)
   * and on each conversion between Lua and JS. Each field defaults as documented in
   * {@link RuntimeLimits}; past a quota the script gets a Lua error at its line.
   */
  limits?: RuntimeLimits;
}

/**
 * Quotas on data crossing from scripts to the host. "Per step" means per entry into Lua (a
 * step, a `runSource`, …): the host's outbox is emptied after each. "Per owner" is per script
 * or entity whose callback is running. Past a per-step quota the call that went over (a
 * `print`, an `events.emit`, a host function call) raises a Lua error at the script's line,
 * catchable with `pcall`; nothing is queued. Sizes count UTF-8 string bytes, 64 bytes per
 * value converted (a refused conversion is charged for the values it read) and 64 per item.
 */
export interface RuntimeLimits {
  /** Bytes of `print` output per owner per step. Default 1 MiB. */
  printBytesPerStep?: number;
  /** Bytes of `events.emit` payloads delivered to JS listeners, per owner per step. Default 4 MiB. */
  emitBytesPerStep?: number;
  /** Bytes of host-function arguments per owner per step. Default 4 MiB. */
  hostCallBytesPerStep?: number;
  /** Bytes of prints, emits to JS and host-call arguments of all owners together, per step. Default 16 MiB. */
  hostBytesPerStep?: number;
  /** Host calls pending at once (running, or waiting behind `maxPendingHostCalls`). Default 256. */
  maxHostCalls?: number;
  /** Host calls one owner (script or entity) may have pending at once. Default 64. */
  maxHostCallsPerOwner?: number;
  /** Argument bytes held by all pending host calls together. Default 16 MiB. */
  hostCallBytesPending?: number;
  /** An error report's message is cut to this many bytes, with a note. Default 8 KiB. */
  errorMessageBytes?: number;
  /** An error report's traceback is cut to this many bytes, with a note. Default 16 KiB. */
  tracebackBytes?: number;
  /** Bytes of error reports (and runtime warnings) queued per step; past it they are counted, dropped, and one warning says how many. Default 1 MiB. */
  errorBytesPerStep?: number;
  /** Of those, bytes of error reports about one owner (script or entity) per step. Default 256 KiB. */
  errorBytesPerOwner?: number;
  /** Values one conversion between Lua and JS may hold, counted per use (a shared subtable once per parent). Default 100,000. */
  conversionNodes?: number;
  /** String bytes one conversion between Lua and JS may hold. Default 16 MiB. */
  conversionBytes?: number;
}

/** See {@link RuntimeOptions.levels}. */
export type LevelSource = Record<string, unknown> | ((name: string) => unknown);

/**
 * See {@link RuntimeOptions.runawayPolicy}. `'disable-mod'` disables every owner of the mod
 * whose code ran away, and everything that mod makes afterwards.
 */
export type RunawayPolicy = 'disable-entity' | 'disable-owner' | 'disable-mod' | 'continue';

/** One mod: see {@link RuntimeOptions.mods}. */
export interface ModOptions {
  /** The mod's name: letters, digits, `_` and `-` (not `"game"`, the game's own scripts). */
  name: string;
  /** Where the mod's `require`, `runScript` and `entities.spawn` look first (then the game's roots). */
  scripts: ScriptLoader[];
  /** VM instructions the mod's code may run per step. Default: an equal share of `stepInstructionBudget`. */
  stepInstructionBudget?: number;
  /** The runaway policy for this mod's owners. Default `'disable-mod'` (the runtime's policy for the game). */
  runawayPolicy?: RunawayPolicy;
}

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
