import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FsScriptLoader } from '../node/FsScriptLoader';
import type { ScriptLoader } from './ScriptLoader';

/** Under Node, a runtime created without script roots looks in `./scripts-lua/` (if it exists). */
export function defaultScriptRoots(): ScriptLoader[] {
  const dir = resolve('scripts-lua');
  return existsSync(dir) && statSync(dir).isDirectory() ? [new FsScriptLoader(dir)] : [];
}
