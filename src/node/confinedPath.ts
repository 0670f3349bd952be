import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/**
 * The real path (symlinks resolved, `fs.realpath`) of `path` taken relative to `root`, if it
 * exists and lies inside the real path of `root`; otherwise undefined. A path check on the
 * text alone would follow a symlink inside the root to anywhere on the disk.
 */
export function realPathInside(root: string, path: string): string | undefined {
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(resolve(root, path));
  } catch {
    return undefined; // missing, a dangling link, or unreadable
  }
  return isInside(realRoot, real) ? real : undefined;
}

/** True if `path` is `root` or below it (both absolute, already resolved). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
