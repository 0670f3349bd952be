-- Host functions exposed to scripts (runtime.expose). Calling one from a task suspends the
-- task until the host's promise settles; the result is applied at the start of a later
-- step, never mid-step. A call whose task was cancelled, or whose owner was destroyed, is
-- forgotten: its late result is dropped.
local rt = ...
local sched = rt.scheduler

local M = {}

local pack, unpack, select = table.pack, table.unpack, select
local calls = {} -- call id -> call record

local function forget(call)
  calls[call.call_id] = nil
  rt.slot_release(call)
end

-- Tail-called by the host function's Lua wrapper, so level 2 is the script's call site.
local function settle_done(ok, ...)
  if ok then return ... end
  error((...), 2)
end

local host_call = rt.host.call
local function start_call(name, ...)
  local ok, id = pcall(host_call, name, ...)
  if not ok then error(id, 3) end
  return id
end

-- Records a started call (critical: the watchdog never stops it half way).
local register = rt.critical(function(call_id, t)
  local call = { kind = "host-call", call_id = call_id, task = t, owner = rt.ctx.owner }
  rt.slot_new(call)
  call.cancel = function() forget(call); return true end
  calls[call_id] = call
  t.on_finish = function() if calls[call_id] == call then forget(call) end end
end)

-- Public ------------------------------------------------------------------------------

--- Makes the Lua function that stands for host function `name`.
function M.make(name)
  return function(...)
    local t = sched.current_task(name)
    register(start_call(name, ...), t)
    return settle_done(sched.suspend(t))
  end
end

--- Applies a settlement from the host (called at the start of a step).
function M.settle(call_id, ok, values)
  local call = calls[call_id]
  if not call then return end
  forget(call)
  local t = call.task
  t.on_finish = false
  if t.status ~= "suspended" then return end
  if ok then
    sched.resume_task(t, true, unpack(values, 1, values.n or #values))
  else
    sched.resume_task(t, false, values)
  end
end

--- Registers `name` as a global host function in the sandbox.
function M.expose(name)
  rt.globals[name] = M.make(name)
end

return M
