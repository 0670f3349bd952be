// Core scheduler benchmarks (issues 2 and 3). Baselines run in the same VM, side by side.
const BENCH_MODULE = 'local M = { n = 0 } function M.f() M.n = M.n + 1 end return M';

export default async function ({ createRuntime, MapScriptLoader, measure }) {
  const rows = [];
  const roots = () => [new MapScriptLoader({ 'bench.lua': BENCH_MODULE })];
  const rt = await createRuntime({ scriptRoots: roots(), instructionBudget: Infinity, memoryLimitBytes: 1 << 30 });
  rt.on('error', (e) => console.error('bench script error:', e.message));
  const perCall = (ms, n) => (ms * 1e6) / n;

  // timer.fire: 100 steps firing 1,000 timers each, vs a plain loop calling the same function.
  // Measured without the watchdog (the baseline's VM runs free) and with it (the default:
  // a count hook makes every VM instruction a little dearer, for both sides).
  const fire = async (runtime) => {
    const perStep = 1000;
    const steps = 100;
    const n = perStep * steps;
    const fireTimes = [];
    for (let r = 0; r < 7; r++) {
      runtime.runSource(`local f = require("bench").f for s = 1, ${steps} do for i = 1, ${perStep} do setTimeout(f, s * 1000 / 60) end end`, 'setup.lua');
      const t = performance.now();
      for (let s = 0; s < steps; s++) runtime.step();
      fireTimes.push(performance.now() - t);
    }
    fireTimes.sort((a, b) => a - b);
    const fireNs = perCall(fireTimes[3], n);
    const plainNs = perCall(await measure(() => runtime.runSource(`local f = require("bench").f for i = 1, ${n} do f() end`, 'plain.lua')), n);
    return { ratio: fireNs / plainNs, target: 3, ns_per_fire: fireNs, ns_per_plain_call: plainNs };
  };
  rows.push({ name: 'timer.fire', ...(await fire(rt)),
    note: 'callback = a one-line function; the ratio shrinks as callbacks do real work' });
  {
    // A budget no bench loop reaches, so the hook runs but never stops anything.
    const watched = await createRuntime({ scriptRoots: roots(), instructionBudget: 1e12, memoryLimitBytes: 1 << 30 });
    const firing = await fire(watched);
    rows.push({ name: 'timer.fire_watchdog', ...firing, note: 'the same, with the watchdog\'s count hook on (the default)' });
    // What the hook costs plain Lua code: the same loop of plain calls, hook on vs off.
    const n = 100000;
    const loop = `local f = require("bench").f for i = 1, ${n} do f() end`;
    const offNs = perCall(await measure(() => rt.runSource(loop, 'plain.lua')), n);
    const onNs = perCall(await measure(() => watched.runSource(loop, 'plain.lua')), n);
    rows.push({ name: 'watchdog.cost', ratio: onNs / offNs, ns_per_call_hook_on: onNs, ns_per_call_hook_off: offNs,
      note: 'ratio = plain Lua code with the watchdog\'s count hook on vs off (Lua checks the hook at every instruction)' });
    watched.close();
  }

  // interval.fire: 10,000 intervals due every step (one step = 1000/60 ms), vs a plain loop.
  {
    const n = 10000;
    const irt = await createRuntime({ scriptRoots: roots(), instructionBudget: Infinity, memoryLimitBytes: 1 << 30 });
    irt.runSource(`local f = require("bench").f for i = 1, ${n} do setInterval(f, 1000 / 60) end`, 'intervals.lua');
    irt.step();
    const stepNs = perCall(await measure(() => irt.step(), { repeat: 9 }), n);
    const plainNs = perCall(await measure(() => irt.runSource(`local f = require("bench").f for i = 1, ${n} do f() end`, 'plain.lua'), { repeat: 9 }), n);
    rows.push({ name: 'interval.fire', ratio: stepNs / plainNs, ns_per_fire: stepNs, ns_per_plain_call: plainNs,
      note: 'an interval is a record that is queued again at each firing (a one-shot timer is two cells)' });
    irt.close();
  }

  // timer.create: one setTimeout vs one plain call to a local function.
  {
    const n = 100000;
    const createTimes = [];
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      rt.runSource(`local f = require("bench").f for i = 1, ${n} do setTimeout(f, 0) end`, 'create.lua');
      createTimes.push(performance.now() - t);
      rt.step(); // fire and release them (not timed)
    }
    createTimes.sort((a, b) => a - b);
    const createNs = perCall(createTimes[3], n);
    const plainNs = perCall(await measure(() => rt.runSource(`local f = require("bench").f for i = 1, ${n} do f() end`, 'plain.lua')), n);
    rows.push({ name: 'timer.create', ratio: createNs / plainNs, ns_per_setTimeout: createNs, ns_per_plain_call: plainNs });
  }

  // step.idle_1e6_pending: a step with 1,000,000 far-future timers vs a step with none.
  {
    const fresh = await createRuntime({ instructionBudget: Infinity, memoryLimitBytes: 1 << 30 });
    const steps = 500;
    const empty = await measure(() => { for (let i = 0; i < steps; i++) fresh.step(); });
    const before = fresh.stats().luaMemoryBytes;
    fresh.runSource('local f = function() end for i = 1, 1000000 do setTimeout(f, 1e9) end', 'pending.lua');
    const stats = fresh.stats();
    const full = await measure(() => { for (let i = 0; i < steps; i++) fresh.step(); });
    rows.push({ name: 'step.idle_1e6_pending', ratio: full / empty, target: 1.5, us_per_empty_step: (empty * 1000) / steps,
      pending_timers: stats.pendingTimers, bytes_per_pending_timer: (stats.luaMemoryBytes - before) / 1e6 });
    fresh.close();
  }

  // task.wake: 10,000 tasks waiting one step each, vs coroutine.resume/yield in plain Lua.
  {
    const n = 10000;
    const wrt = await createRuntime({ scriptRoots: roots(), instructionBudget: Infinity, memoryLimitBytes: 1 << 30 });
    const before = wrt.stats().luaMemoryBytes;
    wrt.runSource(`for i = 1, ${n} do task.spawn(function() while true do task.wait() end end) end`, 'wake.lua');
    const bytesPerTask = (wrt.stats().luaMemoryBytes - before) / n;
    wrt.step();
    const wakeNs = perCall(await measure(() => wrt.step()), n);
    // Baseline: a plain Lua loop resuming as many coroutines, each yielding (the same working set).
    wrt.runSource(`local B = require("bench") B.cos = {} for i = 1, ${n} do
      B.cos[i] = coroutine.create(function() while true do coroutine.yield() end end) coroutine.resume(B.cos[i]) end`, 'cos.lua');
    const coNs = perCall(await measure(() => wrt.runSource(
      `local cos = require("bench").cos for i = 1, ${n} do coroutine.resume(cos[i]) end`, 'co.lua')), n);
    const oneCoNs = perCall(await measure(() => wrt.runSource(
      `local co = coroutine.create(function() while true do coroutine.yield() end end) for i = 1, ${n} do coroutine.resume(co) end`, 'co1.lua')), n);
    rows.push({ name: 'task.wake', ratio: wakeNs / coNs, target: 1.5, ns_per_wake: wakeNs, ns_per_resume_yield: coNs,
      ns_per_resume_yield_one_coroutine: oneCoNs,
      note: `baseline: resume+yield of ${n} plain coroutines in a Lua loop (one hot coroutine: ratio ${(wakeNs / oneCoNs).toFixed(2)})` });
    rows.push({ name: 'task.memory', ratio: bytesPerTask / 1024, bytes_per_waiting_task: bytesPerTask,
      note: 'ratio = KiB per waiting task (coroutine + task record + wake entry)' });
    wrt.close();
  }

  // task.spawn_pool: does pooling coroutines pay? task.spawn of a returning function vs a bare
  // coroutine.create + resume (what a pool would save at most), and vs reusing one coroutine
  // through a yield (what a pool would cost: a yield is a thrown JS exception in this VM).
  {
    const n = 20000;
    const spawnNs = perCall(await measure(() => rt.runSource(`local f = function() end for i = 1, ${n} do task.spawn(f) end`, 'spawn.lua')), n);
    const createNs = perCall(await measure(() => rt.runSource(
      `local f = function() end for i = 1, ${n} do coroutine.resume(coroutine.create(f)) end`, 'create.lua')), n);
    const reuseNs = perCall(await measure(() => rt.runSource(
      `local co = coroutine.create(function() while true do coroutine.yield() end end) for i = 1, ${n} do coroutine.resume(co) end`, 'reuse.lua')), n);
    rows.push({ name: 'task.spawn_pool', ratio: reuseNs / createNs, ns_per_spawn: spawnNs, ns_per_create_resume: createNs,
      ns_per_pooled_reuse: reuseNs, note: 'ratio > 1: reusing a coroutine costs more than creating one, so tasks are not pooled' });
  }

  // boundary: one empty step (the per-step JS -> Lua crossing and drain setup).
  {
    const steps = 2000;
    const stepUs = (await measure(() => { for (let i = 0; i < steps; i++) rt.step(); })) * 1000 / steps;
    const callNs = perCall(await measure(() => rt.runSource(`local f = require("bench").f for i = 1, 1000 do f() end`, 'c.lua')), 1000);
    rows.push({ name: 'step.empty', ratio: (stepUs * 1000) / callNs, us_per_step: stepUs,
      note: 'ratio = an empty step in plain Lua calls; a frame costs one crossing, not one per callback' });
  }
  rt.close();
  return rows;
}
