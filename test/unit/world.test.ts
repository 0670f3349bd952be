import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

/** Lets host promises (loaders, level fetches) settle. */
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
import { LevelError, MapScriptLoader } from '../../src/index';

const MOVER = `return {
  init = function(self, props) self.vx = props.vx or 1 end,
  update = function(self, dt) self.x = self.x + self.vx end,
}`;

describe('View sync', () => {
  it('moves the changed entities\' view state in one transfer, created, changed and destroyed', async () => {
    const { rt, run, steps } = await start({ assets: { ship: 'ship.png', rock: 'rock.png' } }, { 'mover.lua': MOVER, 'still.lua': 'return {}' });
    const mirror = rt.enableViewSync();
    run(`a = entities.spawn("mover", { x = 10, y = 5, sprite = "rock", z = 2, tint = 0x00ff00 })
         b = entities.spawn("still", { x = 1, visible = false, alpha = 0.25, rotation = 1.5, scale_x = 2 })
         setTimeout(function() b:destroy() end, 60)`);
    steps(1);
    const first = rt.syncViews();
    expect(first.created.map((v) => v.id)).toEqual([1, 2]);
    expect(mirror.entities.get(1)).toMatchObject({ x: 11, y: 5, sprite: 'rock', z: 2, tint: 0x00ff00, visible: true });
    expect(mirror.entities.get(2)).toMatchObject({ x: 1, visible: false, alpha: 0.25, rotation: 1.5, scaleX: 2, sprite: null });
    steps(1);
    const second = rt.syncViews();
    expect(second.created).toEqual([]);
    expect(second.changed).toEqual([]); // the mover only moved; the still one sends nothing
    expect(second.moved.map((v) => v.id)).toEqual([1]);
    expect(mirror.entities.get(1)).toMatchObject({ x: 12, prevX: 11, changedStep: 2 });
    run('local e = entities.get(1) e.tint = 0x0000ff e.sprite = "ship" e.scale_y = 3');
    steps(2);
    const third = rt.syncViews();
    expect(mirror.entities.get(1)).toMatchObject({ tint: 0x0000ff, sprite: 'ship', scaleY: 3, x: 14 });
    expect(third.changed.map((v) => v.id)).toEqual([1]); // its look changed (and it moved)
    expect(third.moved).toEqual([]);
    expect(third.destroyed).toEqual([2]);
    expect([...mirror.entities.keys()]).toEqual([1]);
    expect(third.step).toBe(4);
  });

  it('sends nothing for an entity spawned and destroyed between two syncs', async () => {
    const { rt, run, steps } = await start({}, { 'still.lua': 'return {}' });
    rt.enableViewSync();
    run('local e = entities.spawn("still") setTimeout(function() e:destroy() end, 0)');
    steps(2);
    const changes = rt.syncViews();
    expect(changes).toMatchObject({ created: [], changed: [], destroyed: [] });
  });

  it('turned on late, first sends every live entity as created', async () => {
    const { rt, run, steps } = await start({}, { 'still.lua': 'return {}' });
    run('for i = 1, 3 do entities.spawn("still", { x = i }) end');
    steps(1);
    rt.enableViewSync();
    expect(rt.syncViews().created.map((v) => v.x)).toEqual([1, 2, 3]);
  });
});

describe('Input', () => {
  it('gives scripts a per-step snapshot of actions: down, pressed and released', async () => {
    const { rt, run, steps, prints } = await start();
    rt.input.bind({ ArrowLeft: 'left', KeyA: 'left', Space: 'fire' });
    run(`setInterval(function()
           print(time.frame(), input.down("left"), input.pressed("left"), input.released("left"), input.pressed("fire"), input.released("fire"))
         end, 1)`);
    rt.input.keyDown('ArrowLeft');
    rt.input.keyDown('ArrowLeft'); // key repeat: ignored
    steps(1);
    rt.input.keyDown('KeyA'); // a second key for the same action: still one press
    steps(1);
    rt.input.keyUp('ArrowLeft');
    rt.input.keyDown('Space');
    rt.input.keyUp('Space'); // pressed and released between two steps
    steps(1);
    rt.input.keyUp('KeyA');
    steps(2);
    expect(prints).toEqual([
      '1\ttrue\ttrue\tfalse\tfalse\tfalse',
      '2\ttrue\tfalse\tfalse\tfalse\tfalse',
      '3\ttrue\tfalse\tfalse\ttrue\ttrue',
      '4\tfalse\tfalse\ttrue\tfalse\tfalse',
      '5\tfalse\tfalse\tfalse\tfalse\tfalse',
    ]);
  });

  it('rejects bad action names', async () => {
    const { rt, run, prints } = await start();
    run('print(pcall(function() local v = input.down(5) return v end))');
    expect(prints).toEqual(["false\ttest.lua:1: bad argument #1 to 'input.down' (action name (string) expected, got integer)"]);
    expect(() => rt.input.press('')).toThrow(/non-empty string/);
  });

  it('is recorded and replayed with the other host inputs', async () => {
    const source = 'setInterval(function() if input.pressed("jump") then print("jump", time.frame()) end end, 1)';
    const a = await start();
    a.rt.record();
    a.run(source);
    for (let i = 0; i < 10; i++) {
      if (i === 3 || i === 7) a.rt.input.press('jump');
      if (i === 4 || i === 8) a.rt.input.release('jump');
      a.rt.step();
    }
    const log = a.rt.stopRecording();
    const b = await start();
    b.rt.replay(log);
    b.run(source);
    b.steps(10);
    expect(a.prints).toEqual(['jump\t4', 'jump\t8']);
    expect(b.prints).toEqual(a.prints);
  });
});

describe('Assets', () => {
  it('assets.load waits for the host loader and returns the size; lists load in parallel with progress', async () => {
    const loads: string[] = [];
    const { run, steps, prints } = await start({
      assets: { ship: 'img/ship.png', rock: 'img/rock.png' },
      assetLoader: async (name, src) => {
        loads.push(`${name}=${src}`);
        return { width: name.length * 10, height: 8 };
      },
    });
    run(`local one = assets.load("ship")
         print("one", one.name, one.width, one.height, time.frame())
         local all = assets.load({ "rock", "ship" }, function(n, total, name) print("progress", n, total, name) end)
         print("all", all[1].name, all[2].width, assets.has("rock"), assets.has("nope"))`);
    for (let i = 0; i < 3; i++) {
      await flush();
      steps(1);
    }
    expect(loads).toEqual(['ship=img/ship.png', 'rock=img/rock.png']); // ship loads once
    expect(prints).toEqual([
      'one\tship\t40\t8\t1',
      'progress\t1\t2\tship',
      'progress\t2\t2\trock',
      'all\trock\t40\ttrue\tfalse',
    ]);
  });

  it('unknown names and failed loads are Lua errors at the caller\'s line', async () => {
    const { run, steps, prints } = await start({
      assets: { broken: 'x.png' },
      assetLoader: () => Promise.reject(new Error('404 x.png')),
    });
    run(`print(pcall(function() assets.load("nope") end))
         print(pcall(function() local a = assets.load("broken") return a end))`);
    await flush();
    steps(1);
    expect(prints).toEqual([
      "false\ttest.lua:1: assets.load: unknown asset 'nope' (not in the host's asset manifest)",
      'false\ttest.lua:2: 404 x.png',
    ]);
  });

  it('preload reports progress to the host', async () => {
    const { rt } = await start({ assets: { a: 'a.png', b: 'b.png' } });
    const seen: string[] = [];
    await rt.assets.preload((n, total, name) => seen.push(`${n}/${total} ${name}`));
    expect(seen).toEqual(['1/2 a', '2/2 b']);
    expect(rt.assets.isLoaded('a')).toBe(true);
  });
});

describe('Levels', () => {
  const scripts = {
    'door.lua': `return { init = function(self, props) print("door", self.name, self.x, self.y, props.locked, props.keys[2], self:has_tag("exit")) end }`,
    'lamp.lua': `return { init = function(self, props) print("lamp", self.name, props.colour) end }`,
  };
  const level = {
    entities: [
      { script: 'door', name: 'front', x: 10, y: 20, tags: ['exit'], props: { locked: true, keys: ['red', 'blue'] } },
      { script: 'lamp', name: 'l1', props: { colour: 'amber' } },
    ],
  };

  it('spawns the entities in file order with their props untouched', async () => {
    const { rt, prints } = await start({}, scripts);
    expect(rt.loadLevel(JSON.stringify(level), 'hall')).toEqual([1, 2]);
    expect(prints).toEqual(['door\tfront\t10\t20\ttrue\tblue\ttrue', 'lamp\tl1\tamber']);
  });

  it('level.load(name) fetches the level from the host and returns the entities', async () => {
    const { run, steps, prints } = await start({ levels: { hall: level } }, scripts);
    run(`local list = level.load("hall") print(#list, list[1].name)
         print(pcall(function() level.load("cellar") end))`);
    for (let i = 0; i < 2; i++) {
      await flush();
      steps(1);
    }
    expect(prints).toEqual([
      'door\tfront\t10\t20\ttrue\tblue\ttrue', 'lamp\tl1\tamber', '2\tfront',
      "false\ttest.lua:2: level 'cellar' not found",
    ]);
  });

  it('a malformed level fails naming the entity and the field, and spawns nothing', async () => {
    const { rt, prints, run, steps } = await start({ levels: { bad: { entities: [{ script: 'lamp' }, { script: 'ghost', name: 'g' }] } } }, scripts);
    const cases: Array<[unknown, RegExp]> = [
      ['{ nope', /level 'x': not valid JSON/],
      [{ things: [] }, /unknown top-level field 'things'/],
      [{ entities: [{ script: 'lamp' }, { script: 'nowhere', name: 'n' }] }, /entity #2 \('n'\), field 'script': no script 'nowhere'/],
      [{ entities: [{ script: 'lamp', x: 'left' }] }, /entity #1, field 'x': expected a finite number, got "left"/],
      [{ entities: [{ script: 'lamp', tags: [1] }] }, /field 'tags': expected an array of non-empty strings/],
      [{ entities: [{ script: 'lamp', props: { a: { b: [1, null, 'x', { c: Infinity }] } } }] }, /field 'props.a.b\[3\].c': expected a finite number/],
      [{ entities: [{ script: 'lamp', colour: 'red' }] }, /field 'colour': unknown field/],
      [{ entities: [{ script: 'lamp', sprite: 'ghost' }] }, /field 'sprite': unknown asset 'ghost'/],
      [{ entities: [{ script: 'lamp', alpha: 3 }] }, /field 'alpha': expected a number from 0 to 1/],
    ];
    for (const [data, pattern] of cases) {
      expect(() => rt.loadLevel(data, 'x')).toThrow(pattern);
      expect(() => rt.loadLevel(data, 'x')).toThrow(LevelError);
    }
    expect(rt.stats().entities).toBe(0);
    run(`print(pcall(function() level.load("bad") end)) print(entities.count())`);
    await flush();
    steps(1);
    expect(prints).toEqual(["false\ttest.lua:1: level 'bad', entity #2 ('g'), field 'script': no script 'ghost' in the script roots", '0']);
  });

  it('a behaviour that fails to load stops the level before anything spawns', async () => {
    const { rt } = await start({}, { 'lamp.lua': 'return {}', 'broken.lua': 'return {' });
    expect(() => rt.loadLevel({ entities: [{ script: 'lamp' }, { script: 'broken', name: 'b' }] }, 'y')).toThrow(/broken.lua:1: .*\(entity #2 \('b'\)\)/);
    expect(rt.stats().entities).toBe(0);
  });
});

describe('Hot reload of a behaviour', () => {
  it('keeps self, cancels the old work, and runs on_reload (or init again)', async () => {
    const { rt, run, steps, prints, errors } = await start({}, {
      'blinker.lua': `return {
        init = function(self) self.count = (self.count or 0) + 1 setInterval(function() print("old tick") end, 10) end,
        update = function(self) self.x = self.x + 1 end,
      }`,
    });
    run('b = entities.spawn("blinker", { name = "b" })');
    steps(2);
    expect(prints).toEqual(['old tick', 'old tick']);
    prints.length = 0;
    expect(rt.reloadScript('blinker', `return {
        on_reload = function(self) print("reloaded", self.count, self.x) end,
        update = function(self) self.x = self.x + 10 end,
      }`)).toBe(1);
    steps(1);
    run('print(entities.find("b").x)');
    expect(prints).toEqual(['reloaded\t1\t2', '12']);
    // A broken script does not replace the running one.
    expect(rt.reloadScript('blinker', 'return {')).toBe(-1);
    expect(errors.at(-1)!.message).toMatch(/blinker.lua:1:/);
    steps(1);
    run('print(entities.find("b").x)');
    expect(prints.at(-1)).toBe('22');
    expect(rt.stats().pendingTimers).toBe(0);
  });
});

describe('Hot reload of a module behaviours require', () => {
  it('reloads every behaviour that required it, and only them', async () => {
    const modules: Record<string, string> = {
      'speed.lua': 'return { value = 1 }',
      'walker.lua': `local speed = require("speed")
        return { update = function(self) self.x = self.x + speed.value end, on_reload = function() print("walker reloaded") end }`,
      'idler.lua': 'return { on_reload = function() print("idler reloaded") end }',
    };
    const scripts = new MapScriptLoader(modules);
    const { rt, run, steps, prints } = await start({ scriptRoots: [scripts] });
    run('w = entities.spawn("walker", { name = "w" }) entities.spawn("idler")');
    steps(2);
    // The host updates its script root first (as the vite client does), then reloads.
    scripts.set('speed.lua', 'return { value = 10 }');
    expect(rt.reloadScript('speed', 'return { value = 10 }')).toBe(1);
    steps(2);
    run('print(entities.find("w").x)');
    expect(prints).toEqual(['walker reloaded', '22']);
    // A broken module changes nothing.
    expect(rt.reloadScript('speed', 'return {')).toBe(-1);
    steps(1);
    run('print(entities.find("w").x)');
    expect(prints.at(-1)).toBe('32');
    // A module nothing loaded: nothing to do.
    expect(rt.reloadScript('unused', 'return 1')).toBe(0);
  });
});

describe('Entities from the host', () => {
  it('runtime.spawn and runtime.destroyEntity', async () => {
    const { rt, prints } = await start({}, {
      'lamp.lua': 'return { init = function(self, p) print("init", self.name, self.x, p.colour) end, final = function(self) print("final", self.name) end }',
    });
    const id = rt.spawn('lamp', { name: 'l', x: 3, props: { colour: 'red' } });
    expect(id).toBe(1);
    expect(rt.destroyEntity(id)).toBe(true);
    expect(rt.destroyEntity(id)).toBe(false);
    expect(prints).toEqual(['init\tl\t3\tred', 'final\tl']);
    expect(() => rt.spawn('nope')).toThrow(/no script 'nope'/);
  });
});
