import { LuaType, LUA_REGISTRYINDEX } from 'wasmoon';
import { loadLuaModule, type LuaModule } from './wasm';
import { LuaSyntaxError, RuntimeClosedError, ValueConversionError, parseLuaLocation } from './errors';
import { ConversionBudget, MAX_DEPTH, setOwnKey, type PlainValue } from './PlainData';

export type { PlainValue } from './PlainData';

/** Options for {@link LuaVm.create}. */
export interface LuaVmOptions {
  /** Where to load `glue.wasm` from; defaults to the installed wasmoon package (Node) or the vite asset. */
  wasmLocation?: string;
  /** Upper bound on the Lua state's heap in bytes; allocations past it fail with "not enough memory". */
  memoryLimitBytes?: number;
}

/**
 * A host function callable from Lua. It reads its arguments from the stack with the
 * `LuaVm` helpers and returns the number of results it pushed. Throwing a JS error raises
 * a Lua error with that message at the caller's line (it never skips Lua's `pcall`); throw
 * a {@link HostFunctionError} to blame a frame further up.
 */
export type HostFunction = (L: number) => number;

/**
 * Thrown by a {@link HostFunction}: a Lua error whose position is taken from call level
 * `level` (1: the Lua function that called the host function, 2: its caller, …), like
 * Lua's `error(message, level)`. Use it when a runtime wrapper stands between the script
 * and the host function, so the error names the script's line.
 */
export class HostFunctionError extends Error {
  constructor(message: string, readonly level: number) {
    super(message);
  }
}

/**
 * Wasm exports called directly on hot paths (no `ccall` wrapper): about 3× cheaper per
 * crossing than wasmoon's wrapped functions (see docs/performance.md).
 */
interface DirectExports {
  _lua_type(L: number, idx: number): number;
  _lua_toboolean(L: number, idx: number): number;
  _lua_isinteger(L: number, idx: number): number;
  _lua_tointegerx(L: number, idx: number, isnum: number): bigint | number;
  _lua_tonumberx(L: number, idx: number, isnum: number): number;
  _lua_topointer(L: number, idx: number): number;
  _lua_checkstack(L: number, n: number): number;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_pushnil(L: number): void;
  _lua_next(L: number, idx: number): number;
  _lua_getfield(L: number, idx: number, k: number): number;
  _lua_pcallk(L: number, nargs: number, nresults: number, errfunc: number, ctx: number, k: number): number;
  _lua_rawgeti(L: number, idx: number, n: bigint): number;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_tolstring(L: number, idx: number, len: number): number;
  _lua_pushnumber(L: number, n: number): void;
  _lua_sethook(L: number, f: number, mask: number, count: number): void;
  _lua_gethookcount(L: number): number;
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
}

const LUA_OK = 0;
const LUA_MASKCOUNT = 8;
const LUA_ERRSYNTAX = 3;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A table converted once, by address: the value, its size (values, string bytes) and height. */
interface DoneTable {
  readonly value: PlainValue;
  readonly nodes: number;
  readonly bytes: number;
  readonly height: number;
}

/** Tables of one conversion from Lua: those on the current path (cycles), and those done. */
interface TableMemo {
  readonly path: Set<number>;
  readonly done: Map<number, DoneTable>;
  /** The deepest level reached below the table being converted. */
  deepest: number;
}

/** Stands, in a converted value, for a second use of a table converted before. */
class Reuse {
  constructor(readonly table: DoneTable) {}
}

/**
 * Replaces every {@link Reuse} in `value` by a fresh copy of the table it stands for (in
 * place for the first use of each table, which appears once; `fresh` copies everything).
 * Linear in the result's size, which the conversion's budget bounded.
 */
function materialize(value: PlainValue | Reuse, fresh: boolean): PlainValue {
  if (value instanceof Reuse) return materialize(value.table.value, true);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = fresh ? new Array<PlainValue>(value.length) : value;
    for (let i = 0; i < value.length; i++) out[i] = materialize(value[i]!, fresh);
    return out;
  }
  const out: Record<string, PlainValue> = fresh ? {} : value;
  for (const key of Object.keys(value)) setOwnKey(out, key, materialize(value[key]!, fresh));
  return out;
}

/**
 * One Lua state inside a wasmoon WebAssembly module: the only place in moonstep that talks
 * to the Lua C API. It owns the state, its allocator (which counts bytes and enforces the
 * memory cap), the host functions it registered, and a closed flag that guards every entry:
 * after {@link close} any use throws {@link RuntimeClosedError} instead of touching freed memory.
 *
 * Only the standard libraries a sandbox can build on are opened (`base`, `coroutine`, `table`,
 * `string`, `math`, `utf8` and `debug`, which the prelude captures and hides); `io`, `os` and
 * `package` are never opened in the state at all.
 */
export class LuaVm {
  /** The `lua_State*` of the main thread. */
  readonly L: number;
  private closed = false;
  private memoryUsedBytes = 0;
  private memoryLimitBytes: number;
  private scriptRunning = false;
  private readonly reserveBytes: number;
  private readonly functionPointers: number[] = [];
  private readonly allocatorPointer: number;
  private readonly lenPointer: number;
  private readonly direct: DirectExports;
  private hookPointer = 0;
  private firstPeriod = 1000;
  private readonly fieldNames = new Map<string, number>();

  private constructor(readonly lua: LuaModule, options: LuaVmOptions) {
    this.memoryLimitBytes = options.memoryLimitBytes ?? Infinity;
    this.reserveBytes = Math.min(4 * 1024 * 1024, Math.floor(this.memoryLimitBytes / 8));
    const m = lua.module;
    this.direct = m as unknown as DirectExports;
    this.allocatorPointer = m.addFunction((_ud: number, ptr: number, oldSize: number, newSize: number) => {
      if (newSize === 0) {
        if (ptr) {
          this.memoryUsedBytes -= oldSize;
          m._free(ptr);
        }
        return 0;
      }
      const delta = ptr ? newSize - oldSize : newSize;
      // Scripts get the cap; the runtime's own code between callbacks gets a reserve above it,
      // so that reporting a script's out-of-memory and running the next callback always fit.
      if (delta > 0 && this.memoryUsedBytes + delta > this.memoryLimitBytes + (this.scriptRunning ? 0 : this.reserveBytes)) return 0;
      const out = m._realloc(ptr, newSize);
      if (out) this.memoryUsedBytes += delta;
      return out;
    }, 'iiiii');
    const L = lua.lua_newstate(this.allocatorPointer, null);
    if (!L) {
      m.removeFunction(this.allocatorPointer);
      throw new Error('moonstep: could not create a Lua state (out of memory)');
    }
    this.L = L;
    this.lenPointer = m._malloc(8);
    this.openLibraries();
  }

  /** Loads the wasm module (cached per location) and creates a fresh Lua state in it. */
  static async create(options: LuaVmOptions = {}): Promise<LuaVm> {
    const lua = await loadLuaModule(options.wasmLocation);
    return new LuaVm(lua, options);
  }

  /** True once {@link close} ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes currently allocated by this Lua state. */
  get memoryBytes(): number {
    return this.memoryUsedBytes;
  }

  /**
   * Says whether script code runs now (a runner of the scheduler is resumed). While it does,
   * allocations are capped at the memory limit; outside, the runtime's own code may use a
   * reserve above it (an eighth of the limit, at most 4 MiB).
   */
  setScriptRunning(on: boolean): void {
    this.scriptRunning = on;
  }

  /** Changes the memory cap (bytes); `Infinity` removes it. */
  setMemoryLimit(bytes: number): void {
    this.memoryLimitBytes = bytes;
  }

  /**
   * Installs the watchdog's count hook on the main thread. A thread's period starts at
   * `firstPeriod` instructions and doubles at each tick up to `longestPeriod`; each tick calls
   * `onTick(L, n)` with the thread and the period now starting (the instructions it may run
   * until its next tick). `onTick` may raise a Lua error to stop the running code. Threads
   * created later inherit the hook with their creator's period: give each new thread the first
   * period with {@link hookThread}.
   */
  setCountHook(firstPeriod: number, longestPeriod: number, onTick: (L: number, n: number) => void): void {
    this.assertOpen('setCountHook');
    const { lua } = this;
    const d = this.direct;
    if (this.hookPointer) lua.module.removeFunction(this.hookPointer);
    this.firstPeriod = Math.max(1, Math.floor(firstPeriod));
    const longest = Math.max(this.firstPeriod, Math.floor(longestPeriod));
    this.hookPointer = lua.module.addFunction((L: number) => {
      const period = d._lua_gethookcount(L);
      const next = period * 2 < longest ? period * 2 : longest;
      if (next !== period) d._lua_sethook(L, this.hookPointer, LUA_MASKCOUNT, next);
      onTick(L, next);
    }, 'vii');
    d._lua_sethook(this.L, this.hookPointer, LUA_MASKCOUNT, this.firstPeriod);
  }

  /** Gives thread `thread` the watchdog's hook with its first (short) period. */
  hookThread(thread: number): void {
    if (this.hookPointer && thread) this.direct._lua_sethook(thread, this.hookPointer, LUA_MASKCOUNT, this.firstPeriod);
  }

  /** Sets the watchdog hook's period of thread `L` (instructions until its next tick). */
  setHookPeriod(L: number, instructions: number): void {
    if (this.hookPointer) this.direct._lua_sethook(L, this.hookPointer, LUA_MASKCOUNT, Math.max(1, Math.floor(instructions)));
  }

  /** Pushes a number (a Lua float). */
  pushNumber(value: number, L = this.L): void {
    this.direct._lua_pushnumber(L, value);
  }

  /** Throws {@link RuntimeClosedError} if the state is gone. Call at every public entry. */
  assertOpen(what?: string): void {
    if (this.closed) throw new RuntimeClosedError(what);
  }

  private openLibraries(): void {
    const { lua, L } = this;
    lua.luaopen_base(L);
    lua.lua_settop(L, 0);
    const libs: Array<[string, (L: number) => number]> = [
      ['coroutine', lua.luaopen_coroutine],
      ['table', lua.luaopen_table],
      ['string', lua.luaopen_string],
      ['math', lua.luaopen_math],
      ['utf8', lua.luaopen_utf8],
      ['debug', lua.luaopen_debug],
    ];
    for (const [name, open] of libs) {
      open(L);
      lua.lua_setglobal(L, name);
    }
  }

  /**
   * Registers a host function and pushes it as a Lua C closure. JS exceptions thrown by
   * `fn` become Lua errors (catchable by `pcall`), with the message of the exception.
   */
  pushHostFunction(fn: HostFunction): void {
    this.assertOpen();
    const { lua } = this;
    const ptr = lua.module.addFunction((L: number) => {
      let message: string;
      let level = 1;
      try {
        return fn(L);
      } catch (error) {
        // Emscripten implements longjmp (every lua_error) as `throw Infinity`: let it unwind.
        if (error === Infinity) throw error;
        message = error instanceof Error ? error.message : 'host function failed';
        if (error instanceof HostFunctionError) level = error.level;
      }
      lua.luaL_where(L, level);
      this.pushString(message, L);
      lua.lua_concat(L, 2);
      return lua.lua_error(L);
    }, 'ii');
    this.functionPointers.push(ptr);
    lua.lua_pushcclosure(this.L, ptr, 0);
  }

  /**
   * Compiles Lua source text (binary chunks are refused) and leaves the function on the
   * stack of `L`. Throws {@link LuaSyntaxError} with the chunk and line on failure.
   */
  load(source: string, chunkName: string, L = this.L): void {
    this.assertOpen('load');
    const { lua } = this;
    const bytes = encoder.encode(source);
    const m = lua.module;
    const buf = m._malloc(bytes.length + 1);
    const name = this.allocCString('@' + chunkName);
    try {
      m.HEAPU8.set(bytes, buf);
      const status = lua.luaL_loadbufferx(L, buf, bytes.length, name, 't');
      if (status !== LUA_OK) {
        const message = this.toStringAt(-1, L) ?? 'syntax error';
        lua.lua_settop(L, -2);
        const where = parseLuaLocation(message);
        if (status === LUA_ERRSYNTAX) throw new LuaSyntaxError(message, where.chunk, where.line);
        throw new Error(message);
      }
    } finally {
      m._free(buf);
      m._free(name);
    }
  }

  /**
   * Calls the function below `nargs` arguments on the stack in protected mode. Returns
   * the error value as a string, or `undefined` on success (results are left on the stack).
   */
  pcall(nargs: number, nresults: number, L = this.L): string | undefined {
    this.assertOpen('call');
    const status = this.direct._lua_pcallk(L, nargs, nresults, 0, 0, 0);
    if (status === LUA_OK) return undefined;
    const message = this.toStringAt(-1, L) ?? `error object is a ${this.typeName(-1, L)} value`;
    this.lua.lua_settop(L, -2);
    return message;
  }

  /** Stores the value on top of the stack in the registry and returns its reference. */
  ref(L = this.L): number {
    return this.lua.luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Pushes the registry value `ref`. Hot path: calls the wasm export directly. */
  pushRef(ref: number, L = this.L): void {
    this.direct._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
  }

  /** Releases a registry reference. */
  unref(ref: number, L = this.L): void {
    if (!this.closed) this.lua.luaL_unref(L, LUA_REGISTRYINDEX, ref);
  }

  /** Stack top of `L`. */
  top(L = this.L): number {
    return this.direct._lua_gettop(L);
  }

  /** Sets the stack top of `L`. */
  setTop(index: number, L = this.L): void {
    this.lua.lua_settop(L, index);
  }

  /** Lua type name of the value at `index`. */
  typeName(index: number, L = this.L): string {
    return this.lua.lua_typename(L, this.lua.lua_type(L, index));
  }

  /** Pushes a JS string (any length, any Unicode) as a Lua string. */
  pushString(value: string, L = this.L): void {
    const bytes = encoder.encode(value);
    const m = this.direct;
    const buf = m._malloc(bytes.length + 1);
    try {
      m.HEAPU8.set(bytes, buf);
      m._lua_pushlstring(L, buf, bytes.length);
    } finally {
      m._free(buf);
    }
  }

  /** The string at `index` (decoded as UTF-8), or `undefined` if it is not a string or number. */
  toStringAt(index: number, L = this.L): string | undefined {
    const type = this.lua.lua_type(L, index);
    if (type !== LuaType.String && type !== LuaType.Number) return undefined;
    if (type === LuaType.Number) {
      this.lua.lua_pushvalue(L, index);
      const s = this.readLuaString(-1, L);
      this.lua.lua_settop(L, -2);
      return s;
    }
    return this.readLuaString(index, L);
  }

  /** A copy of the bytes of the Lua string at `index` (empty if it is not a string). */
  toBytesAt(index: number, L = this.L): Uint8Array {
    if (this.lua.lua_type(L, index) !== LuaType.String) return new Uint8Array(0);
    const m = this.direct;
    const ptr = m._lua_tolstring(L, index, this.lenPointer);
    const len = m.HEAPU32[this.lenPointer >> 2]!;
    return m.HEAPU8.slice(ptr, ptr + len);
  }

  private readLuaString(index: number, L: number): string {
    const m = this.direct;
    const ptr = m._lua_tolstring(L, index, this.lenPointer);
    const len = m.HEAPU32[this.lenPointer >> 2]!;
    return decoder.decode(m.HEAPU8.subarray(ptr, ptr + len));
  }

  /** A raw view of the bytes of the Lua string at `index` (valid until Lua runs again). */
  bytesAt(index: number, L = this.L): Uint8Array {
    const m = this.direct;
    const ptr = m._lua_tolstring(L, index, this.lenPointer);
    const len = m.HEAPU32[this.lenPointer >> 2]!;
    return m.HEAPU8.subarray(ptr, ptr + len);
  }

  /**
   * Pushes plain JS data as a Lua value: `null`/`undefined` → nil, booleans, numbers
   * (integral values as Lua integers), strings, arrays → sequences, plain objects → tables.
   * Anything else, or a value past `budget` (nodes counted per use, string bytes), throws
   * {@link ValueConversionError} (nothing is left on the stack).
   */
  pushValue(value: unknown, L = this.L, budget = new ConversionBudget()): void {
    const top = this.top(L);
    try {
      this.pushValueAt(value, L, 0, new Set(), budget);
    } catch (error) {
      this.setTop(top, L);
      throw error;
    }
  }

  private pushValueAt(value: unknown, L: number, depth: number, seen: Set<object>, budget: ConversionBudget): void {
    const { lua } = this;
    budget.node();
    switch (typeof value) {
      case 'undefined':
        lua.lua_pushnil(L);
        return;
      case 'boolean':
        lua.lua_pushboolean(L, value ? 1 : 0);
        return;
      case 'number':
        if (Number.isSafeInteger(value)) lua.lua_pushinteger(L, BigInt(value));
        else lua.lua_pushnumber(L, value);
        return;
      case 'string':
        budget.string(value.length);
        this.pushString(value, L);
        return;
      case 'object': {
        if (value === null) {
          lua.lua_pushnil(L);
          return;
        }
        if (depth >= MAX_DEPTH) throw new ValueConversionError(`moonstep: value nested deeper than ${MAX_DEPTH} levels`);
        if (seen.has(value)) throw new ValueConversionError('moonstep: cannot pass a cyclic structure to Lua');
        const proto = Object.getPrototypeOf(value);
        const isArray = Array.isArray(value);
        if (!isArray && proto !== Object.prototype && proto !== null) {
          throw new ValueConversionError(
            `moonstep: only plain data can cross into Lua (got ${value.constructor?.name ?? 'object'})`,
          );
        }
        seen.add(value);
        lua.luaL_checkstack(L, 4, null);
        if (isArray) {
          lua.lua_createtable(L, value.length, 0);
          value.forEach((item, i) => {
            this.pushValueAt(item, L, depth + 1, seen, budget);
            lua.lua_rawseti(L, -2, BigInt(i + 1));
          });
        } else {
          const entries = Object.entries(value);
          lua.lua_createtable(L, 0, entries.length);
          for (const [key, item] of entries) {
            budget.string(key.length);
            this.pushString(key, L);
            this.pushValueAt(item, L, depth + 1, seen, budget);
            lua.lua_rawset(L, -3);
          }
        }
        seen.delete(value);
        return;
      }
      default:
        throw new ValueConversionError(`moonstep: cannot pass a ${typeof value} to Lua (plain data only)`);
    }
  }

  /**
   * Reads the Lua value at `index` as plain JS data: nil → `null`, sequences → arrays,
   * string-keyed tables → objects (an empty table → `{}`), each key an own data property
   * (a `__proto__` key is a key, never a prototype). Functions, threads, userdata, cycles,
   * mixed keys and values past `budget` throw {@link ValueConversionError}. A table reached
   * twice (a shared subtable) is read once and counted in full at every use; once the whole
   * value fits the budget, later uses become copies made in JS. So the result is a tree
   * (nothing shared), and refusing a table shared 2^31 ways reads only its distinct tables
   * and copies nothing. Metamethods are not invoked.
   */
  readValue(index: number, L = this.L, budget = new ConversionBudget()): PlainValue {
    const { lua } = this;
    const top = lua.lua_gettop(L);
    try {
      const value = this.readValueAt(lua.lua_absindex(L, index), L, 0, { path: new Set(), done: new Map(), deepest: 0 }, budget);
      return materialize(value, false);
    } finally {
      lua.lua_settop(L, top);
    }
  }

  /**
   * The identity (address) of field `key` of the table held in registry slot `ref`: the same
   * number for the same table while it lives, 0 for a value that is not a table, function or
   * thread. Hot path: a handful of direct wasm calls, no allocation in Lua.
   */
  fieldIdentity(ref: number, key: string, L = this.L): number {
    const d = this.direct;
    let keyPointer = this.fieldNames.get(key);
    if (keyPointer === undefined) {
      keyPointer = this.allocCString(key);
      this.fieldNames.set(key, keyPointer);
    }
    const top = d._lua_gettop(L);
    d._lua_rawgeti(L, LUA_REGISTRYINDEX, this.bigRef(ref));
    d._lua_getfield(L, -1, keyPointer);
    const id = d._lua_topointer(L, -1);
    d._lua_settop(L, top);
    return id;
  }

  private lastRef = -1;
  private lastBigRef = -1n;
  private bigRef(ref: number): bigint {
    if (ref !== this.lastRef) {
      this.lastRef = ref;
      this.lastBigRef = BigInt(ref);
    }
    return this.lastBigRef;
  }

  /** The byte length of the Lua string at `index` (0 if it is not a string). */
  stringLength(index: number, L = this.L): number {
    if (this.direct._lua_type(L, index) !== LuaType.String) return 0;
    return this.bytesAt(index, L).length;
  }

  /**
   * The string at `index` decoded as UTF-8 after `check(byteLength)` let it pass (it throws to
   * refuse); undefined if the value is not a string. Nothing is decoded for a refused string.
   */
  toCheckedStringAt(index: number, check: (byteLength: number) => void, L = this.L): string | undefined {
    if (this.direct._lua_type(L, index) !== LuaType.String) return undefined;
    const bytes = this.bytesAt(index, L);
    check(bytes.length);
    return decoder.decode(bytes);
  }

  /**
   * The string at `index` decoded as UTF-8, cut to its first `maxBytes` bytes with a note
   * saying how many were left out (`… (truncated, 123 more bytes)`); undefined if it is not a
   * string or number. Only the kept bytes are decoded.
   */
  toTruncatedStringAt(index: number, maxBytes: number, L = this.L): string | undefined {
    if (this.lua.lua_type(L, index) !== LuaType.String) return this.toStringAt(index, L);
    const bytes = this.bytesAt(index, L);
    if (bytes.length <= maxBytes) return decoder.decode(bytes);
    return `${decoder.decode(bytes.subarray(0, maxBytes))}… (truncated, ${bytes.length - maxBytes} more bytes)`;
  }

  private readValueAt(index: number, L: number, depth: number, tables: TableMemo, budget: ConversionBudget): PlainValue {
    // Hot path: direct wasm exports (see DirectExports), a few per value.
    const d = this.direct;
    budget.node();
    const type = d._lua_type(L, index);
    switch (type) {
      case LuaType.None:
      case LuaType.Nil:
        return null;
      case LuaType.Boolean:
        return d._lua_toboolean(L, index) !== 0;
      case LuaType.Number:
        return d._lua_isinteger(L, index) ? Number(d._lua_tointegerx(L, index, 0)) : d._lua_tonumberx(L, index, 0);
      case LuaType.String:
        return this.readBudgetedString(index, L, budget);
      case LuaType.Table: {
        if (depth >= MAX_DEPTH) throw new ValueConversionError(`moonstep: table nested deeper than ${MAX_DEPTH} levels`);
        const id = d._lua_topointer(L, index);
        const done = tables.done.get(id);
        if (done) {
          // Converted before in this conversion: count it all, copy it in JS, never read it again.
          if (depth + done.height >= MAX_DEPTH) throw new ValueConversionError(`moonstep: table nested deeper than ${MAX_DEPTH} levels`);
          budget.reuse(done.nodes - 1, done.bytes); // (this node was counted above)
          tables.deepest = Math.max(tables.deepest, depth + done.height);
          return new Reuse(done) as unknown as PlainValue; // copied by materialize() once all fits
        }
        if (tables.path.has(id)) throw new ValueConversionError('moonstep: cannot pass a cyclic table to JS');
        tables.path.add(id);
        const nodesBefore = budget.nodes - 1;
        const bytesBefore = budget.bytes;
        const deepestOutside = tables.deepest;
        tables.deepest = depth;
        if (!d._lua_checkstack(L, 4)) throw new ValueConversionError('moonstep: no stack space left to convert a table');
        const array: PlainValue[] = [];
        const object: Record<string, PlainValue> = {};
        let arrayKeys = 0;
        let stringKeys = 0;
        const valueIndex = d._lua_gettop(L) + 2; // where lua_next leaves each value
        d._lua_pushnil(L);
        while (d._lua_next(L, index) !== 0) {
          const keyType = d._lua_type(L, -2);
          const value = this.readValueAt(valueIndex, L, depth + 1, tables, budget);
          if (keyType === LuaType.String) {
            setOwnKey(object, this.readBudgetedString(-2, L, budget), value);
            stringKeys++;
          } else if (keyType === LuaType.Number && d._lua_isinteger(L, -2)) {
            const k = Number(d._lua_tointegerx(L, -2, 0));
            if (k < 1 || k > 1e7) throw new ValueConversionError(`moonstep: table key ${k} cannot cross to JS (arrays start at 1)`);
            array[k - 1] = value;
            arrayKeys++;
          } else {
            throw new ValueConversionError(`moonstep: a ${this.typeName(-2, L)} table key cannot cross to JS`);
          }
          d._lua_settop(L, -2);
        }
        tables.path.delete(id);
        if (arrayKeys > 0 && stringKeys > 0) {
          throw new ValueConversionError('moonstep: a table with both array items and named fields cannot cross to JS');
        }
        if (arrayKeys > 0 && array.length !== arrayKeys) throw new ValueConversionError('moonstep: an array with holes cannot cross to JS');
        const result = arrayKeys > 0 ? array : object;
        const height = tables.deepest - depth;
        tables.deepest = Math.max(deepestOutside, tables.deepest);
        tables.done.set(id, { value: result, nodes: budget.nodes - nodesBefore, bytes: budget.bytes - bytesBefore, height });
        return result;
      }
      default:
        throw new ValueConversionError(`moonstep: a Lua ${this.lua.lua_typename(L, type)} cannot cross to JS (plain data only)`);
    }
  }

  private readBudgetedString(index: number, L: number, budget: ConversionBudget): string {
    const bytes = this.bytesAt(index, L);
    budget.string(bytes.length); // before decoding: a refused string is never copied
    return decoder.decode(bytes);
  }

  private allocCString(value: string): number {
    const bytes = encoder.encode(value);
    const m = this.lua.module;
    const ptr = m._malloc(bytes.length + 1);
    m.HEAPU8.set(bytes, ptr);
    m.HEAPU8[ptr + bytes.length] = 0;
    return ptr;
  }

  /**
   * Closes the Lua state and releases every host function it registered. Idempotent.
   * After this, every method that would touch the state throws {@link RuntimeClosedError}.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const m = this.lua.module;
    this.lua.lua_close(this.L);
    for (const ptr of this.functionPointers) m.removeFunction(ptr);
    this.functionPointers.length = 0;
    m.removeFunction(this.allocatorPointer);
    if (this.hookPointer) m.removeFunction(this.hookPointer);
    m._free(this.lenPointer);
    for (const ptr of this.fieldNames.values()) m._free(ptr);
    this.fieldNames.clear();
  }
}
