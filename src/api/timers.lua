-- Timers for scripts: the browser-style globals in milliseconds (setTimeout, setInterval,
-- clearTimeout, clearInterval), the same timers in seconds (timers.after, timers.every,
-- timers.cancel), and the `time` module (seconds). Both families are one kind of timer on
-- one scheduler: ids are interchangeable, and clearing accepts either kind and ignores nil,
-- unknown and already-cleared ids.
local rt = ...
local sched = rt.scheduler

local M = {}

local check_callable, check_finite = rt.check_callable, rt.check_finite
local slot_get = rt.slot_get
local select, pack = select, table.pack
local math_type, math_tointeger = math.type, math.tointeger
local timer_new, ms_to_key, seconds_to_key = sched.timer_new, sched.ms_to_key, sched.seconds_to_key

-- Public ------------------------------------------------------------------------------

--- setTimeout(fn, ms?, ...) -> id: calls fn(...) once, in the first step at least `ms`
--- milliseconds of game time from now (nil, 0 or negative: the next step).
function M.setTimeout(fn, ms, ...)
  check_callable(fn, 1, "setTimeout")
  check_finite(ms, 2, "setTimeout", true)
  local args = select("#", ...) > 0 and pack(...) or nil
  local id = timer_new(fn, ms_to_key(ms or 0), nil, args)
  if not id then error("setTimeout: " .. rt.queue.STEP_FULL, 2) end
  return id
end

--- setInterval(fn, ms?, ...) -> id: calls fn(...) at start + k*ms for k = 1, 2, ... exactly;
--- at most once per step (missed occurrences are skipped, never bunched).
function M.setInterval(fn, ms, ...)
  check_callable(fn, 1, "setInterval")
  check_finite(ms, 2, "setInterval", true)
  local args = select("#", ...) > 0 and pack(...) or nil
  return sched.timer_new(fn, nil, sched.ms_to_key(ms or 0), args)
end

--- clearTimeout(id): cancels a timer or interval; returns true if it was pending. Only
--- the owner's own timers can be cleared: ids are plain integers, and one script must not
--- cancel another's work by guessing them (a foreign id is ignored like an unknown one).
function M.clearTimeout(id)
  if math_type(id) ~= "integer" then
    if type(id) ~= "number" then return false end
    id = math_tointeger(id) -- 12.0 names timer 12; 12.5 names none
    if not id then return false end
  end
  -- One-shot timers have even ids and live in the scheduler's queue; intervals are records.
  if id % 2 == 0 then return rt.queue.oneshot_cancel(id, true, rt.ctx.owner) end
  local e = slot_get(id)
  if e == nil or e.kind ~= "timer" or e.owner ~= rt.ctx.owner then return false end
  return sched.timer_cancel(e)
end

--- clearInterval(id): same as clearTimeout.
M.clearInterval = M.clearTimeout

--- timers.after(seconds, fn, ...) -> id: setTimeout in seconds: calls fn(...) once, in the
--- first step at least `seconds` of game time from now (0 or negative: the next step).
function M.after(seconds, fn, ...)
  check_finite(seconds, 1, "timers.after")
  check_callable(fn, 2, "timers.after")
  local args = select("#", ...) > 0 and pack(...) or nil
  local id = timer_new(fn, seconds_to_key(seconds), nil, args)
  if not id then error("timers.after: " .. rt.queue.STEP_FULL, 2) end
  return id
end

--- timers.every(seconds, fn, ...) -> id: setInterval in seconds: calls fn(...) at
--- start + k*seconds exactly, at most once per step (0 or negative: every step).
function M.every(seconds, fn, ...)
  check_finite(seconds, 1, "timers.every")
  check_callable(fn, 2, "timers.every")
  local args = select("#", ...) > 0 and pack(...) or nil
  return timer_new(fn, nil, seconds_to_key(seconds), args)
end

--- time.now() -> game seconds at the start of the current step (0 before the first step).
--- time.frame() -> steps run so far. time.dt() -> the step length in seconds.
M.time = {
  now = function() return sched.frame / sched.hz end,
  frame = function() return sched.frame end,
  dt = function() return sched.dt end,
}

rt.globals.setTimeout = M.setTimeout
rt.globals.setInterval = M.setInterval
rt.globals.clearTimeout = M.clearTimeout
rt.globals.clearInterval = M.clearInterval
rt.globals.time = M.time
rt.globals.timers = { after = M.after, every = M.every, cancel = M.clearTimeout }

return M
