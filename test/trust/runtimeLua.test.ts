// The runtime's own Lua never calls through anything a script can reach. Method calls on
// strings go through the string metatable, whose __index is the scripts' (charged) string
// library: the runtime's chunks call the library functions they captured instead.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function luaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return luaFiles(path);
    return name.endsWith('.lua') ? [path] : [];
  });
}

describe("The runtime's Lua chunks", () => {
  const files = luaFiles(join(__dirname, '../../src')).filter((f) => !f.endsWith('libs.lua'));

  it('are all checked (more than ten)', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    it(`${file.split('src/')[1]} makes no method call on a string`, () => {
      const code = readFileSync(file, 'utf8').replace(/--[^\n]*/g, '');
      const calls = code.match(/[\w)\]"']:(format|find|match|gmatch|gsub|sub|rep|upper|lower|byte|len|reverse)\(/g) ?? [];
      expect(calls).toEqual([]);
    });
  }
});
