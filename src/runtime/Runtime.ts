import { EventEmitter } from 'eventemitter3';
import { HostFunctionError, LuaVm, type PlainValue } from '../vm/LuaVm';
import { ConversionBudget, UNLIMITED_CONVERSION, copyPlain, describeHostError, truncateText } from '../vm/PlainData';
import { BoundaryQuotas, NODE_BYTES, QuotaExceeded, type QuotaChannel } from './BoundaryQuotas';
import {
  LuaRuntimeError,
  LuaSyntaxError,
  MoonstepError,
  ScriptMemoryError,
  ScriptNotFoundError,
  ScriptTimeoutError,
  ValueConversionError,
  LevelError,
  parseLuaLocation,
  type ScriptErrorSource,
} from '../vm/errors';
import { FixedStepClock } from '../scheduler/FixedStepClock';
import { isValidModuleName, type ScriptLoader, type ScriptSource } from '../scripts/ScriptLoader';
import type { RuntimeEvents, TraceRecord } from '../events/RuntimeEvents';
import { bootRuntime, type HostFunctions } from './boot';
import { TraceDigest } from './TraceDigest';
import { defaultScriptRoots } from '#moonstep/default-roots';
import { HostCallQueue } from './HostCallQueue';
import { AssetCatalog } from '../assets/AssetCatalog';
import { InputState, type InputSnapshot } from '../input/InputState';
import { parseLevel, type LevelEntity, type SpawnItem } from '../entities/LevelFile';
import { ViewMirror, type ViewChanges } from '../entities/ViewMirror';
import type { RuntimeOptions, LevelSource, RunawayPolicy, RuntimeStats, ReplayLog, InspectorSnapshot, StepProfile, HostAsyncFunction, ModOptions } from './RuntimeTypes';
export type { RuntimeOptions, RuntimeLimits, LevelSource, RunawayPolicy, RuntimeStats, ReplayLog, InspectorSnapshot, StepProfile, HostAsyncFunction, ModOptions } from './RuntimeTypes';


type Outgoing = { [K in keyof RuntimeEvents]: [K, RuntimeEvents[K]] }[keyof RuntimeEvents];
type HostInput =
  | ['event', string, PlainValue[]]
  | ['settle', number, boolean, unknown]
  | ['input', InputSnapshot];

const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;
const DEFAULT_INSTRUCTION_BUDGET = 10_000_000;

/**
 * A sandboxed Lua runtime driven by a fixed-step clock. Create one with
 * {@link Runtime.create}, run scripts with {@link runScript} / {@link runSource}, and drive it
 * with {@link advance} (real time, e.g. from a render loop) or {@link step} (exactly one step).
 *
 * Nothing in here reads the wall clock or uses the host's timers: game time is the number
 * of steps run. Script errors are emitted as `error` events and never thrown out of a step.
 */
export class Runtime {
  /** The fixed-step clock that turns real time into steps. */
  readonly clock: FixedStepClock;
  /** Scales the real time given to `advance()` (never the step size). */
  timeScale = 1;
  /** Trace records, when tracing is on (oldest first). Clear it with `trace.length = 0`. */
  readonly trace: TraceRecord[] = [];
  /** Actions scripts read with `input.down/pressed/released` (snapshot taken at each step start). */
  readonly input = new InputState();
  /** The asset manifest scripts may use (`assets.load`, `self.sprite`). */
  readonly assets: AssetCatalog;

  private readonly bus = new EventEmitter<RuntimeEvents>();
  private readonly vm: LuaVm;
  private readonly entries: Record<string, number>;
  private readonly roots: ScriptLoader[];
  private readonly modRoots = new Map<string, ScriptLoader[]>();
  private readonly hostFunctions = new Map<string, HostAsyncFunction>();
  private readonly outbox: Outgoing[] = [];
  private outboxHead = 0;
  private readonly inputs: HostInput[] = [];
  private readonly hostCalls: HostCallQueue;
  private readonly quotas: BoundaryQuotas;
  private ctxRef = 0;
  private nextCallId = 0;
  private isPaused = false;
  private inLua = false;
  private tracing: boolean;
  private frameCount = 0;
  private recording?: Array<{ step: number; inputs: HostInput[] }>;
  private replaying?: Map<number, HostInput[]>;
  private profiling = false;
  private readonly levels?: LevelSource;
  private readonly levelLoader: HostAsyncFunction = (name) => this.levelForScript(String(name));
  private mirror?: ViewMirror;
  private errorCount = 0;

  private constructor(vm: LuaVm, options: RuntimeOptions) {
    this.vm = vm;
    this.clock = new FixedStepClock(options.hz ?? 60, options.maxStepsPerAdvance ?? 5);
    this.roots = [...(options.scriptRoots ?? defaultScriptRoots())];
    this.quotas = new BoundaryQuotas(options.limits, (L) => this.currentOwner(L));
    this.hostCalls = new HostCallQueue(options.maxPendingHostCalls ?? 64, this.quotas, (callId, ok, value) => {
      if (!this.vm.isClosed) this.inputs.push(['settle', callId, ok, value]);
    });
    this.tracing = options.trace ?? false;
    this.entries = bootRuntime(vm, this.hostFunctionTable(), options.chunks ?? []);
    vm.pushRef(this.entries.rt!);
    vm.lua.lua_getfield(vm.L, -1, 'ctx');
    this.ctxRef = vm.ref();
    vm.setTop(0);
    this.assets = new AssetCatalog((names) => {
      this.callEntry('set_assets', () => {
        vm.pushValue(names);
        return 1;
      });
    });
    if (options.assetLoader) this.assets.setLoader(options.assetLoader);
    if (options.assets) this.assets.register(options.assets);
    this.levels = options.levels;
    // Internal host functions behind assets.load and level.load (not globals).
    this.hostFunctions.set('__assets_load', (name) => this.assets.load(String(name)));
    this.hostFunctions.set('__level_load', this.levelLoader);
    this.callEntry('configure', () => {
      vm.lua.lua_pushinteger(vm.L, BigInt(this.clock.hz));
      return 1;
    });
    const seed = options.seed ?? 1;
    this.callEntry('seed', () => {
      vm.lua.lua_pushnumber(vm.L, seed);
      return 1;
    });
    if (this.tracing) this.setTracing(true);
    this.defineMods(options);
    this.configureHints(options);
  }

  /** Registers the mods and installs the watchdog (see docs/reliability.md, "The trust model"). */
  private defineMods(options: RuntimeOptions): void {
    const budget = options.instructionBudget ?? DEFAULT_INSTRUCTION_BUDGET;
    if (!(budget > 0)) throw new RangeError(`moonstep: instructionBudget must be positive (got ${budget})`);
    const stepBudget = options.stepInstructionBudget ?? budget * 5;
    if (!(stepBudget > 0)) throw new RangeError(`moonstep: stepInstructionBudget must be positive (got ${stepBudget})`);
    const mods = options.mods ?? [];
    const share = stepBudget / (mods.length + 1);
    const define = (name: string, modBudget: number, policy: string) =>
      this.callEntry('define_mod', () => {
        this.vm.pushString(name);
        this.vm.lua.lua_pushnumber(this.vm.L, modBudget);
        this.vm.pushString(policy);
        return 3;
      });
    define('game', share, '');
    for (const mod of mods) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(mod.name) || mod.name === 'game' || this.modRoots.has(mod.name)) {
        throw new RangeError(`moonstep: bad or duplicate mod name ${JSON.stringify(mod.name)} (letters, digits, '_' and '-'; not "game")`);
      }
      this.modRoots.set(mod.name, [...mod.scripts]);
      define(mod.name, mod.stepInstructionBudget ?? share, mod.runawayPolicy ?? 'disable-mod');
    }
    this.installWatchdog(budget, stepBudget, options.runawayPolicy ?? 'disable-entity');
  }

  private configureHints(options: RuntimeOptions): void {
    const { vm } = this;
    if (options.warnMistakes === false) {
      this.callEntry('set_warn_mistakes', () => {
        vm.lua.lua_pushboolean(vm.L, 0);
        return 1;
      });
    }
  }

  /**
   * The watchdog: a count hook on every thread calls the Lua `watch_tick(n)`, charging in
   * advance the n instructions the thread may run until its next tick. A new thread's period
   * starts at `first` (charged when the thread is made) and doubles at each tick up to
   * `longest`, so short-lived coroutines are paid for too. While the hook is set Lua checks it at
   * every instruction: script code runs about 2x slower (`watchdog.cost` in `npm run bench`).
   */
  private installWatchdog(budget: number, stepBudget: number, policy: RunawayPolicy): void {
    if (budget === Infinity) return;
    const { vm } = this;
    const longest = Math.max(1000, Math.min(100_000, Math.floor(budget / 20)));
    const first = Math.min(256, longest);
    this.callEntry('set_budget', () => {
      vm.lua.lua_pushnumber(vm.L, budget);
      vm.lua.lua_pushnumber(vm.L, first);
      vm.pushString(policy);
      vm.lua.lua_pushnumber(vm.L, stepBudget);
      return 4;
    });
    vm.pushRef(this.entries.rt!);
    vm.lua.lua_getfield(vm.L, -1, 'watch_tick');
    const tickRef = vm.ref();
    vm.setTop(0);
    vm.setCountHook(first, longest, (L, charge) => {
      vm.pushRef(tickRef, L);
      vm.pushNumber(charge, L);
      // Unprotected: an over-budget tick raises a Lua error right where the script is.
      vm.lua.lua_callk(L, 1, 0, 0, null);
    });
  }

  /** Creates a runtime with its own Lua state. */
  static async create(options: RuntimeOptions = {}): Promise<Runtime> {
    const vm = await LuaVm.create({
      wasmLocation: options.wasmLocation,
      memoryLimitBytes: options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT,
    });
    try {
      return new Runtime(vm, options);
    } catch (error) {
      vm.close();
      throw error;
    }
  }

  // ---------------------------------------------------------------- time

  /**
   * Feeds `realMs` of real elapsed time (scaled by {@link timeScale}) and runs the whole
   * steps that became due, at most `maxStepsPerAdvance`; the rest is dropped and reported
   * with a `lag` event. Returns the number of steps run. A no-op when paused or closed.
   */
  advance(realMs: number): number {
    if (this.vm.isClosed || this.isPaused) return 0;
    this.assertNotInLua('advance');
    const { steps, droppedSteps } = this.clock.advance(realMs * this.timeScale);
    for (let i = 0; i < steps && !this.vm.isClosed; i++) this.runStep();
    if (droppedSteps > 0 && !this.vm.isClosed) {
      this.bus.emit('lag', { droppedSteps, droppedMs: droppedSteps * this.clock.stepMs });
    }
    return steps;
  }

  /** Runs exactly one step (also while paused). Throws only if the runtime is closed. */
  step(): void {
    this.vm.assertOpen('step');
    this.assertNotInLua('step');
    this.runStep();
  }

  /** Stops `advance()` from running steps until {@link resume}. */
  pause(): void {
    this.isPaused = true;
  }

  /** Lets `advance()` run steps again; time that passed while paused is not replayed. */
  resume(): void {
    this.isPaused = false;
    this.clock.reset();
  }

  /** True while paused. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** Steps run so far (`time.frame()` in Lua). */
  get frame(): number {
    return this.frameCount;
  }

  /** Game time in seconds (`time.now()` in Lua). */
  get timeSeconds(): number {
    return this.frameCount / this.clock.hz;
  }

  /** Number of script errors emitted so far. */
  get errors(): number {
    return this.errorCount;
  }

  // ---------------------------------------------------------------- scripts

  /** Adds a script root searched by `require` and `runScript` (after the existing ones). */
  addScriptRoot(loader: ScriptLoader): void {
    this.roots.push(loader);
  }

  /**
   * Finds a module: in mod `mod`'s scripts first (when given and not `"game"`), then in the
   * game's script roots.
   */
  resolveScript(moduleName: string, mod = 'game'): ScriptSource | undefined {
    const own = mod === 'game' ? [] : this.modRoots.get(mod);
    if (!own) throw new RangeError(`moonstep: unknown mod ${JSON.stringify(mod)}`);
    for (const root of [...own, ...this.roots]) {
      const found = root.read(moduleName);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Runs a module from the script roots as a main chunk (in a task owned by a new script
   * owner, so it may wait). Throws {@link ScriptNotFoundError} or {@link LuaSyntaxError};
   * errors while it runs are emitted as `error` events. With `options.mod`, the script
   * belongs to that mod (default: the game).
   */
  runScript(moduleName: string, options: { mod?: string } = {}): void {
    this.vm.assertOpen('runScript');
    const found = this.resolveScript(moduleName, options.mod);
    if (!found) throw new ScriptNotFoundError(moduleName, this.roots.map((r) => r.describe()));
    this.runSource(found.source, found.chunkName, options);
  }

  /** Runs Lua source text as a main chunk named `chunkName` (see {@link runScript}). */
  runSource(source: string, chunkName = 'main.lua', options: { mod?: string } = {}): void {
    this.vm.assertOpen('runSource');
    this.assertNotInLua('runSource');
    const { vm } = this;
    const mod = options.mod ?? 'game';
    if (mod !== 'game' && !this.modRoots.has(mod)) throw new RangeError(`moonstep: unknown mod ${JSON.stringify(mod)}`);
    let syntaxError: string | undefined;
    this.callEntry(
      'run_main',
      () => {
        vm.pushString(source);
        vm.pushString(chunkName);
        vm.pushString(mod);
        return 3;
      },
      2,
      () => {
        if (!vm.lua.lua_toboolean(vm.L, -2)) syntaxError = vm.toStringAt(-1);
      },
    );
    if (syntaxError !== undefined) {
      const where = parseLuaLocation(syntaxError);
      throw new LuaSyntaxError(syntaxError, where.chunk, where.line);
    }
  }

  // ---------------------------------------------------------------- host bridge

  /**
   * Exposes a host function to scripts as a global. Called from a task, it suspends the
   * task until the returned promise settles; the values (or a Lua error with the rejection
   * message) arrive at the start of a later step.
   */
  expose(name: string, fn: HostAsyncFunction): void {
    this.vm.assertOpen('expose');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`moonstep: invalid host function name '${name}'`);
    this.hostFunctions.set(name, fn);
    const { vm } = this;
    this.callEntry('expose', () => {
      vm.pushString(name);
      return 1;
    });
  }

  /**
   * Sends an event to scripts: Lua handlers subscribed with `events.on(name, ...)` run at the
   * start of the next step, in arrival order. The payload must be plain data (numbers,
   * strings, booleans, arrays, plain objects); anything else throws {@link ValueConversionError}.
   */
  emit(name: string, ...payload: unknown[]): void {
    this.vm.assertOpen('emit');
    if (this.replaying) throw new MoonstepError('moonstep: the runtime is replaying a log; host inputs come from the log');
    if (typeof name !== 'string' || name === '') throw new TypeError('moonstep: event name must be a non-empty string');
    const copy = copyPlain(payload, `payload of event '${name}'`, new ConversionBudget(this.quotas.conversion, `payload of event '${name}'`)) as PlainValue[];
    this.inputs.push(['event', name, copy]);
  }

  /** Listens to a runtime event (`error`, `print`, `lag`, …, or `lua:<name>` from scripts). */
  on<E extends keyof RuntimeEvents>(event: E, listener: (...args: RuntimeEvents[E]) => void): this {
    this.bus.on(event, listener as never);
    return this;
  }

  /** Like {@link on}, for one call. */
  once<E extends keyof RuntimeEvents>(event: E, listener: (...args: RuntimeEvents[E]) => void): this {
    this.bus.once(event, listener as never);
    return this;
  }

  /** Removes a listener added with {@link on} or {@link once}. */
  off<E extends keyof RuntimeEvents>(event: E, listener: (...args: RuntimeEvents[E]) => void): this {
    this.bus.off(event, listener as never);
    return this;
  }

  /** Number of listeners for an event. */
  listenerCount(event: keyof RuntimeEvents): number {
    return this.bus.listenerCount(event);
  }

  // ---------------------------------------------------------------- entities

  /**
   * Spawns the entities of a level (JSON text or parsed data: `{ "entities": [...] }`) in
   * file order; each entity's `init` runs now. The whole level is checked first: a missing
   * script or a malformed field throws {@link LevelError} naming the entity and the field,
   * and nothing spawns. Returns the entity ids. `name` follows the rule of module names, as
   * in `level.load` (letters, digits, `_`, `-`, dot-separated parts): else a `LevelError`.
   */
  loadLevel(data: unknown, name = 'level'): number[] {
    if (typeof name !== 'string' || !isValidModuleName(name)) {
      throw new LevelError(`invalid level name ${JSON.stringify(String(name).slice(0, 200))} (letters, digits, '_' and '-' in parts separated by dots)`, String(name), -1);
    }
    return this.spawnLevel(data, name);
  }

  /** Spawns one entity running behaviour `script` (fields as in a level file). Returns its id. */
  spawn(script: string, entity: Omit<LevelEntity, 'script'> = {}): number {
    return this.spawnLevel({ entities: [{ ...entity, script }] }, `spawn '${script}'`)[0]!;
  }

  private spawnLevel(data: unknown, label: string): number[] {
    this.vm.assertOpen('loadLevel');
    this.assertNotInLua('loadLevel');
    return this.spawnItems(this.levelItems(data, label), label);
  }

  /** Destroys entity `id` (cancels its work, runs `final`). False if it was not live. */
  destroyEntity(id: number): boolean {
    const { vm } = this;
    let result = false;
    this.callEntry('destroy_entity', () => {
      vm.lua.lua_pushinteger(vm.L, BigInt(id));
      return 1;
    }, 1, () => {
      result = vm.lua.lua_toboolean(vm.L, -1) !== 0;
    });
    return result;
  }

  /**
   * Hot-reloads script `name` from `source`. A behaviour: live entities running it keep their
   * `self`, their timers, tasks and connections are cancelled, then `on_reload(self)` runs
   * (or `init(self, props)` again). A module behaviours `require`: it is loaded afresh and
   * every behaviour that required it (directly or not) is reloaded that way; update your
   * script root with the new source first, as the vite client does. Returns the number of
   * entities reloaded (0 for a script nothing uses), or -1 if the new source failed to compile
   * or load: the error is emitted as an `error` event and the old version keeps running.
   */
  reloadScript(name: string, source: string, chunkName = `${name.replace(/\./g, '/')}.lua`): number {
    this.vm.assertOpen('reloadScript');
    this.assertNotInLua('reloadScript');
    const { vm } = this;
    let count = 0;
    this.callEntry('reload_behaviour', () => {
      vm.pushString(name);
      vm.pushString(source);
      vm.pushString(chunkName);
      return 3;
    }, 2, () => {
      if (vm.lua.lua_type(vm.L, -2) === 0) {
        count = -1;
        this.queueError('reload', `script:${chunkName}`, vm.toStringAt(-1) ?? 'reload failed', '');
      } else {
        count = Number(vm.readValue(-2));
        this.outbox.push(['reload', [chunkName, count]]);
      }
    });
    return count;
  }

  /**
   * Turns on view sync: from now on the view state of changed entities is collected each step
   * and {@link syncViews} applies it to the returned mirror (the pixi view reads it).
   */
  enableViewSync(): ViewMirror {
    if (!this.mirror) {
      this.mirror = new ViewMirror((i) => this.assets.nameAt(i - 1));
      const { vm } = this;
      this.callEntry('set_view_sync', () => {
        vm.lua.lua_pushboolean(vm.L, 1);
        return 1;
      });
    }
    return this.mirror;
  }

  /** The view mirror, while view sync is on. */
  get views(): ViewMirror | undefined {
    return this.mirror;
  }

  /** Moves the view changes of the steps run since the last call into the mirror (one transfer). */
  syncViews(): ViewChanges {
    const mirror = this.enableViewSync();
    const { vm } = this;
    let bytes: Uint8Array = new Uint8Array(0);
    this.callEntry('take_view', () => 0, 1, () => {
      bytes = vm.toBytesAt(-1);
    });
    return mirror.apply(bytes);
  }

  private levelItems(data: unknown, name: string): SpawnItem[] {
    return parseLevel(data, name, {
      scriptExists: (script) => this.resolveScript(script) !== undefined,
      assetExists: (asset) => this.assets.has(asset),
    });
  }

  /**
   * Level `name` for a script's `level.load`: the name is checked (module-name rule) before
   * the loader sees it, and what the script is told on failure never quotes host data it did
   * not supply: a loader failure, or a file that is not a level, is described to the script
   * in general words and to the host in full (a `warning` event).
   */
  private async levelForScript(name: string): Promise<SpawnItem[]> {
    if (!isValidModuleName(name)) throw new LevelError(`invalid level name '${name.slice(0, 200)}'`, name, -1);
    let data: unknown;
    try {
      data = await this.fetchLevel(name);
    } catch (error) {
      if (error instanceof LevelError) throw error;
      this.queueWarning(`moonstep: the level loader failed for level '${name}': ${describeHostError(error, this.quotas.limits.errorMessageBytes)}`);
      throw new LevelError(`level '${name}' could not be loaded (the game's level loader failed)`, name, -1);
    }
    try {
      return this.levelItems(data, name);
    } catch (error) {
      if (!(error instanceof LevelError) || error.scriptMessage === error.message) throw error;
      this.queueWarning(`moonstep: ${truncateText(error.message, this.quotas.limits.errorMessageBytes)}`);
      throw new LevelError(error.scriptMessage, name, error.entityIndex, error.field);
    }
  }

  private async fetchLevel(name: string): Promise<unknown> {
    const source = this.levels;
    let data: unknown;
    if (typeof source === 'function') data = await source(name);
    else if (source && Object.prototype.hasOwnProperty.call(source, name)) data = source[name];
    if (data === undefined) throw new LevelError(`level '${name}' not found`, name, -1);
    return data;
  }

  private spawnItems(items: SpawnItem[], name: string): number[] {
    const { vm } = this;
    let ids: number[] = [];
    let failure: string | undefined;
    this.callEntry('spawn_level', () => {
      vm.pushValue(items as unknown as PlainValue, vm.L, new ConversionBudget(UNLIMITED_CONVERSION)); // built by parseLevel
      return 1;
    }, 2, () => {
      if (vm.lua.lua_toboolean(vm.L, -2) === 0) failure = vm.toStringAt(-1) ?? 'spawn failed';
      else ids = vm.readValue(-2, vm.L, new ConversionBudget(UNLIMITED_CONVERSION)) as number[]; // one id per entity
    });
    if (failure !== undefined) throw new LevelError(`level '${name}': ${failure}`, name, -1);
    return Array.isArray(ids) ? ids : []; // an empty Lua table reads as an empty object
  }

  /**
   * @internal Calls entry point `name` of an extension chunk (see {@link RuntimeOptions.chunks})
   * with plain-data arguments and returns its results as plain data.
   */
  callExtension(name: string, args: PlainValue[] = [], nresults = 1): PlainValue[] {
    if (!(name in this.entries)) throw new MoonstepError(`moonstep: no runtime entry point '${name}'`);
    const { vm } = this;
    let results: PlainValue[] = [];
    this.callEntry(name, () => {
      for (const arg of args) vm.pushValue(arg);
      return args.length;
    }, nresults, () => {
      results = [];
      for (let i = nresults; i >= 1; i--) results.push(vm.readValue(-i, vm.L, new ConversionBudget(this.quotas.conversion)));
    });
    return results;
  }

  /** Host calls (exposed async functions, asset and level loads) started and not yet settled. */
  get pendingHostCallCount(): number {
    return this.hostCalls.pending;
  }

  // ---------------------------------------------------------------- diagnostics

  /** Counters: live registry slots, pending timers, waiting tasks, Lua memory. */
  stats(): RuntimeStats {
    this.vm.assertOpen('stats');
    const { vm } = this;
    let counts: number[] = [];
    this.callEntry('stats', () => 0, 5, () => {
      counts = [1, 2, 3, 4, 5].map((i) => Number(vm.readValue(-6 + i)));
    });
    return {
      liveSlots: counts[0] ?? 0,
      pendingTimers: counts[1] ?? 0,
      waitingTasks: counts[2] ?? 0,
      frame: counts[3] ?? 0,
      luaMemoryBytes: vm.memoryBytes,
      pendingHostCalls: this.hostCalls.pending,
      entities: counts[4] ?? 0,
    };
  }

  /**
   * A snapshot of pending work for inspectors: timers (owner, due step, interval or not)
   * and tasks (owner, status, wake step), each with the script line that created it while
   * {@link recordCreationSites} is on.
   */
  inspect(): InspectorSnapshot {
    const { vm } = this;
    let snapshot: InspectorSnapshot | undefined;
    this.callEntry('inspect', () => 0, 1, () => {
      // Built fresh by inspect.lua (no shared tables): bounded by the Lua heap, not a mod's budget.
      const raw = vm.readValue(-1, vm.L, new ConversionBudget(UNLIMITED_CONVERSION)) as {
        timers?: Array<{ id: number; owner: string; due_step: number; interval: boolean; site: string }>;
        tasks?: Array<{ id: number; owner: string; status: string; wake_step: number; site: string }>;
        entities?: Array<{ id: number; name: string; script: string; x: number; y: number; disabled: boolean; waiting: boolean; site: string }>;
        live_slots: number;
        frame: number;
      };
      snapshot = {
        frame: raw.frame,
        liveSlots: raw.live_slots,
        luaMemoryBytes: vm.memoryBytes,
        timers: (Array.isArray(raw.timers) ? raw.timers : []).map((t) => ({
          id: t.id, owner: t.owner, dueStep: t.due_step, interval: t.interval, site: t.site,
        })),
        tasks: (Array.isArray(raw.tasks) ? raw.tasks : []).map((t) => ({
          id: t.id, owner: t.owner, status: t.status, wakeStep: t.wake_step, site: t.site,
        })),
        entities: Array.isArray(raw.entities) ? raw.entities : [],
      };
    });
    return snapshot!;
  }

  /** Records, for every timer and task created from now on, the script line that created it. */
  recordCreationSites(on: boolean): void {
    const { vm } = this;
    this.callEntry('record_sites', () => {
      vm.lua.lua_pushboolean(vm.L, on ? 1 : 0);
      return 1;
    });
  }

  /**
   * Turns per-phase profiling on or off. While on, {@link lastStepProfile} gives the
   * milliseconds the last step spent per phase. Diagnostics only: it reads the host's
   * monotonic clock, which scripts never see, and it adds two clock reads per callback.
   */
  setProfiling(on: boolean): void {
    const { vm } = this;
    this.profiling = on;
    this.callEntry('set_profiling', () => {
      vm.lua.lua_pushboolean(vm.L, on ? 1 : 0);
      return 1;
    });
  }

  /** Phase times (ms) of the last step, while profiling is on. */
  lastStepProfile(): StepProfile | undefined {
    if (!this.profiling) return undefined;
    const { vm } = this;
    let profile: StepProfile | undefined;
    this.callEntry('profile', () => 0, 1, () => {
      profile = vm.readValue(-1) as unknown as StepProfile;
    });
    return profile;
  }

  /**
   * Starts recording host inputs (events from `emit`, host-call results) per step, so that
   * a later runtime can {@link replay} the same run to the same trace. Call before the
   * first step for a complete log.
   */
  record(): void {
    this.recording = [];
  }

  /** Stops recording and returns the log (plain JSON data). */
  stopRecording(): ReplayLog {
    const steps = this.recording ?? [];
    this.recording = undefined;
    return { version: 1, hz: this.clock.hz, steps: steps as ReplayLog['steps'] };
  }

  /**
   * Replays a recorded log: from now on each step takes its host inputs from the log, host
   * functions are not called (their recorded results arrive at the recorded steps), and
   * `emit` is refused. Must be called before the first step, with the same scripts and seed.
   */
  replay(log: ReplayLog): void {
    if (this.frameCount !== 0) throw new MoonstepError('moonstep: replay() must be called before the first step');
    if (log.version !== 1 || log.hz !== this.clock.hz) {
      throw new MoonstepError(`moonstep: replay log is for version ${log.version} at ${log.hz} Hz; this runtime runs at ${this.clock.hz} Hz`);
    }
    this.replaying = new Map(log.steps.map((s) => [s.step, s.inputs as HostInput[]]));
  }

  /** Digest of every trace record so far (tracing must be on): equal digests, equal runs. */
  traceDigest(): { digest: string; records: number } {
    const digest = new TraceDigest();
    for (const r of this.trace) digest.update(`${r.step} ${r.kind} ${r.id} ${r.owner}`);
    return { digest: digest.hex(), records: digest.records };
  }

  /** Runs a full Lua garbage collection (for tools and tests measuring memory). */
  collectGarbage(): void {
    this.callEntry('collect_garbage', () => 0);
  }

  /** Every global name, library member and handle method the sandbox offers scripts, sorted (`task.wait`, `print`, `Entity:destroy`, …). */
  apiSurface(): string[] {
    const { vm } = this;
    let names: string[] = [];
    this.callEntry('api_surface', () => 0, 1, () => {
      names = vm.readValue(-1, vm.L, new ConversionBudget(UNLIMITED_CONVERSION)) as string[];
    });
    return names;
  }

  /** Turns trace recording on or off (records go to {@link trace}). */
  setTracing(on: boolean): void {
    this.vm.assertOpen('setTracing');
    this.tracing = on;
    const { vm } = this;
    this.callEntry('set_trace', () => {
      vm.lua.lua_pushboolean(vm.L, on ? 1 : 0);
      return 1;
    });
  }

  /** True once {@link close} ran. */
  get closed(): boolean {
    return this.vm.isClosed;
  }

  /**
   * Cancels all pending work and closes the Lua state. Afterwards nothing fires, `advance()`
   * is a no-op, host promises that settle are ignored, and other calls throw
   * {@link RuntimeClosedError}. Idempotent.
   */
  close(): void {
    if (this.vm.isClosed) return;
    this.assertNotInLua('close');
    this.vm.close();
    this.inputs.length = 0;
    this.hostCalls.clear();
    this.outbox.length = 0;
    this.outboxHead = 0;
    this.bus.emit('close');
    this.bus.removeAllListeners();
  }

  // ---------------------------------------------------------------- internals

  private runStep(): void {
    const { vm } = this;
    const step = this.frameCount + 1;
    let inputs: HostInput[];
    if (this.replaying) {
      inputs = this.replaying.get(step) ?? [];
    } else {
      inputs = this.inputs.splice(0);
      const snapshot = this.input.takeSnapshot();
      if (snapshot) inputs.unshift(['input', snapshot]);
      if (this.recording && inputs.length > 0) this.recording.push({ step, inputs: structuredClone(inputs) });
    }
    this.callEntry(
      'step',
      () => {
        if (inputs.length === 0) return 0;
        this.pushInputs(inputs);
        return 1;
      },
      1,
      () => {
        if (this.tracing) {
          const text = vm.toStringAt(-1);
          if (text) this.parseTrace(text);
        }
      },
    );
    this.frameCount++;
    this.flushOutbox();
    this.bus.emit('step', this.frameCount);
  }

  private pushInputs(inputs: HostInput[]): void {
    const { vm } = this;
    const { lua, L } = vm;
    lua.lua_createtable(L, inputs.length, 0);
    inputs.forEach((input, i) => {
      if (input[0] === 'input') {
        vm.pushValue(input as unknown as PlainValue);
      } else if (input[0] === 'event') {
        lua.lua_createtable(L, 3, 0);
        vm.pushString('event');
        lua.lua_rawseti(L, -2, 1n);
        vm.pushString(input[1]);
        lua.lua_rawseti(L, -2, 2n);
        vm.pushValue(input[2], L, new ConversionBudget(UNLIMITED_CONVERSION)); // copied within the budget by emit()
        lua.lua_pushinteger(L, BigInt(input[2].length));
        lua.lua_setfield(L, -2, 'n');
        lua.lua_rawseti(L, -2, 3n);
      } else {
        const [, callId, ok, value] = input;
        lua.lua_createtable(L, 4, 0);
        vm.pushString('settle');
        lua.lua_rawseti(L, -2, 1n);
        lua.lua_pushinteger(L, BigInt(callId));
        lua.lua_rawseti(L, -2, 2n);
        lua.lua_pushboolean(L, ok ? 1 : 0);
        lua.lua_rawseti(L, -2, 3n);
        if (ok) {
          const values = value === undefined ? [] : [value];
          vm.pushValue(values, L, new ConversionBudget(UNLIMITED_CONVERSION)); // copied within the budget on settling
          lua.lua_pushinteger(L, BigInt(values.length));
          lua.lua_setfield(L, -2, 'n');
        } else {
          vm.pushString(describeHostError(value, this.quotas.limits.errorMessageBytes));
        }
        lua.lua_rawseti(L, -2, 4n);
      }
      lua.lua_rawseti(L, -2, BigInt(i + 1));
    });
  }

  /**
   * Calls entry point `name`: `pushArgs` pushes the arguments and returns their count;
   * `readResults` reads the `nresults` results. A failure inside the runtime's own Lua code
   * (never a script error: those are caught per callback) is emitted as an `error` event.
   */
  private callEntry(name: string, pushArgs: () => number, nresults = 0, readResults?: () => void): void {
    const { vm } = this;
    vm.assertOpen(name);
    const top = vm.top();
    this.inLua = true;
    this.quotas.reset();
    try {
      vm.pushRef(this.entries[name]!);
      const nargs = pushArgs();
      const error = vm.pcall(nargs, nresults);
      if (error !== undefined) {
        this.queueError('main', 'runtime', error, '');
      } else if (readResults) {
        readResults();
      }
    } finally {
      this.inLua = false;
      if (!vm.isClosed) vm.setTop(top);
    }
    this.flushOutbox();
  }

  private assertNotInLua(what: string): void {
    if (this.inLua) throw new MoonstepError(`moonstep: cannot ${what} from inside a Lua call (a host function or listener re-entered the runtime)`);
  }

  private flushOutbox(): void {
    const dropped = this.quotas.takeDroppedErrors();
    if (dropped > 0) {
      this.outbox.push(['warning', [`moonstep: ${dropped} more error reports or warnings were dropped this step (limits.errorBytesPerStep, errorBytesPerOwner)`]]);
    }
    // Read by index: shift() made a long outbox quadratic. A listener that re-enters the
    // runtime flushes on from the same place; one that throws leaves the rest for next time.
    while (this.outboxHead < this.outbox.length) {
      const [event, args] = this.outbox[this.outboxHead++]!;
      if (event === 'error' && this.bus.listenerCount('error') === 0) {
        const err = args[0] as LuaRuntimeError;
        console.error(`moonstep: ${err.message}\n${err.traceback}`);
        continue;
      }
      this.bus.emit(event, ...(args as never[]));
    }
    this.outbox.length = 0;
    this.outboxHead = 0;
  }

  /** Queues a `warning` event within the step's error-report budget (dropped ones are counted). */
  private queueWarning(text: string): void {
    if (this.quotas.admitError(text.length, '')) this.outbox.push(['warning', [text]]);
  }

  private queueError(source: string, owner: string, message: string, traceback: string, kindName = 'error'): void {
    this.errorCount++;
    if (!this.quotas.admitError(message.length + traceback.length + owner.length, owner)) return;
    let where = parseLuaLocation(message);
    if (where.line === 0) {
      const frame = /\n\s*([^\n[:][^\n:]*):(\d+):/.exec(traceback);
      if (frame) where = { chunk: frame[1]!, line: Number(frame[2]) };
    }
    const kind = kindName === 'timeout'
      ? ScriptTimeoutError
      : /not enough memory/.test(message)
        ? ScriptMemoryError
        : LuaRuntimeError;
    const error = new kind(message, where.chunk, where.line, traceback, source as ScriptErrorSource, owner);
    this.outbox.push(['error', [error]]);
  }

  private parseTrace(text: string): void {
    for (const line of text.split('\n')) {
      const [step, kind, id, ...owner] = line.split(' ');
      this.trace.push({ step: Number(step), kind: kind!, id: Number(id), owner: owner.join(' ') });
    }
  }

  /**
   * Reads the arguments from stack index 2 on as plain data for `channel`, within one
   * conversion's budget and what is left of the channel's quota (and at most `maxBytes`),
   * and charges them; returns them with the bytes charged. Errors name `what`
   * (`events.emit('score')`, a host function's name).
   */
  private readArguments(L: number, channel: QuotaChannel, what: string, maxBytes = Infinity): { values: PlainValue[]; bytes: number } {
    const { vm } = this;
    const n = vm.top(L);
    // Within one conversion's limits and what is left of the quota: nodes weigh NODE_BYTES.
    const quotaRoom = this.quotas.room(channel, L);
    const room = Math.min(quotaRoom, maxBytes);
    if (room <= 0) this.charge(channel, 0, what, L, 1); // raises the quota error when the quota is spent
    const budget = new ConversionBudget({
      maxNodes: Math.min(this.quotas.conversion.maxNodes, Math.floor(room / NODE_BYTES)),
      maxBytes: Math.min(this.quotas.conversion.maxBytes, room),
    }, 'value');
    const values: PlainValue[] = [];
    try {
      for (let i = 2; i <= n; i++) values.push(vm.readValue(i, L, budget));
    } catch (error) {
      // What was read is charged even when the value is refused: refusals are not free to repeat.
      const { nodes: nodesRead, bytes: bytesRead } = budget.read;
      this.quotas.charge(channel, Math.min(room, bytesRead + nodesRead * NODE_BYTES), L, true);
      // Refused for what is left of a quota rather than for the conversion's own limits: say which.
      const passed = budget.exhausted;
      if (passed && budget.limits[passed] < this.quotas.conversion[passed]) {
        const which = room < quotaRoom ? `the pending host calls' arguments would pass limits.hostCallBytesPending` : this.quotas.roomMessage(channel, L);
        this.overQuota(L);
        throw new HostFunctionError(`${what}: quota exceeded: ${which}`, 1);
      }
      if (error instanceof ValueConversionError) throw new Error(`${what}: ${error.message.replace(/^moonstep: /, '')}`);
      throw error;
    }
    const bytes = budget.bytes + budget.nodes * NODE_BYTES;
    this.charge(channel, bytes, what, L, 1);
    return { values, bytes };
  }

  /** Charges a quota; past it, raises a Lua error naming `what`, blaming call level `level`. */
  private charge(channel: QuotaChannel, bytes: number, what: string, L: number, level: number): void {
    try {
      this.quotas.charge(channel, bytes, L);
    } catch (error) {
      if (error instanceof QuotaExceeded) {
        this.overQuota(L);
        throw new HostFunctionError(`${what}: quota exceeded: ${error.message}`, level);
      }
      throw error;
    }
  }

  /** Applies the runaway policy to the owner running on `L` that went over a quota (once a step). */
  private overQuota(L: number): void {
    const { vm } = this;
    const top = vm.top(L);
    vm.pushRef(this.entries.over_quota!, L);
    vm.pcall(0, 0, L);
    vm.setTop(top, L);
  }

  /** Identity of the owner whose callback is running (`rt.ctx.owner`), for per-owner quotas. */
  private currentOwner(L: number): number {
    return this.vm.fieldIdentity(this.ctxRef, 'owner', L);
  }

  private hostFunctionTable(): HostFunctions {
    const vm = this.vm;
    const { lua } = vm;
    return {
      now: (L) => {
        // Profiling only (see setProfiling): never reachable from scripts.
        lua.lua_pushnumber(L, performance.now());
        return 1;
      },
      print: (L) => {
        // Called by the sandbox's print (level 2 is the script's line) with the line, or with
        // its parts, joined here after the charge so that a refused print copies nothing.
        const n = vm.top(L);
        if (n <= 1) {
          const text = vm.toCheckedStringAt(1, (bytes) => this.charge('print', bytes, 'print', L, 2), L) ?? '';
          this.outbox.push(['print', [text]]);
          return 0;
        }
        let bytes = n - 1;
        for (let i = 1; i <= n; i++) bytes += vm.stringLength(i, L);
        this.charge('print', bytes, 'print', L, 2);
        const parts: string[] = [];
        for (let i = 1; i <= n; i++) parts.push(vm.toStringAt(i, L) ?? '');
        this.outbox.push(['print', [parts.join('\t')]]);
        return 0;
      },
      warn: (L) => {
        // The runtime's warnings (an owner disabled, a deferred pass cut short) are reports
        // too: each is cut, and they share the step's error-report budget.
        this.queueWarning(vm.toTruncatedStringAt(1, this.quotas.limits.errorMessageBytes, L) ?? '');
        return 0;
      },
      error: (L) => {
        const { errorMessageBytes, tracebackBytes } = this.quotas.limits;
        const text = (i: number, max: number) => vm.toTruncatedStringAt(i, max, L) ?? '';
        this.queueError(text(1, 64), text(2, errorMessageBytes), text(3, errorMessageBytes), text(4, tracebackBytes), text(5, 16));
        return 0;
      },
      script_running: (L) => {
        vm.setScriptRunning(vm.lua.lua_toboolean(L, 1) !== 0);
        return 0;
      },
      hook_thread: (L) => {
        vm.hookThread(vm.lua.lua_tothread(L, 1));
        return 0;
      },
      hook_period: (L) => {
        vm.setHookPeriod(L, vm.lua.lua_tonumberx(L, 1, null));
        return 0;
      },
      emit: (L) => {
        const name = vm.toTruncatedStringAt(1, 256, L)!;
        const event = `lua:${name}` as const;
        const named = this.bus.listenerCount(event) > 0;
        if (!named && this.bus.listenerCount('luaEvent') === 0) return 0;
        const { values } = this.readArguments(L, 'emit', `events.emit('${name}')`);
        if (named) this.outbox.push([event, values]);
        if (this.bus.listenerCount('luaEvent') > 0) this.outbox.push(['luaEvent', [name, values]]);
        return 0;
      },
      read_module: (L) => {
        const name = vm.toStringAt(1, L)!;
        const found = this.resolveScript(name, vm.toStringAt(2, L) ?? 'game');
        if (!found) {
          lua.lua_pushnil(L);
          vm.pushString(
            `module '${name}' not found in the script roots (${this.roots.map((r) => r.describe()).join(', ') || 'none registered'})`,
            L,
          );
          return 2;
        }
        vm.pushString(found.source, L);
        vm.pushString(found.chunkName, L);
        return 2;
      },
      call: (L) => {
        const name = vm.toStringAt(1, L)!;
        const fn = this.hostFunctions.get(name);
        const { maxHostCalls, maxHostCallsPerOwner, hostCallBytesPending } = this.quotas.limits;
        if (this.hostCalls.pending >= maxHostCalls) {
          throw new Error(`${name}: too many host calls pending (${maxHostCalls}, limits.maxHostCalls); wait for some to finish`);
        }
        const owner = this.currentOwner(L);
        if (this.hostCalls.pendingFor(owner) >= maxHostCallsPerOwner) {
          throw new Error(`${name}: too many host calls pending for this script or entity (${maxHostCallsPerOwner}, limits.maxHostCallsPerOwner); wait for some to finish`);
        }
        const held = this.hostCalls.pendingBytes;
        if (held >= hostCallBytesPending) {
          throw new Error(`${name}: pending host calls hold ${held} bytes of arguments (limits.hostCallBytesPending); wait for some to finish`);
        }
        const { values: args, bytes } = this.readArguments(L, 'hostCall', name, hostCallBytesPending - held);
        const callId = ++this.nextCallId;
        // While replaying, results come from the log at the steps they were recorded for.
        // level.load's host function returns spawn items the runtime built and checked itself.
        const resultLimits = name === '__level_load' && fn === this.levelLoader ? UNLIMITED_CONVERSION : this.quotas.conversion;
        if (!this.replaying) this.hostCalls.start(callId, name, fn, args, owner, bytes, resultLimits);
        lua.lua_pushinteger(L, BigInt(callId));
        return 1;
      },
    };
  }
}

export type { ScriptLoader };
export { ScriptNotFoundError };
