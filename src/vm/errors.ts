/**
 * The moonstep error family. Every error a script can cause, and every misuse of the
 * runtime by the host, is one of these classes, so callers can branch on `instanceof`
 * or on the `kind` field (which survives structured cloning and JSON).
 */

/** Where in a Lua script something happened. */
export interface LuaLocation {
  /** Chunk name as Lua prints it, e.g. `enemies/bat.lua` (no leading `@`). */
  readonly chunk: string;
  /** 1-based line, or 0 when Lua gave none. */
  readonly line: number;
}

/** Base class of all moonstep errors. */
export class MoonstepError extends Error {
  /** Stable machine-readable kind. */
  readonly kind: string = 'moonstep';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The runtime was closed; the call cannot be served. */
export class RuntimeClosedError extends MoonstepError {
  override readonly kind = 'closed';
  constructor(what = 'call') {
    super(`moonstep: runtime is closed (${what} after close())`);
  }
}

/** A script module could not be found in any registered script root. */
export class ScriptNotFoundError extends MoonstepError {
  override readonly kind = 'not-found';
  constructor(readonly moduleName: string, readonly searched: readonly string[]) {
    super(`moonstep: script '${moduleName}' not found (searched: ${searched.join(', ') || 'no script roots'})`);
  }
}

/** Lua source failed to compile. */
export class LuaSyntaxError extends MoonstepError implements LuaLocation {
  override readonly kind = 'syntax';
  constructor(message: string, readonly chunk: string, readonly line: number) {
    super(message);
  }
}

/** What the failing Lua code was doing when it failed. */
export type ScriptErrorSource =
  | 'main'
  | 'timer'
  | 'task'
  | 'update'
  | 'event'
  | 'deferred'
  | 'hook'
  | 'init'
  | 'final'
  | 'on_event'
  | 'on_reload'
  | 'reload'
  | 'assets'
  | 'host-call'
  | 'require';

/**
 * A Lua error raised while running a script callback. Emitted as the runtime's `error`
 * event; never thrown out of `advance()` / `step()`.
 */
export class LuaRuntimeError extends MoonstepError implements LuaLocation {
  override readonly kind: string = 'runtime';
  constructor(
    message: string,
    readonly chunk: string,
    readonly line: number,
    /** Lua traceback (`stack traceback:` …). */
    readonly traceback: string,
    /** What kind of callback failed. */
    readonly source: ScriptErrorSource,
    /** Owner of the failing callback (`script:main.lua`, `entity:12`, …). */
    readonly owner: string,
  ) {
    super(message);
  }
}

/** A callback ran past its instruction budget and was stopped. */
export class ScriptTimeoutError extends LuaRuntimeError {
  override readonly kind = 'timeout';
}

/** A callback hit the runtime's Lua memory cap. */
export class ScriptMemoryError extends LuaRuntimeError {
  override readonly kind = 'memory';
}

/** The host passed a value that cannot cross into Lua (or Lua passed one that cannot cross out). */
export class ValueConversionError extends MoonstepError {
  override readonly kind = 'conversion';
}

const LOCATION = /^([^\n:]+?):(\d+): /;

/** Splits `file.lua:12: message` into its chunk and line (0 when absent). */
export function parseLuaLocation(message: string): LuaLocation {
  const m = LOCATION.exec(message);
  if (!m) return { chunk: '?', line: 0 };
  return { chunk: m[1]!, line: Number(m[2]) };
}

/** A level file that cannot be spawned: names the level, the entity and the field. */
export class LevelError extends MoonstepError {
  override readonly kind = 'level';
  constructor(
    message: string,
    /** The level's name. */
    readonly level: string,
    /** Index of the entity in the file (0-based), -1 for the file itself. */
    readonly entityIndex: number,
    /** The field at fault, if any. */
    readonly field?: string,
    /**
     * What a script that asked for this level (`level.load`) is told, when `message` quotes
     * host data the script did not supply (the text of a file that is not a level); the
     * full message goes to the host only.
     */
    readonly scriptMessage: string = message,
  ) {
    super(message);
  }
}
