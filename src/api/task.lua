-- The `task` library (seconds; Roblox names) and the sandbox's `coroutine` library, whose
-- resume/wrap let scheduler waits pass through coroutines a script makes itself.
local rt = ...
local sched = rt.scheduler

local M = {}

local SCHED = rt.SCHED
local check_callable, check_finite, arg_error = rt.check_callable, rt.check_finite, rt.arg_error
local coresume, costatus, coyield, coclose, corunning, coisyieldable =
  coroutine.resume, coroutine.status, coroutine.yield, coroutine.close,
  coroutine.running, coroutine.isyieldable
local cocreate = rt.thread_new -- every thread is made through the watchdog (see core.lua)
local pack, unpack, select, type, error = table.pack, table.unpack, select, type, error
local owned_threads = sched.owned_threads

-- Task handles ------------------------------------------------------------------------------

local record_of = setmetatable({}, { __mode = "k" }) -- handle -> task record
local Handle = {}

local handle_methods = {}
Handle.__index = function(h, key)
  if key == "status" then return record_of[h].status end
  if key == "id" then return record_of[h].id end
  return handle_methods[key]
end
Handle.__newindex = function() error("task handles are read-only", 2) end
Handle.__tostring = function(h)
  local t = record_of[h]
  return string.format("task %d (%s)", t.id, t.status)
end
Handle.__metatable = "task"
Handle.__name = "task"

local function handle_of(t)
  local h = t.handle
  if not h then
    h = setmetatable({}, Handle)
    record_of[h] = t
    t.handle = h
  end
  return h
end
M.handle_of = handle_of

--- The task record behind a handle (or a thread), or nil.
local function record_from(value)
  if type(value) == "thread" then return sched.task_of_thread[value] end
  return record_of[value]
end
M.record_from = record_from

-- Task bodies -----------------------------------------------------------------------------

local function as_function(fn)
  if type(fn) == "function" then return fn end
  return function(...) return fn(...) end
end

local function check_task_target(v, n, fname)
  if type(v) == "thread" then
    if owned_threads[v] then
      error(string.format("bad argument #%d to '%s' (this coroutine already belongs to the scheduler)", n, fname), 3)
    end
    if costatus(v) ~= "suspended" then
      error(string.format("bad argument #%d to '%s' (cannot start a %s coroutine)", n, fname, costatus(v)), 3)
    end
    return v
  end
  if not rt.is_callable(v) then arg_error(n, fname, "function or coroutine", v, 3) end
  return cocreate(as_function(v))
end

-- Public ------------------------------------------------------------------------------

--- task.spawn(fn_or_thread, ...) -> handle: runs it now, until its first wait.
-- The bookkeeping halves of spawn, defer and delay, after their checks (critical: the
-- watchdog never leaves a task made but never started).
local start_now = rt.critical(function(co, ...)
  local t = sched.task_new(co, "task")
  local h = handle_of(t)
  sched.resume_task(t, ...)
  return h
end)

local start_deferred = rt.critical(function(co, args)
  local t = sched.task_new(co, "deferred")
  sched.defer({ owner = t.owner, run = function()
    if t.status == "suspended" and not t.cancel_requested then
      sched.resume_task(t, unpack(args, 1, args.n))
    end
  end })
  return handle_of(t)
end)

local start_later = rt.critical(function(co, due, args)
  local t = sched.task_new(co, "task")
  sched.wake_at(t, due, args)
  return handle_of(t)
end)

function M.spawn(fn, ...)
  local co = check_task_target(fn, 1, "task.spawn")
  return start_now(co, ...)
end

--- task.defer(fn_or_thread, ...) -> handle: runs it in this step's deferred phase (FIFO).
function M.defer(fn, ...)
  local co = check_task_target(fn, 1, "task.defer")
  return start_deferred(co, pack(...))
end

--- task.delay(seconds, fn_or_thread, ...) -> handle: starts it after `seconds` of game time.
function M.delay(seconds, fn, ...)
  check_finite(seconds, 1, "task.delay", true)
  local co = check_task_target(fn, 2, "task.delay")
  return start_later(co, sched.now_key() + sched.seconds_to_key(math.max(0, seconds or 0)), pack(...)) -- < 0 as 0
end

local current_task, wait_until_key, now_key = sched.current_task, sched.wait_until_key, sched.now_key

--- task.wait(seconds?) -> waited: suspends the current task; returns the game seconds
--- actually waited. Without an argument, waits until the next step.
function M.wait(seconds)
  if seconds ~= nil then check_finite(seconds, 1, "task.wait") end
  local t = current_task("task.wait")
  local due = now_key()
  if seconds and seconds > 0 then due = due + sched.seconds_to_key(seconds) end
  return wait_until_key(t, due)
end

--- task.wait_frames(n) -> waited: suspends the current task for n steps (at least one).
function M.wait_frames(n)
  check_finite(n, 1, "task.wait_frames", true)
  local t = sched.current_task("task.wait_frames")
  n = math.max(1, math.ceil(n or 1))
  return sched.wait_until_key(t, (sched.frame + n) * 1000)
end

--- task.wait_until(predicate, timeout_seconds?) -> ok: checks `predicate()` now and then once
--- per step; true when it holds, false when the timeout passed first.
function M.wait_until(predicate, timeout)
  check_callable(predicate, 1, "task.wait_until")
  check_finite(timeout, 2, "task.wait_until", true)
  local t = sched.current_task("task.wait_until")
  local deadline = timeout and sched.now_key() + sched.seconds_to_key(math.max(0, timeout))
  while true do
    if predicate() then return true end
    if deadline and sched.now_key() >= deadline - 1e-9 then return false end
    sched.wait_until_key(t, sched.now_key())
  end
end

--- task.cancel(handle_or_thread) -> boolean: true if a live task was cancelled. Safe to
--- repeat. Cancelling the running task ends it at its next wait.
function M.cancel(h)
  if h == nil then return false end
  local t = record_from(h)
  if not t then
    if type(h) == "thread" or getmetatable(h) == "task" then return false end
    arg_error(1, "task.cancel", "task handle", h, 2)
  end
  return sched.task_cancel(t)
end

--- task.await(handle) -> ...: waits until the task finishes and returns its results; raises
--- its error if it failed, or an error if it was cancelled.
function M.await(h)
  local target = record_from(h)
  if not target then arg_error(1, "task.await", "task handle", h, 2) end
  if target.status == "suspended" or target.status == "running" then
    local t = sched.current_task("task.await")
    if target == t then error("task.await: a task cannot await itself", 2) end
    local waiters = target.waiters
    if not waiters then waiters = {}; target.waiters = waiters end
    waiters[#waiters + 1] = t
    sched.suspend(t)
  end
  local status = target.status
  if status == "errored" then error("awaited task failed: " .. tostring(target.error_message), 2) end
  if status == "cancelled" then error("awaited task was cancelled", 2) end
  local r = target.results
  if r then return unpack(r, 1, r.n) end
end

-- Coroutines made by scripts ----------------------------------------------------------------

-- After coroutine.resume(co, ...) returned: if `co` yielded the scheduler sentinel, a wait
-- inside it must suspend the enclosing task; pass the yield outward and resume `co` with
-- whatever the scheduler passes back.
-- Coroutines that died from the watchdog's abort. Lua raised the abort inside the count hook,
-- so such a thread has hooks off for good: running its pending `__close` handlers (which
-- coroutine.close or a wrap's error path would do) would run script code unwatched. They are
-- never closed. Weak keys.
local killed = setmetatable({}, { __mode = "k" })
M.killed = killed

local function pass_through(co, ok, first, ...)
  if ok and first == SCHED and costatus(co) == "suspended" then
    if not coisyieldable() then
      error("cannot wait here: a coroutine waited while being resumed from C code", 0)
    end
    return pass_through(co, coresume(co, coyield(SCHED)))
  end
  if not ok and rt.aborting() then -- the watchdog's abort is not catchable
    killed[co] = true
    error(first, 0)
  end
  return ok, first, ...
end

local function check_user_thread(co, fname)
  if type(co) ~= "thread" then arg_error(1, fname, "coroutine", co, 3) end
  if owned_threads[co] then
    error(string.format("bad argument #1 to '%s' (this coroutine belongs to the scheduler; use task.cancel)", fname), 3)
  end
end

local function wrap_result(co, ok, ...)
  if ok then return ... end
  local err = ...
  if costatus(co) == "dead" and not killed[co] then
    local closed, close_err = coclose(co)
    if not closed and rt.aborting() then error(close_err, 0) end
  end
  if type(err) == "string" then error(err, 2) end
  error(err, 0)
end

--- The sandbox's `coroutine` table.
M.coroutine = {
  create = function(fn)
    check_callable(fn, 1, "coroutine.create")
    return cocreate(as_function(fn))
  end,
  resume = function(co, ...)
    check_user_thread(co, "coroutine.resume")
    return pass_through(co, coresume(co, ...))
  end,
  wrap = function(fn)
    check_callable(fn, 1, "coroutine.wrap")
    local co = cocreate(as_function(fn))
    return function(...)
      return wrap_result(co, pass_through(co, coresume(co, ...)))
    end
  end,
  yield = coyield,
  status = costatus,
  running = corunning,
  isyieldable = coisyieldable,
  close = function(co)
    check_user_thread(co, "coroutine.close")
    if killed[co] then return false, "cannot close a coroutine the watchdog stopped" end
    local ok, err = coclose(co)
    if not ok and rt.aborting() then error(err, 0) end -- an abort in a __close handler goes on
    return ok, err
  end,
}

rt.globals.task = {
  spawn = M.spawn, defer = M.defer, delay = M.delay, wait = M.wait,
  wait_frames = M.wait_frames, wait_until = M.wait_until, cancel = M.cancel, await = M.await,
}
rt.globals.coroutine = M.coroutine

return M
