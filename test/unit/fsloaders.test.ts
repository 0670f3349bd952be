import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsScriptLoader, fsAssetLoader, levelsFromDirectory, manifestFromDirectory } from '../../src/node/index';

// The Node loaders read only inside their roots, by real path: a symlink placed inside a root
// that leads out of it is not followed (a textual check would follow it).

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000100000002008060000000000000000', 'hex');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moonstep-fs-'));
  mkdirSync(join(dir, 'root/sub'), { recursive: true });
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside/secret.lua'), 'return "secret"');
  writeFileSync(join(dir, 'outside/secret.json'), '{"entities": []}');
  writeFileSync(join(dir, 'outside/secret.png'), PNG);
  writeFileSync(join(dir, 'root/ok.lua'), 'return "ok"');
  writeFileSync(join(dir, 'root/ok.json'), '{"entities": []}');
  writeFileSync(join(dir, 'root/ship.png'), PNG);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FsScriptLoader', () => {
  it('does not follow a symlink out of its root (file or folder)', () => {
    symlinkSync(join(dir, 'outside/secret.lua'), join(dir, 'root/leak.lua'));
    symlinkSync(join(dir, 'outside'), join(dir, 'root/out'));
    const loader = new FsScriptLoader(join(dir, 'root'));
    expect(loader.read('ok')?.source).toBe('return "ok"');
    expect(loader.read('leak')).toBeUndefined();
    expect(loader.read('out.secret')).toBeUndefined();
  });

  it('follows a symlink that stays inside its root', () => {
    symlinkSync(join(dir, 'root/ok.lua'), join(dir, 'root/sub/alias.lua'));
    expect(new FsScriptLoader(join(dir, 'root')).read('sub.alias')).toEqual({ source: 'return "ok"', chunkName: 'sub/alias.lua' });
  });
});

describe('levelsFromDirectory', () => {
  it('reads levels inside the folder only, and refuses names that are not module names', () => {
    symlinkSync(join(dir, 'outside/secret.json'), join(dir, 'root/leak.json'));
    symlinkSync(join(dir, 'outside'), join(dir, 'root/out'));
    const levels = levelsFromDirectory(join(dir, 'root')) as (name: string) => unknown;
    expect(levels('ok')).toBe('{"entities": []}');
    expect(levels('leak')).toBeUndefined();
    expect(levels('out.secret')).toBeUndefined();
    for (const bad of ['../outside/secret', 'out/secret', 'a..b', 'x?', '%2e%2e', 'a\u0000b']) {
      expect(() => levels(bad)).toThrow(/invalid level name/);
    }
  });
});

describe('fsAssetLoader and manifestFromDirectory', () => {
  it('list and load images inside the folder only, and survive link loops and dangling links', async () => {
    symlinkSync(join(dir, 'outside/secret.png'), join(dir, 'root/leak.png'));
    symlinkSync(join(dir, 'outside'), join(dir, 'root/out'));
    symlinkSync(join(dir, 'root'), join(dir, 'root/sub/loop'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'root/dangling.png'));
    const manifest = manifestFromDirectory(join(dir, 'root'));
    expect(manifest).toEqual({ ship: 'ship.png' });
    const load = fsAssetLoader(join(dir, 'root'));
    expect(await load('ship', 'ship.png')).toEqual({ width: 16, height: 32 });
    expect(() => load('leak', 'leak.png')).toThrow(/not a file inside the asset folder/);
    expect(() => load('up', '../outside/secret.png')).toThrow(/not a file inside the asset folder/);
  });
});
