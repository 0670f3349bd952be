import { readFileSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { modulePaths, type ScriptLoader, type ScriptSource } from '../scripts/ScriptLoader';

/**
 * A script root on disk (Node only). Module names are resolved strictly below `root`;
 * chunk names are paths relative to it (`enemies/bat.lua`).
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
      try {
        if (!statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      return { source: readFileSync(file, 'utf8'), chunkName: rel.split(sep).join('/') };
    }
    return undefined;
  }

  describe(): string {
    return this.root;
  }
}
