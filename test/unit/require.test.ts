import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LuaSyntaxError, ScriptNotFoundError } from '../../src/index';
import { FsScriptLoader } from '../../src/node/FsScriptLoader';
import { start } from '../helpers';

describe('require', () => {
  it('loads a module from the script roots once, and shares it', async () => {
    const { run, prints } = await start({}, {
      'counter.lua': 'print("loading counter") local M = { n = 0 } return M',
      'a/b.lua': 'return "nested"',
      'pkg/init.lua': 'return "package init"',
    });
    run('local c = require("counter") c.n = c.n + 1', 'one.lua');
    run('print(require("counter").n, require("a.b"), require("pkg"))', 'two.lua');
    expect(prints).toEqual(['loading counter', '1\tnested\tpackage init']);
  });

  it('reads modules from a folder on disk (FsScriptLoader)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moonstep-req-'));
    mkdirSync(join(dir, 'ai'));
    writeFileSync(join(dir, 'ai', 'bat.lua'), 'return { speed = 3 }');
    const { rt, prints } = await start();
    rt.addScriptRoot(new FsScriptLoader(dir));
    rt.runSource('print(require("ai.bat").speed)');
    expect(prints).toEqual(['3']);
  });

  it('names the roots when a module is missing, and blames the requiring line', async () => {
    const { run, errors } = await start();
    run('local x = 1\nrequire("nope")', 'main.lua');
    expect(errors[0]!.message).toMatch(/^main\.lua:2: module 'nope' not found in the script roots \(memory\)/);
  });

  it('refuses a name with a .lua suffix (which would load a second copy), with a hint; entities.spawn too', async () => {
    const { run, prints, errors } = await start({}, {
      'm13_mod.lua': 'print("loading") return {}',
      'explosion.lua': 'return {}',
    });
    run(`local m = require("m13_mod")
print(pcall(function() local m = require("m13_mod.lua") end))
print(select(2, pcall(function() local e = entities.spawn("explosion.lua") end)))
print(entities.count())`, 'main.lua');
    expect(prints).toEqual([
      'loading',
      `false\tmain.lua:2: bad argument #1 to 'require' (module names have no '.lua' suffix: write "m13_mod")`,
      `main.lua:3: entities.spawn: behaviour script "explosion.lua": module names have no '.lua' suffix: write "explosion"`,
      '0',
    ]);
    expect(errors).toEqual([]);
  });

  it('reports circular requires clearly', async () => {
    const { run, errors } = await start({}, { 'a.lua': 'return require("b")', 'b.lua': 'return require("a")' });
    run('require("a")');
    expect(errors[0]!.message).toMatch(/module 'a' requires itself \(circular require\)/);
  });

  it('reports a syntax error in a module with the module\'s chunk name', async () => {
    const { run, errors } = await start({}, { 'broken.lua': 'local = 1' });
    run('require("broken")');
    expect(errors[0]!.message).toMatch(/^broken\.lua:1: /);
  });

  it('runScript finds modules the same way and throws typed errors', async () => {
    const { rt, prints } = await start({}, { 'levels/one.lua': 'print("level one")', 'bad.lua': 'x = = 1' });
    rt.runScript('levels.one');
    expect(prints).toEqual(['level one']);
    expect(() => rt.runScript('missing')).toThrow(ScriptNotFoundError);
    expect(() => rt.runScript('bad')).toThrow(LuaSyntaxError);
    try {
      rt.runScript('bad');
    } catch (error) {
      expect((error as LuaSyntaxError).chunk).toBe('bad.lua');
      expect((error as LuaSyntaxError).line).toBe(1);
    }
  });
});

describe('Default script roots', () => {
  it('under Node, a runtime given no roots looks in ./scripts-lua/', async () => {
    const { createRuntime } = await import('../../src/index');
    const rt = await createRuntime();
    const prints: string[] = [];
    rt.on('print', (t) => prints.push(t));
    rt.runSource('print(type(require("demo.hazard").hit_player))', 'x.lua');
    rt.close();
    expect(prints).toEqual(['function']);
  });
});
