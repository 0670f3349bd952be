import { readFileSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { modulePaths, type ScriptLoader, type ScriptSource } from '../scripts/ScriptLoader';
import { realPathInside } from './confinedPath';

/**
 * A script root on disk (Node only). Module names are resolved strictly below `root`, by
 * real path: a symlink that leads out of the root is not followed. Chunk names are paths
 * relative to it (`enemies/bat.lua`).
 */
export class FsScriptLoader implements ScriptLoader {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  read(moduleName: string): ScriptSource | undefined {
    for (const path of modulePaths(moduleName)) {
      const file = resolve(this.root, path);
      const rel = relative(this.root, file);
      if (rel.startsWith('..') || rel.includes(`..${sep}`)) continue;
      const real = realPathInside(this.root, rel);
      if (!real) continue;
      try {
        if (!statSync(real).isFile()) continue;
        return { source: readFileSync(real, 'utf8'), chunkName: rel.split(sep).join('/') };
      } catch {
        continue;
      }
    }
    return undefined;
  }

  describe(): string {
    return this.root;
  }
}
