import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { AssetLoader, AssetManifest } from '../assets/AssetCatalog';
import type { LevelSource } from '../runtime/Runtime';

const IMAGE = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif']);

/**
 * An asset manifest for every image below `dir`, named by file name without extension
 * (`sprites/ship.png` → `ship`); later duplicates are an error.
 */
export function manifestFromDirectory(dir: string): AssetManifest {
  const root = resolve(dir);
  const manifest: AssetManifest = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (IMAGE.has(extname(name).toLowerCase())) {
        const key = name.slice(0, -extname(name).length);
        if (manifest[key]) throw new Error(`moonstep: two assets named '${key}' under ${root}`);
        manifest[key] = relative(root, full).split(sep).join('/');
      }
    }
  };
  walk(root);
  return manifest;
}

/** Loads assets headless: PNG sizes read from the file header (other formats: 0×0). */
export function fsAssetLoader(dir: string): AssetLoader {
  const root = resolve(dir);
  return (_name, src) => {
    const bytes = readFileSync(resolve(root, src));
    const isPng = bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47;
    return isPng ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : { width: 0, height: 0 };
  };
}

/** Levels read from `<dir>/<name>.json`, or a Tiled map `<dir>/<name>.tmj` (names may not leave the directory). */
export function levelsFromDirectory(dir: string): LevelSource {
  const root = resolve(dir);
  return (name: string) => {
    if (!/^[A-Za-z0-9_\-/]+$/.test(name) || name.split('/').includes('..')) throw new Error(`invalid level name '${name}'`);
    for (const ext of ['.json', '.tmj']) {
      const file = resolve(root, `${name}${ext}`);
      if (!file.startsWith(root + sep)) throw new Error(`invalid level name '${name}'`);
      try {
        return readFileSync(file, 'utf8');
      } catch {
        // try the next extension
      }
    }
    return undefined;
  };
}
