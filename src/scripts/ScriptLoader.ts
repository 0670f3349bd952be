/** A script's source text and the chunk name errors will show for it. */
export interface ScriptSource {
  /** Lua source text. */
  readonly source: string;
  /** Chunk name used in error messages and tracebacks, e.g. `enemies/bat.lua`. */
  readonly chunkName: string;
}

/**
 * Where `require` (and the host's `runScript`) find scripts. A loader answers synchronously,
 * because Lua's `require` is synchronous; `describe()` names it in "not found" messages.
 */
export interface ScriptLoader {
  /** The source for a module name (dot-separated, e.g. `enemies.bat`), or undefined. */
  read(moduleName: string): ScriptSource | undefined;
  /** Human-readable description of where this loader looks. */
  describe(): string;
}

const MODULE_NAME_PART = /^[A-Za-z0-9_-]+$/;

/**
 * True if `name` is a valid module name, and so a valid behaviour script or level name: the
 * same rule as the sandbox's `valid_module_name` (src/vm/sandbox.lua): letters, digits, `_`
 * and `-` in non-empty parts separated by dots, at most 200 characters. No `/`, `\\`, `..`,
 * `?`, `#`, `%`, spaces or control characters, so a name can go into a path or a URL as is.
 */
export function isValidModuleName(name: string): boolean {
  if (name.length === 0 || name.length > 200) return false;
  return name.split('.').every((part) => MODULE_NAME_PART.test(part));
}

/** Candidate relative paths for a module name: `a.b` → `a/b.lua`, `a/b/init.lua`. */
export function modulePaths(moduleName: string): string[] {
  const base = moduleName.replace(/\.lua$/, '').split('.').join('/');
  return [`${base}.lua`, `${base}/init.lua`];
}

/**
 * A script root held in memory: a map from relative path (`enemies/bat.lua`) to source.
 * Used in the browser (with vite's glob imports) and in tests.
 */
export class MapScriptLoader implements ScriptLoader {
  private readonly files = new Map<string, string>();

  /** @param files relative path → Lua source; @param label shown in error messages. */
  constructor(files: Record<string, string> = {}, private readonly label = 'memory') {
    for (const [path, source] of Object.entries(files)) this.set(path, source);
  }

  /** Adds or replaces one file. */
  set(path: string, source: string): void {
    this.files.set(path.replace(/^\.?\/+/, ''), source);
  }

  read(moduleName: string): ScriptSource | undefined {
    for (const path of modulePaths(moduleName)) {
      const source = this.files.get(path);
      if (source !== undefined) return { source, chunkName: path };
    }
    return undefined;
  }

  describe(): string {
    return this.label;
  }
}
