import { describe, expect, it } from 'vitest';
import { createRuntime, MapScriptLoader, type ReplayLog } from '../../src/index';
import { WALKER } from '../../demo/determinismScene';
import type { Runtime } from '../../src/runtime/Runtime';

const SCENE = `
local rng_log = {}
setInterval(function() print("tick", time.frame(), math.random(1, 1000)) end, 250)
setInterval(function() print("fast", time.frame()) end, 7)       -- shorter than a step
for i = 1, 20 do
  setTimeout(function() print("timeout", i, time.frame()) end, i * 37)
end
for i = 1, 5 do
  task.spawn(function()
    while true do
      local waited = task.wait(math.random() * 0.5)
      print("task", i, time.frame(), waited)
      if math.random() < 0.1 then return end
    end
  end)
end
events.on("ping", function(n)
  print("ping", n, time.frame())
  local v = fetchValue(n)                           -- a host promise
  print("fetched", n, v, time.frame())
  task.defer(function() print("deferred", n, time.frame()) end)
end)
events.on("ping", function(n) if n % 3 == 0 then events.emit("lua-side", n) end end)
events.on("lua-side", function(n) task.wait(0.1) print("lua-side", n, time.frame()) end)
setInterval(function() entities.spawn("walker", { x = math.random(0, 100), life = math.random() * 2 }) end, 300)
setInterval(function() if input.pressed("jump") then print("jump", time.frame(), entities.count()) end end, 1)
`;

const STEPS = 10_000;

/** Runs the scene for STEPS steps, feeding real time in frames of `frameMs()` ms. */
async function run(frameMs: () => number, mode: { record?: boolean; replay?: ReplayLog }) {
  const rt: Runtime = await createRuntime({ hz: 60, seed: 42, trace: true, maxStepsPerAdvance: 1000, scriptRoots: [new MapScriptLoader({ 'walker.lua': WALKER })] });
  const prints: string[] = [];
  rt.on('print', (t) => prints.push(`${rt.frame}:${t}`));
  rt.on('error', (e) => prints.push(`ERROR ${e.message}`));
  rt.expose('fetchValue', async (n) => Number(n) * 10);
  if (mode.record) rt.record();
  if (mode.replay) rt.replay(mode.replay);
  else {
    rt.on('step', (frame) => frame % 97 === 0 && rt.emit('ping', frame));
    // Input snapshots on fixed steps (as a player's keys would be recorded).
    rt.on('step', (frame) => {
      if (frame % 53 === 0) rt.input.press('jump');
      if (frame % 53 === 5) rt.input.release('jump');
    });
  }
  rt.runSource(SCENE, 'scene.lua');
  // Feed real time until STEPS steps ran, letting host promises settle between frames.
  while (rt.frame < STEPS) {
    const remainingMs = (STEPS - rt.frame) * rt.clock.stepMs;
    rt.advance(Math.min(frameMs(), remainingMs + 0.001));
    await Promise.resolve();
    await Promise.resolve();
  }
  const digest = rt.traceDigest();
  const log = mode.record ? rt.stopRecording() : undefined;
  rt.close();
  return { digest, prints, log };
}

function jitter(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 2 + (s / 2 ** 32) * 40; // 2..42 ms
  };
}

describe('Determinism', () => {
  it('replays a recorded run to the same trace at 30 Hz, 144 Hz and with jitter', async () => {
    const live = await run(() => 1000 / 60, { record: true });
    expect(live.prints.some((p) => p.includes('fetched'))).toBe(true);
    expect(live.prints.some((p) => p.includes('lua-side'))).toBe(true);
    expect(live.prints.some((p) => p.includes('walker done'))).toBe(true);
    expect(live.prints.some((p) => p.includes('walker heard'))).toBe(true);
    expect(live.prints.some((p) => p.includes('jump'))).toBe(true);
    expect(live.prints.filter((p) => p.startsWith('ERROR'))).toEqual([]);
    expect(live.digest.records).toBeGreaterThan(10_000);
    const log = JSON.parse(JSON.stringify(live.log)) as ReplayLog;
    for (const feed of [() => 1000 / 30, () => 1000 / 144, jitter(7)]) {
      const replayed = await run(feed, { replay: log });
      expect(replayed.digest).toEqual(live.digest);
      expect(replayed.prints).toEqual(live.prints);
    }
  });

  it('gives the same trace at any display rate when host inputs arrive on the same steps', async () => {
    const scene = SCENE.replace('local v = fetchValue(n)', 'local v = n * 10');
    const runAt = async (frameMs: () => number) => {
      const rt = await createRuntime({ hz: 60, seed: 9, trace: true, maxStepsPerAdvance: 1000, scriptRoots: [new MapScriptLoader({ 'walker.lua': WALKER })] });
      const prints: string[] = [];
      rt.on('print', (t) => prints.push(`${rt.frame}:${t}`));
      rt.on('step', (frame) => frame % 97 === 0 && rt.emit('ping', frame));
      rt.on('step', (frame) => {
        if (frame % 53 === 0) rt.input.press('jump');
        if (frame % 53 === 5) rt.input.release('jump');
      });
      rt.runSource(scene, 'scene.lua');
      while (rt.frame < 3000) rt.advance(Math.min(frameMs(), (3000 - rt.frame) * rt.clock.stepMs + 0.001));
      const result = { digest: rt.traceDigest(), prints };
      rt.close();
      return result;
    };
    const base = await runAt(() => 1000 / 60);
    for (const feed of [() => 1000 / 30, () => 1000 / 144, jitter(3)]) {
      const other = await runAt(feed);
      expect(other.digest).toEqual(base.digest);
      expect(other.prints).toEqual(base.prints);
    }
  });
});
