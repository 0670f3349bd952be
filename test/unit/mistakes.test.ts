import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

async function withWarnings(options = {}, modules: Record<string, string> = {}) {
  const s = await start(options, modules);
  const warnings: string[] = [];
  s.rt.on('warning', (w) => warnings.push(w));
  return { ...s, warnings };
}

describe('Mistake warnings', () => {
  it('name a misspelled hook once per behaviour, with a suggestion; helpers with other names are fine', async () => {
    const { run, steps, warnings } = await withWarnings({}, {
      'bat.lua': 'return { udpate = function() end, on_evnt = function() end, helper = function() end, speed = 3 }',
    });
    run('entities.spawn("bat") entities.spawn("bat")');
    steps(1);
    expect(warnings.sort()).toEqual([
      "bat.lua: 'on_evnt' is not a hook, so it never runs (did you mean 'on_event'?)",
      "bat.lua: 'udpate' is not a hook, so it never runs (did you mean 'update'?)",
    ]);
  });

  it('name a misspelled view field once per behaviour and name, at the writer\'s line', async () => {
    const { run, steps, warnings } = await withWarnings({}, {
      'spinner.lua': 'return { update = function(self) self.rotaton = 1 self.speed = 2 self.hp = 1 end }',
    });
    run('entities.spawn("spinner") entities.spawn("spinner")');
    steps(3);
    expect(warnings).toEqual([
      "spinner.lua:1: entity field 'rotaton' is not a view field, so it only stores a value (did you mean 'rotation'?)",
    ]);
  });

  it('name an input action nothing binds once, with a suggestion from the bound ones', async () => {
    const { rt, run, steps, warnings } = await withWarnings();
    rt.input.bind({ Space: 'jump', ArrowLeft: 'left' });
    run(`setInterval(function() local a = input.down("jupm") local b = input.pressed("fire") local c = input.down("jump") end, 0)`, 'main.lua');
    steps(3);
    expect(warnings).toEqual([
      "main.lua:1: input.down: no input action 'jupm' is bound or has been pressed, so it reads false (did you mean 'jump'?)",
      "main.lua:1: input.pressed: no input action 'fire' is bound or has been pressed, so it reads false",
    ]);
  });

  it('without bindings (headless), warn only of an action close to one that was pressed', async () => {
    const { rt, run, steps, warnings } = await withWarnings();
    run(`setInterval(function() local a = input.down("left") local b = input.down("jupm") end, 0)`, 'main.lua');
    steps(2);
    expect(warnings).toEqual([]);
    rt.input.press('jump');
    steps(2);
    expect(warnings).toEqual([
      "main.lua:1: input.down: no input action 'jupm' is bound or has been pressed, so it reads false (did you mean 'jump'?)",
    ]);
  });

  it('say that a final hook waited and was cut off', async () => {
    const { run, steps, prints, warnings } = await withWarnings({}, {
      'slow.lua': 'return { final = function(self) print("bye") task.wait(1) print("never") end }',
    });
    run('local e = entities.spawn("slow", { name = "s" }) e:destroy()');
    steps(70);
    expect(prints).toEqual(['bye']);
    expect(warnings).toEqual(["slow.lua: final of entity 's' (#1, slow) waited; final cannot wait, so the rest of it never ran"]);
  });

  it('can be turned off with warnMistakes: false', async () => {
    const { run, steps, warnings } = await withWarnings({ warnMistakes: false }, {
      'bat.lua': 'return { udpate = function() end, init = function(self) self.rotaton = 1 end, final = function() task.wait() end }',
    });
    run('local b = entities.spawn("bat") b:destroy()');
    steps(2);
    expect(warnings).toEqual([]);
  });
});
