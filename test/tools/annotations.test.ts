import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/index';
import { SPEC_CHUNK } from '../../src/spec/SpecRunner';

const TYPES_DIR = new URL('../../types/lua/', import.meta.url);

/** Standard Lua names the sandbox passes through; LuaLS annotates these itself. */
const STANDARD_GLOBALS = new Set([
  '_VERSION', 'assert', 'collectgarbage', 'error', 'getmetatable', 'ipairs', 'next', 'pairs', 'pcall',
  'print', 'rawequal', 'rawget', 'rawlen', 'rawset', 'require', 'select', 'setmetatable', 'tonumber',
  'tostring', 'type', 'xpcall',
]);
const STANDARD_LIBS = new Set(['string', 'table', 'math', 'utf8', 'coroutine']);

/** Functions declared in the annotation files: `function a(` and `function a.b(`. */
function declaredFunctions(only?: (file: string) => boolean): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(TYPES_DIR).filter((f) => f.endsWith('.lua') && (!only || only(f)))) {
    const text = readFileSync(new URL(file, TYPES_DIR), 'utf8');
    expect(text.startsWith('---@meta'), `${file} starts with ---@meta`).toBe(true);
    for (const m of text.matchAll(/^function ([A-Za-z_][\w]*(?:[.:][A-Za-z_]\w*)?)\(/gm)) names.add(m[1]!);
  }
  return names;
}

describe('The editor annotations (types/lua)', () => {
  it('declare every moonstep function the runtime gives scripts, and nothing it lacks', async () => {
    const rt = await createRuntime();
    const surface = rt.apiSurface();
    rt.close();
    const moonstep = surface.filter((name) => {
      const [lib] = name.split('.');
      return !STANDARD_GLOBALS.has(name) && !STANDARD_LIBS.has(lib!);
    });
    const declared = declaredFunctions((f) => f !== 'spec.lua');
    expect(moonstep.filter((name) => !declared.has(name)), 'in the runtime but not annotated').toEqual([]);
    expect([...declared].filter((name) => !surface.includes(name)).sort(), 'annotated but not in the runtime').toEqual([]);
  });

  it('declare exactly the spec API that moonstep test adds (types/lua/spec.lua)', async () => {
    const plain = await createRuntime();
    const withSpec = await createRuntime({ chunks: [SPEC_CHUNK] });
    const base = new Set(plain.apiSurface());
    const added = withSpec.apiSurface().filter((name) => !base.has(name)).sort();
    plain.close();
    withSpec.close();
    expect([...declaredFunctions((f) => f === 'spec.lua')].sort()).toEqual(added);
  });
});
