import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { AssetLoader, AssetManifest } from '../assets/AssetCatalog';
import type { LevelSource } from '../runtime/Runtime';
import { isValidModuleName } from '../scripts/ScriptLoader';
import { isInside, realPathInside } from './confinedPath';

const IMAGE = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif']);

/**
 * An asset manifest for every image below `dir`, named by file name without extension
 * (`sprites/ship.png` → `ship`); later duplicates are an error. Symlinks are followed only
 * while they stay inside `dir` (by real path), and each real folder is read once.
 */
export function manifestFromDirectory(dir: string): AssetManifest {
  const root = resolve(dir);
  const realRoot = realpathSync(root);
  const manifest: AssetManifest = {};
  const seen = new Set<string>();
  const walk = (d: string) => {
    const realDir = realpathSync(d);
    if (seen.has(realDir)) return; // a link back to a folder already read
    seen.add(realDir);
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      let real: string;
      try {
        real = realpathSync(full);
      } catch {
        continue; // a dangling link
      }
      if (!isInside(realRoot, real)) continue;
      if (statSync(real).isDirectory()) walk(full);
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

/** Loads assets headless: PNG sizes read from the file header (other formats: 0×0); only files inside `dir` (by real path). */
export function fsAssetLoader(dir: string): AssetLoader {
  const root = resolve(dir);
  return (name, src) => {
    const real = realPathInside(root, src);
    if (!real) throw new Error(`asset '${name}' is not a file inside the asset folder`);
    const bytes = readFileSync(real);
    const isPng = bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47;
    return isPng ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : { width: 0, height: 0 };
  };
}

/**
 * Levels read from `<dir>/<name>.json`, or a Tiled map `<dir>/<name>.tmj`; dots in the name
 * are folders (`worlds.hall` → `worlds/hall.json`). Names follow the module-name rule, and
 * files are read only inside `dir` (by real path: a symlink out of it is not followed).
 */
export function levelsFromDirectory(dir: string): LevelSource {
  const root = resolve(dir);
  return (name: string) => {
    if (!isValidModuleName(name)) throw new Error(`invalid level name '${name.slice(0, 200)}'`);
    for (const ext of ['.json', '.tmj']) {
      const real = realPathInside(root, `${name.split('.').join('/')}${ext}`);
      if (!real) continue;
      try {
        return readFileSync(real, 'utf8');
      } catch {
        // a folder, or unreadable: try the next extension
      }
    }
    return undefined;
  };
}
