import { describe, expect, it } from 'vitest';
import { settleSteps as settle, start } from '../helpers';

// Level names follow the module-name rule before any host loader sees them, and a script is
// never told host data it did not supply (what a loader fetched that was not a level).

const scripts = { 'lamp.lua': 'return { init = function(self) end }' };


describe('Level names', () => {
  it('are checked in Lua before the loader is called, with an error at the caller\'s line', async () => {
    const asked: string[] = [];
    const { run, steps, prints } = await start({ levels: (name) => { asked.push(name); return { entities: [] }; } }, scripts);
    const bad = ['../api/me?', 'a/b', 'a\\\\b', 'a..b', '.a', 'a.', 'x#y', 'x%2e', 'a b', 'a\\0b', 'a\\nb', ('x').repeat(201)];
    run(`for _, name in ipairs({ ${bad.map((b) => JSON.stringify(b).replace(/\\\\\\\\/g, '\\\\')).join(', ')} }) do
           local ok, err = pcall(function() level.load(name) end)
           print(ok, (err:gsub("got .*", "got ...")))
         end
         print(#level.load("worlds.hall-2_b"))`);
    await settle(steps);
    expect(prints.slice(0, -1)).toEqual(bad.map(() => "false\ttest.lua:2: bad argument #1 to 'level.load' (level name expected: letters, digits, '_' and '-' in parts separated by dots; got ..."));
    expect(prints.at(-1)).toBe('0');
    expect(asked).toEqual(['worlds.hall-2_b']);
  });

  it('never quote what the loader fetched when it is not a level', async () => {
    const secret = { userId: 42, sessionToken: 'hunter2', email: 'me@example.com' };
    const { rt, run, steps, prints } = await start({
      levels: (name) => (name === 'me' ? secret : name === 'page' ? '<html>hunter2</html>' : name === 'broken' ? Promise.reject(new Error('GET https://internal.example/levels/broken: 500 hunter2')) : undefined),
    }, scripts);
    const warnings: string[] = [];
    rt.on('warning', (w) => warnings.push(w));
    run(`for _, name in ipairs({ "me", "page", "broken", "nowhere" }) do
           print(pcall(function() level.load(name) end))
         end`);
    await settle(steps, 6);
    expect(prints).toEqual([
      `false\ttest.lua:2: level 'me': not a level (expected an object with an "entities" array, or a Tiled map)`,
      `false\ttest.lua:2: level 'page': not valid JSON`,
      `false\ttest.lua:2: level 'broken' could not be loaded (the game's level loader failed)`,
      `false\ttest.lua:2: level 'nowhere' not found`,
    ]);
    expect(prints.join('\n')).not.toMatch(/hunter2|userId|sessionToken|internal/);
    // The host hears the details.
    expect(warnings).toEqual([
      "moonstep: level 'me': unknown top-level field 'userId'",
      expect.stringMatching(/^moonstep: level 'page': not valid JSON \(/),
      "moonstep: the level loader failed for level 'broken': GET https://internal.example/levels/broken: 500 hunter2",
    ]);
  });
});

describe('Level error messages', () => {
  it('quote at most 80 characters of a bad value', async () => {
    const { rt } = await start({}, scripts);
    const huge = 'x'.repeat(1 << 20);
    expect(() => rt.loadLevel({ entities: [{ script: 'lamp', x: huge }] }, 'l')).toThrow(/^level 'l', entity #1, field 'x': expected a finite number, got "x{79}…$/);
    expect(() => rt.loadLevel({ entities: [{ script: 'lamp', tags: Array(1e5).fill(1) }] }, 'l')).toThrow(/got \[1,1,1,.{60,}…$/);
  });
});

describe('runtime.loadLevel', () => {
  it('takes level names by the same rule', async () => {
    const { rt } = await start({}, scripts);
    expect(rt.loadLevel({ entities: [{ script: 'lamp' }] }, 'worlds.hall-2')).toHaveLength(1);
    for (const bad of ['../me', 'a/b', 'x?', '', 'a..b']) {
      expect(() => rt.loadLevel({ entities: [{ script: 'lamp' }] }, bad)).toThrow(/^invalid level name .* \(letters, digits, '_' and '-' in parts separated by dots\)$/);
    }
    expect(rt.spawn('lamp')).toBeGreaterThan(0); // spawn() is not a level name
  });
});

describe('Level props', () => {
  it('shared 2^30 ways are refused in linear time with a LevelError', async () => {
    const { rt } = await start({}, scripts);
    let dag: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 30; i++) dag = { a: dag, b: dag };
    expect(() => rt.loadLevel({ entities: [{ script: 'lamp', props: dag }] }, 'l'))
      .toThrow(/^level 'l', entity #1, field 'props(\.[ab])+(\.leaf)?': more than 100000 values \(an object shared by several parents counts once per use\)$/);
    expect(rt.stats().entities).toBe(0);
  });
});
