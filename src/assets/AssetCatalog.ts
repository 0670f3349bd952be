/** Asset names scripts use, mapped to where the host loads them from (URL or path). */
export type AssetManifest = Record<string, string>;

/** What a script gets back from `assets.load(name)`. */
export interface AssetInfo {
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

/** What a loader returns: the size, and the loaded resource for the view (a pixi Texture). */
export interface LoadedAsset {
  readonly width: number;
  readonly height: number;
  readonly resource?: unknown;
}

/** Loads one asset; the pixi plugin installs one that uses pixi's `Assets`. */
export type AssetLoader = (name: string, src: string) => Promise<LoadedAsset> | LoadedAsset;

/** Progress of a preload: assets loaded so far, of how many, and the one just loaded. */
export type AssetProgress = (loaded: number, total: number, name: string) => void;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

/**
 * The runtime's asset manifest. Scripts may use a registered name as a sprite and load it
 * with `assets.load`; each asset loads once (later loads share the first promise).
 * Without a loader (headless), loading resolves with a size of 0×0.
 */
export class AssetCatalog {
  private readonly sources = new Map<string, string>();
  /** Names in registration order (a sprite's index is its place here, from 1). */
  private readonly order: string[] = [];
  private readonly loads = new Map<string, Promise<LoadedAsset>>();
  private readonly loaded = new Map<string, LoadedAsset>();
  private loader: AssetLoader = () => ({ width: 0, height: 0 });

  /** @internal `onNames` tells the Lua side the new list of names. */
  constructor(private readonly onNames: (names: string[]) => void) {}

  /** Adds assets (name → source). Names are letters, digits, `_ . - /`. */
  register(manifest: AssetManifest): this {
    for (const [name, src] of Object.entries(manifest)) {
      if (!NAME.test(name)) throw new TypeError(`moonstep: invalid asset name '${name}'`);
      if (typeof src !== 'string' || src === '') throw new TypeError(`moonstep: asset '${name}' needs a source (URL or path)`);
      if (!this.sources.has(name)) this.order.push(name);
      this.sources.set(name, src);
    }
    this.onNames(this.names());
    return this;
  }

  /** Replaces the loader (e.g. pixi's `Assets.load`). */
  setLoader(loader: AssetLoader): this {
    this.loader = loader;
    return this;
  }

  /** Registered names, in registration order (sprite indices follow it, from 1). */
  names(): string[] {
    return [...this.order];
  }

  /** The name registered `index`-th (0-based), or null. */
  nameAt(index: number): string | null {
    return this.order[index] ?? null;
  }

  /** True if `name` is registered. */
  has(name: string): boolean {
    return this.sources.has(name);
  }

  /** Where `name` loads from. */
  source(name: string): string | undefined {
    return this.sources.get(name);
  }

  /** The loaded resource of `name` (e.g. its Texture), once loaded. */
  resource(name: string): unknown {
    return this.loaded.get(name)?.resource;
  }

  /** True once `name` has loaded. */
  isLoaded(name: string): boolean {
    return this.loaded.has(name);
  }

  /** Loads `name` once; rejects for unknown names and failed loads (a failed load may be retried). */
  load(name: string): Promise<AssetInfo> {
    const src = this.sources.get(name);
    if (src === undefined) return Promise.reject(new Error(`unknown asset '${name}'`));
    let pending = this.loads.get(name);
    if (!pending) {
      pending = Promise.resolve()
        .then(() => this.loader(name, src))
        .then((asset) => {
          this.loaded.set(name, asset);
          return asset;
        });
      pending.catch(() => this.loads.delete(name));
      this.loads.set(name, pending);
    }
    return pending.then((asset) => ({ name, width: asset.width, height: asset.height }));
  }

  /** Loads `names` (default: every registered asset) in parallel, reporting progress. */
  async preload(onProgress?: AssetProgress, names: readonly string[] = this.names()): Promise<AssetInfo[]> {
    let done = 0;
    return Promise.all(
      names.map((name) =>
        this.load(name).then((info) => {
          done++;
          onProgress?.(done, names.length, name);
          return info;
        }),
      ),
    );
  }
}
