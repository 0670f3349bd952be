-- moonstep frame scheduler (Lua side). See docs/scheduling.md for the contract.
--
-- Time is counted in steps; `frame` is the number of steps run so far. A due time is kept
-- as a "key" in units of 1/(1000*hz) seconds: the start of step k is k*1000, one millisecond
-- is hz units and one second 1000*hz units, so whole-millisecond delays are exact integers.
-- Work due in a step waits in the queue (queue.lua), in one bucket per step, and runs in
-- (due key, sequence) order.
--
-- Callbacks run inside a "runner" coroutine that walks a list. If a callback waits
-- (task.wait), the runner is donated to it and becomes that callback's task, and a fresh
-- runner carries on with the rest of the list. So plain callbacks cost a plain call, and any
-- callback may still wait. An error kills only its runner; the list resumes after the
-- failing item.
local rt = ...

local M = {}

local ctx = rt.ctx
local Q = rt.queue
local enqueue, record_cancelled, next_seq = Q.enqueue, Q.record_cancelled, Q.next_seq
local SCHED = rt.SCHED
local slot_new, slot_release = rt.slot_new, rt.slot_release
local coresume, costatus, coyield, coclose, coisyieldable =
  coroutine.resume, coroutine.status, coroutine.yield, coroutine.close, coroutine.isyieldable
local cocreate = rt.thread_new -- every thread is made through the watchdog (see core.lua)
local watch = rt.watch
local host_hook_thread = rt.host.hook_thread
local host_script_running = rt.host.script_running
local math_floor, huge = math.floor, math.huge
local EPS = Q.EPS
local BAD_YIELD = "coroutine.yield can only be used inside a coroutine the script created " ..
  "(to wait, use task.wait)"

-- Public ------------------------------------------------------------------------------

-- M.frame (steps run so far) and M.hz are what other modules read; the scheduler's own hot
-- paths read these mirrors (a local is cheaper than a field of this module table).
local cur_frame, cur_hz = 0, 60

--- Configures the clock. `hz` is the fixed step rate (a positive integer).
function M.configure(hz)
  M.hz, cur_hz = hz, hz
  M.dt = 1 / hz
end

M.hz = 60
M.dt = 1 / 60
M.frame = 0
--- Maximum passes of the deferred phase in one step (see docs/scheduling.md).
M.defer_pass_limit = 10

--- Key of the start of the current step.
local function now_key()
  return cur_frame * 1000
end
M.now_key = now_key

--- Converts a delay in milliseconds to key units.
function M.ms_to_key(ms)
  return ms * cur_hz
end

--- Converts a delay in seconds to key units.
function M.seconds_to_key(seconds)
  return seconds * 1000 * cur_hz
end

-- Queued records carry a `state` (see queue.lua). One-shot timers have no record at all.
local CANCELLED, WAKE, DEFERRED, INTERVAL = Q.CANCELLED, Q.WAKE, Q.DEFERRED, Q.INTERVAL

local tracing = false

--- Turns trace records on or off (rt.trace must be a table while on).
function M.set_tracing(on)
  tracing = on and true or false
end

M.next_seq = next_seq
M.step_for = Q.step_for

-- Runners -------------------------------------------------------------------------------

local cur_list, cur_n, cur_i, cur_invoke = nil, 0, 0, nil
-- The bucket being drained (from Q.take), and how far its drain got when a nested list
-- interrupted it (see run_list).
local draining, draining_i = nil, 0
local runner_epoch = 0
local owned_threads = setmetatable({}, { __mode = "k" })
M.owned_threads = owned_threads

-- Serial number of the callback the scheduler is running: the watchdog's budget is per
-- serial, so work a callback starts itself (task.spawn, events.emit, and lists it runs, such
-- as the init hooks of entities it spawns) shares its budget. Item i of a top-level list has
-- serial `serial_base + i`; it is computed only when the watchdog asks, so starting a
-- callback costs nothing extra. A list run from inside a callback keeps that callback's
-- serial (`serial_fixed`). `internal` is true while the scheduler does its own bookkeeping
-- (sorting, flushing), which no callback is charged for.
local serial_base, serial_count = 0, 0
local serial_fixed, root_fixed = nil, nil
local internal = true

--- Serial of the scheduler-started callback running now (-1 during internal work).
function M.serial()
  if internal then return -1 end
  return serial_fixed or serial_base + cur_i
end

-- How the running list names the owner of its item i (the callback's root owner, whom the
-- watchdog charges the mod share to); nil: the owner running when the watchdog first asks.
local cur_root = nil

--- The owner of the callback running now (the root of any work it started), or nil.
function M.root_owner()
  if internal then return nil end
  if serial_fixed then return root_fixed end
  local f = cur_root
  if f and cur_list then return f(cur_list, cur_i) end
  return nil
end

-- The generic runner: `invoke(list[i], i, list)` for each item.
local function runner_body()
  local my = runner_epoch
  internal = false
  local list, invoke = cur_list, cur_invoke
  for i = cur_i + 1, cur_n do
    cur_i = i
    invoke(list[i], i, list)
    if runner_epoch ~= my then return end -- donated: the callback that waited has finished
  end
end

local resume_task
local invoke_bucket_entry
local invoke_wake
local unpack = table.unpack

-- The runner for due buckets: one-shot timers, by far the most common entries, are fired
-- from the bucket's columns (no record read, no dispatch call), task wakes go
-- straight to invoke_wake, and everything else goes through invoke_bucket_entry.
local function bucket_runner_body()
  local my = runner_epoch
  internal = false
  local b = cur_list
  local fns, owns, ents = b.fn, b.own, b.ent
  for i = cur_i + 1, cur_n do
    cur_i = i
    local fn = fns[i]
    if fn then
      ctx.owner = owns[i]
      fn()
    else
      local e = ents[i]
      if e then
        if e.state == WAKE then invoke_wake(e) else invoke_bucket_entry(e) end
      end
    end
    if runner_epoch ~= my then return end -- donated: the callback that waited has finished
  end
end

-- The runner for entity updates: calls `update(self, dt)` for each entity record whose
-- `ready` flag is set, or for which `cur_ready_check(record, frame)` says it may run (and
-- sets the flag); see entities.lua. Records carry `update`, `self`, `owner` and `eid`.
local cur_dt, cur_ready_check = 0, nil
local function update_runner_body()
  local my = runner_epoch
  internal = false
  local list, dt, frame, ready_check = cur_list, cur_dt, cur_frame, cur_ready_check
  for i = cur_i + 1, cur_n do
    cur_i = i
    local e = list[i]
    if e.ready or ready_check(e, frame) then
      local owner = e.owner
      ctx.owner = owner
      if tracing then rt.trace_record("update", e.eid, owner) end
      e.update(e.self, dt)
    end
    if runner_epoch ~= my then return end -- donated: the update that waited has finished
  end
end

--- Runs `invoke(list[i], i, list)` for i = 1..n inside runner coroutines (see the header). `body`
--- replaces the generic runner loop (the update phase has its own); `on_wait(item, task)`
--- hears which item's callback waited and became a task.
local function run_list(list, n, invoke, body, on_wait, root)
  local saved_list, saved_n, saved_i, saved_invoke, saved_base = cur_list, cur_n, cur_i, cur_invoke, serial_base
  local saved_fixed, saved_root_fixed, saved_root, saved_internal = serial_fixed, root_fixed, cur_root, internal
  if saved_list == draining then draining_i = saved_i end
  if not internal and not serial_fixed then
    -- Run from inside a callback: the items share its serial (and its budget).
    serial_fixed, root_fixed = M.serial(), M.root_owner() or ctx.owner
  end
  cur_list, cur_n, cur_i, cur_invoke, cur_root = list, n, 0, invoke, root
  serial_base, serial_count = serial_count, serial_count + n
  body = body or runner_body
  while cur_i < cur_n do
    runner_epoch = runner_epoch + 1
    local made, runner = pcall(cocreate, body)
    if not made then
      -- Out of memory for a new runner: collect, and try once more; failing that, the next
      -- item is skipped (not the rest of the list).
      collectgarbage("collect")
      made, runner = pcall(cocreate, body)
      if not made then
        cur_i = cur_i + 1
        pcall(rt.report, ctx.source, ctx.owner, runner)
        goto next_item
      end
    end
    owned_threads[runner] = true
    local saved_thread, saved_task = ctx.thread, ctx.task
    ctx.thread, ctx.task = runner, nil
    if saved_internal then host_script_running(true) end -- (top-level list: scripts get the cap)
    local ok, err = coresume(runner)
    if saved_internal then host_script_running(false) end -- (the runtime gets its reserve back)
    ctx.thread, ctx.task = saved_thread, saved_task
    if not ok then
      -- Protected: out of memory while reporting must not cut the list short. The dead
      -- runner may hold what filled the memory: dropped and collected, the report has room.
      if not pcall(rt.report, ctx.source, ctx.owner, err, runner) then
        runner = nil
        collectgarbage("collect")
        rt.report_anyway(ctx.source, ctx.owner, err)
      end
      if err == "not enough memory" then
        -- What the failed callback held is garbage now: collect it before the next callback
        -- needs the room (Lua's own emergency collection would find it still referenced
        -- from the dead runner).
        runner = nil
        collectgarbage("collect")
      end
      pcall(rt.after_callback_error, ctx.owner, err)
      if serial_fixed then rt.abort_contained(ctx.owner) end
    elseif costatus(runner) == "suspended" then
      -- A callback waited: the runner now belongs to its task (adopted in task_wait).
      local t = M.task_of_thread[runner]
      if t then
        M.after_yield(t, err)
        if on_wait then on_wait(cur_list[cur_i], t) end
      else
        rt.report(ctx.source, ctx.owner, BAD_YIELD, runner)
        coclose(runner)
      end
    end
    ::next_item::
  end
  cur_list, cur_n, cur_i, cur_invoke, serial_base = saved_list, saved_n, saved_i, saved_invoke, saved_base
  serial_fixed, root_fixed, cur_root = saved_fixed, saved_root_fixed, saved_root
  internal = saved_internal
end
M.run_list = rt.critical(run_list)

--- Runs `invoke(list[i], i, list)` as callbacks the host starts between steps (a main chunk, a level's
--- spawns), then resets the context and frees the slots released meanwhile.
function M.run_from_host(list, n, invoke)
  rt.watch_new_step() -- work the host starts between steps has shares of its own
  run_list(list, n, invoke)
  ctx.owner, ctx.source, ctx.task, ctx.thread = nil, "main", nil, nil
  rt.slot_flush()
end

--- Runs `fn(...)` protected, as script work the host started: from host context (between
--- steps: loading a level's or a reloaded behaviour's chunk) it runs as a callback of its own,
--- in a runner thread, with its own serial and budget, under the watchdog; from inside a
--- callback it is part of that callback. Returns pcall's results.
function M.call_guarded(fn, ...)
  if not internal then return pcall(fn, ...) end
  rt.watch_new_step()
  local args, results = table.pack(...), nil
  run_list({ fn }, 1, function(f)
    results = table.pack(pcall(f, table.unpack(args, 1, args.n)))
  end)
  ctx.owner, ctx.source, ctx.task, ctx.thread = nil, "main", nil, nil
  if not results then return false, "a script's top level cannot wait here (it was loaded by the host)" end
  return table.unpack(results, 1, results.n)
end

--- The mod of the callback running now (nil between callbacks, or for the host's own inputs).
function M.running_mod()
  if internal then return nil end
  local root = M.root_owner() or ctx.owner
  return root and root.mod
end

--- Runs `f(...)` as a callback of its own, owned by `owner`: its own serial (budget, blame)
--- and its mod's share, inside the callback running now. For another mod's event handlers
--- and entity hooks that an emit or a send runs: each mod pays for its own code, and an abort
--- of one stays in it. `f` must not raise (it starts tasks).
---
--- What other mods make a mod spend is capped: at most half of its share of a step can go to
--- callbacks another mod's emits and sends start (per causing mod). Past that, that mod's
--- emits and sends reach this mod's handlers no more in the step (a `warning` says so once):
--- an emit loop cannot spend the share of the mod whose handler does the work, and the mod
--- keeps the other half for its own work.
--- `cause` is the mod of the callback running now (the caller works it out once per emit).
function M.as_own_callback(owner, cause, f, ...)
  local mod = owner.mod
  if mod.over or mod.disabled then return nil end -- a mod over its share runs nothing more in the step
  local caused = mod.caused
  if cause and caused[cause] and caused[cause] > mod.step_budget / 2 then
    if caused[cause] ~= huge then
      caused[cause] = huge
      rt.warn(string.format("mod '%s' made mod '%s' spend half its share of the step: its events and sends " ..
        "reach '%s' no more in this step", cause.name, mod.name, mod.name))
    end
    return nil
  end
  local saved_fixed, saved_root = serial_fixed, root_fixed
  local s1, s2, s3, s4 = rt.watch_save()
  serial_count = serial_count + 1
  local mine = serial_count
  serial_fixed, root_fixed = mine, owner
  local r = f(...)
  serial_fixed, root_fixed = saved_fixed, saved_root
  local used = rt.watch_used_by(mine)
  rt.watch_restore(s1, s2, s3, s4)
  if cause then caused[cause] = (caused[cause] or 0) + used end
  return r
end

--- Runs the update phase over `list[1..n]` (entity records) with step length `dt`.
--- `ready_check(record, frame)` decides for records not flagged `ready`; `on_wait(record,
--- task)` is told when an update waited.
function M.run_updates(list, n, dt, ready_check, on_wait)
  cur_dt, cur_ready_check = dt, ready_check
  ctx.source = "update"
  run_list(list, n, nil, update_runner_body, on_wait, root_of_record)
end

-- Tasks -----------------------------------------------------------------------------------

--- thread -> task record, for every live task.
M.task_of_thread = setmetatable({}, { __mode = "k" })
local task_of_thread = M.task_of_thread

--- Creates a task record for thread `co`, owned by the current owner.
function M.task_new(co, source)
  local t = { kind = "task", id = 0, released = false, co = co, owner = ctx.owner,
              source = source or ctx.source, status = "suspended", handle = false, wake = false,
              spare_wake = false, cancel_requested = false, on_finish = false, waiters = false,
              results = false, error_message = false }
  slot_new(t)
  local site_of = rt.site_of
  if site_of then rt.sites[t] = site_of() end
  task_of_thread[co] = t
  owned_threads[co] = true
  return t
end

local function task_finish(t, status)
  t.status = status
  t.wake = false
  task_of_thread[t.co] = nil
  t.co = false -- a finished task's coroutine (and all its stack holds) can go now, not at the flush
  slot_release(t)
  local on_finish = t.on_finish
  if on_finish then t.on_finish = false; on_finish(t) end
  local waiters = t.waiters
  if waiters then
    t.waiters = false
    for i = 1, #waiters do
      local w = waiters[i]
      M.defer({ owner = w.owner, run = function()
        if w.status == "suspended" and not w.cancel_requested and not w.wake then resume_task(w) end
      end })
    end
  end
end
M.task_finish = task_finish

--- Called when task `t` yielded `what` back to the scheduler.
function M.after_yield(t, what)
  if t.cancel_requested then
    t.wake = false
    coclose(t.co)
    task_finish(t, "cancelled")
  elseif what ~= SCHED then
    rt.report(t.source, t.owner, BAD_YIELD, t.co)
    coclose(t.co)
    task_finish(t, "errored")
  else
    t.status = "suspended"
  end
end

local pack = table.pack

local function finish_resume(t, co, so, ss, st, sth, ok, what, ...)
  ctx.owner, ctx.source, ctx.task, ctx.thread = so, ss, st, sth
  if what == SCHED and ok and not t.cancel_requested then
    -- The common case: the task waits again (only a scheduler yield carries SCHED; scripts
    -- cannot reach it, so a task that returned never gives it).
    t.status = "suspended"
  elseif not ok then
    t.error_message = rt.error_text(what)
    -- A task being awaited hands its error to the awaiters (task.await raises it) instead.
    -- Reporting is protected: out of memory there must not leave the task unfinished (its
    -- dead coroutine, and all it holds, would stay referenced). Out of memory, the task lets
    -- go of its coroutine first (no allocation) and the heap is collected before anything
    -- else allocates; the report then has no traceback.
    if what == "not enough memory" then
      task_of_thread[co] = nil
      t.co, co = false, nil
      collectgarbage("collect")
    end
    local reported = true
    if not t.waiters or rt.aborting() then reported = pcall(rt.report, t.source, t.owner, what, co) end
    task_finish(t, "errored")
    if not reported then rt.report_anyway(t.source, t.owner, what) end
    rt.after_callback_error(t.owner, what)
    rt.abort_contained(t.owner)
  elseif costatus(co) == "dead" then
    if what ~= nil or select("#", ...) > 0 then t.results = pack(what, ...) end
    task_finish(t, t.cancel_requested and "cancelled" or "dead")
  else
    M.after_yield(t, what)
  end
end

--- Resumes task `t` with the given values, in its owner's context.
function resume_task(t, ...)
  local co = t.co
  local so, ss, st, sth = ctx.owner, ctx.source, ctx.task, ctx.thread
  ctx.owner, ctx.source, ctx.task, ctx.thread = t.owner, t.source, t, co
  t.status = "running"
  t.wake = false
  if watch.tight then host_hook_thread(co) end -- a mod is over its share: short periods
  if tracing then rt.trace_record(t.source, t.id, t.owner) end
  return finish_resume(t, co, so, ss, st, sth, coresume(co, ...))
end
M.resume_task = resume_task

--- Starts function `fn` as a new task now (until its first wait). Returns the task record.
function M.spawn(fn, source, ...)
  local co = cocreate(fn)
  local t = M.task_new(co, source)
  resume_task(t, ...)
  return t
end

function invoke_wake(e)
  local t = e.task
  if t.wake ~= e or t.status ~= "suspended" then return end
  -- This entry's bucket is drained: the task may reuse the table for its next wait.
  e.state = CANCELLED
  t.spare_wake = e
  local values = e.values
  if values then
    resume_task(t, unpack(values, 1, values.n))
  else
    resume_task(t, (cur_frame - e.start_frame) / cur_hz)
  end
end

--- The task that is running now, adopting the current runner if a plain callback waits.
--- Errors (at the caller's caller) when nothing can wait here.
function M.current_task(api_name)
  local thread = ctx.thread
  if thread == nil then
    error(api_name .. " can only wait inside a task (the host called this code directly)", 3)
  end
  if not coisyieldable() then
    error(api_name .. " cannot wait here: the current function was called from C " ..
      "(a metamethod, table.sort comparator or string.gsub callback cannot wait)", 3)
  end
  local t = ctx.task
  if t then return t end
  t = task_of_thread[thread]
  if t then return t end
  t = M.task_new(thread)
  ctx.task = t
  return t
end

--- Schedules task `t` to be resumed at key `due` (with `values`, a packed table, if given;
--- else with the seconds waited).
local function wake_at(t, due, values)
  local e = t.spare_wake
  if e then
    t.spare_wake = false
    e.state, e.due, e.seq, e.start_frame, e.values = WAKE, due, next_seq(), cur_frame, values or false
  else
    e = { state = WAKE, task = t, due = due, seq = next_seq(), start_frame = cur_frame,
          values = values or false }
  end
  t.wake = e
  enqueue(e)
  return e
end
M.wake_at = wake_at

--- Suspends the current task until key `due`; returns what the wake passes.
function M.wait_until_key(t, due, values)
  wake_at(t, due, values)
  return coyield(SCHED)
end

--- Drops task `t`'s pending timed wake, if any (its queue entry is skipped).
function M.cancel_wake(t)
  local wake = t.wake
  if wake and wake.state == WAKE then
    wake.state = CANCELLED
    record_cancelled(wake)
  end
  t.wake = false
end

--- Suspends the current task with no timed wake (a promise or event will resume it).
function M.suspend(t)
  t.wake = false
  return coyield(SCHED)
end

--- Wakes suspended task `t` in the next step, passing `values` (a packed table).
function M.wake_next_step(t, values)
  return wake_at(t, now_key(), values)
end

--- Cancels task `t`. Returns true if it was still live. A running task stops at its next
--- yield and is never resumed again.
function M.task_cancel(t)
  local status = t.status
  if status ~= "suspended" and status ~= "running" then return false end
  if t.cancel_requested then return false end
  t.cancel_requested = true
  local co = t.co
  if costatus(co) == "suspended" then
    M.cancel_wake(t)
    local ok, err = coclose(co)
    if not ok then rt.report(t.source, t.owner, err, co) end
    task_finish(t, "cancelled")
  end
  return true
end

-- Timers ----------------------------------------------------------------------------------

--- Creates a timer: calls `fn(...)` after `delay_key` units; repeats every `period_key`
--- units if given. Returns its id (the handle scripts get), or nil if the step the timer is
--- due in is full (queue.STEP_FULL).
function M.timer_new(fn, delay_key, period_key, args)
  local base = now_key()
  local owner = ctx.owner
  if args then
    -- Arguments are bound once here, so firing is always a plain call.
    local callback = fn
    fn = function() return callback(unpack(args, 1, args.n)) end
  end
  if not period_key then
    return Q.oneshot_new(fn, base + (delay_key > 0 and delay_key or 0), owner)
  end
  if period_key < 0 then period_key = 0 end
  local e = { kind = "timer", state = INTERVAL, id = 0, released = false, fn = fn, owner = owner,
              seq = next_seq(), due = base + period_key, period = period_key, base = base, k = 1 }
  slot_new(e)
  local site_of = rt.site_of
  if site_of then rt.sites[e] = site_of() end
  enqueue(e)
  return e.id
end

-- The queue asks how far the drain of bucket `b` has got (entries up to it were reached: a
-- one-shot timer there has fired), or nil if `b` is not being drained.
Q.set_drain_probe(function(b)
  if b ~= draining then return nil end
  if cur_list == draining then return cur_i end
  return draining_i
end)

--- Cancels an interval's record. Returns true if it was pending.
function M.timer_cancel(e)
  if e.state ~= INTERVAL then return false end
  e.state = CANCELLED
  slot_release(e)
  record_cancelled(e)
  return true
end

--- Runs queued record `e` of a due bucket (one-shot timers fire from the bucket's columns,
--- see bucket_runner_body and invoke_bucket_item).
function invoke_bucket_entry(e)
  local state = e.state
  if state == INTERVAL then
    ctx.owner = e.owner
    -- Next occurrence: the first k with base + k*period beyond this step (skips missed ones).
    local period, base = e.period, e.base
    local k = e.k + 1
    local due = base + k * period
    local now = cur_frame * 1000
    if period > 0 and due <= now + EPS * period then -- behind (the floor below would exceed k)
      k = math_floor((now - base) / period + EPS) + 1
      due = base + k * period
    end
    e.k, e.due = k, due
    enqueue(e)
    if tracing then rt.trace_record("timer", e.id, e.owner) end
    return e.fn()
  elseif state == WAKE then
    return invoke_wake(e)
  elseif state == DEFERRED then
    e.state = CANCELLED
    return e.run(e)
  end
end

--- Runs entry i of due bucket `b` (the generic path, run by runner_body: records each
--- callback while tracing). The first argument is unused (a bucket is not a list).
local function invoke_bucket_item(_, i, b)
  local fn = b.fn[i]
  if fn then
    local owner = b.own[i]
    ctx.owner = owner
    if tracing then rt.trace_record("timer", Q.id_at(b, i), owner) end
    return fn()
  end
  local e = b.ent[i]
  if e then return invoke_bucket_entry(e) end
end

-- Deferred work ---------------------------------------------------------------------------

local deferred, ndeferred = {}, 0

--- Queues `fn` to run as a task in this step's deferred phase (FIFO).
function M.defer(item)
  ndeferred = ndeferred + 1
  deferred[ndeferred] = item
end

-- Root owners of the step's lists, for the watchdog's mod shares (see M.root_owner).
local function root_of_bucket(b, i)
  local owner = b.own[i]
  if owner then return owner end
  local e = b.ent[i]
  if e then return e.owner or (e.task and e.task.owner) or nil end
end
local function root_of_record(list, i)
  local e = list[i]
  return e and e.owner or nil
end
M.root_of_record = root_of_record

local function invoke_deferred(item)
  if item.cancelled then return end
  item.run(item)
end

-- The step --------------------------------------------------------------------------------

local phase_hooks = {}
--- Registers `fn()` to run in the entity phase of every step (after timers, before deferred).
function M.on_update_phase(fn)
  phase_hooks[#phase_hooks + 1] = fn
end

--- Registers `fn()` to run at the end of every step, after deferred work (view sync).
local end_hooks = {}
function M.on_step_end(fn)
  end_hooks[#end_hooks + 1] = fn
end

--- Registers `fn()` to run at the start of every step, before timers (host inputs).
local input_hooks = {}
function M.on_step_start(fn)
  input_hooks[#input_hooks + 1] = fn
end

--- Runs one step. Called by the host once per fixed step.
function M.step()
  local frame = cur_frame + 1
  M.frame, cur_frame = frame, frame
  Q.set_frame(frame)
  ctx.owner, ctx.source, ctx.task, ctx.thread = nil, "main", nil, nil
  rt.watch_new_step()
  local profile = M.profile
  if profile then
    profile.start, profile.timers, profile.tasks = rt.host.now(), 0, 0
  end

  for i = 1, #input_hooks do input_hooks[i]() end

  local clock = profile and rt.host.now
  local t0 = clock and clock()

  -- 1. due timers and sleeping tasks, by (due time, sequence)
  local b = Q.take(frame)
  if b then
    ctx.source = "timer"
    draining, draining_i = b, 0
    if profile or tracing then
      run_list(b, b.n, profile and M.invoke_item_profiled or invoke_bucket_item, nil, nil, root_of_bucket)
    else
      run_list(b, b.n, nil, bucket_runner_body, nil, root_of_bucket)
    end
    draining = nil
    Q.drained(b) -- the one-shot timers still in the bucket all fired; they go with it
  end

  -- 2. entity updates
  local t1 = clock and clock()
  for i = 1, #phase_hooks do phase_hooks[i]() end
  local t2 = clock and clock()

  -- 3. deferred work, in passes; work deferred by deferred work runs in the next pass
  local pass = 0
  while ndeferred > 0 do
    pass = pass + 1
    if pass > M.defer_pass_limit then
      rt.warn(string.format("task.defer: %d deferred item(s) still queued after %d passes; moved to the next step", ndeferred, M.defer_pass_limit))
      break -- they stay queued: the first pass of the next step's deferred phase runs them
    end
    local list, n = deferred, ndeferred
    deferred, ndeferred = {}, 0
    run_list(list, n, invoke_deferred, nil, nil, root_of_record)
  end

  ctx.owner, ctx.source, ctx.task, ctx.thread = nil, "main", nil, nil
  local t3 = clock and clock()
  -- 4. end of step: the view state of changed entities is packed for the host
  for i = 1, #end_hooks do end_hooks[i]() end
  ctx.owner, ctx.source, ctx.task, ctx.thread = nil, "main", nil, nil
  rt.slot_flush()
  rt.report_lost_flush()
  if profile then
    profile.inputs = t0 - profile.start
    profile.queue = t1 - t0
    profile.updates = t2 - t1
    profile.deferred = t3 - t2
    profile.sync = clock() - t3
  end
end

--- Turns per-phase profiling on or off. While on, each step fills `M.profile` with
--- milliseconds spent on host inputs, timer callbacks, task resumes, entity updates and
--- deferred work (diagnostics only: scripts never see this clock).
function M.set_profiling(on)
  M.profile = on and { start = 0, inputs = 0, queue = 0, timers = 0, tasks = 0, updates = 0, deferred = 0,
                      sync = 0 } or nil
end

--- Like invoke_bucket_item, but adds the time each item took to the profile (timers vs tasks).
function M.invoke_item_profiled(_, i, b)
  local profile, clock = M.profile, rt.host.now
  local t = clock()
  invoke_bucket_item(nil, i, b)
  local dt = clock() - t
  local e = b.ent[i]
  if e and e.task then profile.tasks = profile.tasks + dt else profile.timers = profile.timers + dt end
end

--- Number of deferred items queued for this step.
function M.deferred_count()
  return ndeferred
end

-- Bookkeeping the watchdog never cuts half way (none runs script code on its own thread).
for _, fn in ipairs({ M.task_new, M.task_finish, M.after_yield, M.resume_task, M.spawn, M.wake_at,
  M.wait_until_key, M.cancel_wake, M.suspend, M.current_task, M.wake_next_step, M.task_cancel, M.timer_new, M.timer_cancel,
  M.defer, M.run_from_host, M.call_guarded, M.run_updates, M.step, finish_resume, invoke_wake,
  M.as_own_callback }) do
  rt.critical(fn)
end

return M
