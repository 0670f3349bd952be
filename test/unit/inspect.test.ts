import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/index';
import { start } from '../helpers';

describe('The inspector snapshot', () => {
  it('lists pending timers (in firing order) and waiting tasks with owner, due step and creation site', async () => {
    const rt = await createRuntime();
    const prints: string[] = [];
    rt.on('print', (text) => prints.push(text));
    rt.recordCreationSites(true);
    rt.runSource(
      [
        'local a = setTimeout(function() end, 300)',
        'local b = setInterval(function() end, 250)',
        'task.spawn(function() task.wait(1) end)',
        'local c = setTimeout(function() end, 250)',
        'local d = setTimeout(function() end, 240)',
        'print(a, b, c, d)',
      ].join('\n'),
      'inspected.lua',
    );
    const [a, b, c, d] = prints[0]!.split('\t').map(Number);
    const snap = rt.inspect();
    // Step 15 holds d (240 ms), then b and c (250 ms, in creation order); a is due in step 18.
    expect(snap.timers).toEqual([
      { id: d, owner: 'script:inspected.lua', dueStep: 15, interval: false, site: 'inspected.lua:5' },
      { id: b, owner: 'script:inspected.lua', dueStep: 15, interval: true, site: 'inspected.lua:2' },
      { id: c, owner: 'script:inspected.lua', dueStep: 15, interval: false, site: 'inspected.lua:4' },
      { id: a, owner: 'script:inspected.lua', dueStep: 18, interval: false, site: 'inspected.lua:1' },
    ]);
    expect(snap.tasks).toEqual([
      { id: expect.any(Number), owner: 'script:inspected.lua', status: 'suspended', wakeStep: 60, site: 'inspected.lua:3' },
    ]);
    expect(snap.liveSlots).toBe(5);
    rt.close();
  });

  it('records no sites unless asked', async () => {
    const rt = await createRuntime();
    rt.runSource('setTimeout(function() end, 100)', 'quiet.lua');
    expect(rt.inspect().timers[0]!.site).toBe('');
    rt.close();
  });
});

describe('Step profiling', () => {
  it('splits the last step into phases only while on', async () => {
    const rt = await createRuntime();
    rt.runSource(
      `setTimeout(function() local n = 0 for i = 1, 20000 do n = n + i end end, 0)
       task.spawn(function() task.wait() local n = 0 for i = 1, 20000 do n = n + i end end)`,
      'profiled.lua',
    );
    expect(rt.lastStepProfile()).toBeUndefined();
    rt.setProfiling(true);
    rt.step();
    const profile = rt.lastStepProfile()!;
    expect(Object.keys(profile).sort()).toEqual(['deferred', 'inputs', 'sync', 'tasks', 'timers', 'updates']);
    expect(profile.timers).toBeGreaterThan(0);
    expect(profile.tasks).toBeGreaterThan(0);
    for (const value of Object.values(profile)) expect(value).toBeGreaterThanOrEqual(0);
    rt.setProfiling(false);
    expect(rt.lastStepProfile()).toBeUndefined();
    rt.close();
  });
});

describe('Inspecting entities', () => {
  it('lists live entities with position, state and (while recording) where they were spawned', async () => {
    const { rt, run, steps } = await start({}, {
      'waiter.lua': 'return { update = function(self) task.wait(1) end }',
    });
    rt.recordCreationSites(true);
    run(`entities.spawn("waiter", { name = "w", x = 3, y = 4 })
         entities.spawn("waiter")`, 'level.lua');
    steps(2);
    expect(rt.inspect().entities).toEqual([
      { id: 1, name: 'w', script: 'waiter', x: 3, y: 4, disabled: false, waiting: true, site: 'level.lua:1' },
      { id: 2, name: '', script: 'waiter', x: 0, y: 0, disabled: false, waiting: true, site: 'level.lua:2' },
    ]);
  });
});
