-- The `events` library: named events between scripts, and between scripts and the host.
-- Handlers run at once, in subscription order, each in its own task (as task.spawn);
-- an error in one handler does not stop the others.
local rt = ...
local sched = rt.scheduler
local tasklib = rt.task

local M = {}

local check_callable, check_finite, arg_error = rt.check_callable, rt.check_finite, rt.arg_error
local pack, unpack, select, type = table.pack, table.unpack, select, type
local TIMEOUT = {}

local handlers = {} -- name -> array of connection records, in subscription order

-- Connections -----------------------------------------------------------------------------

local conn_of = setmetatable({}, { __mode = "k" })
local Connection = {}
local connection_methods = {}
M.connection_methods = connection_methods
Connection.__index = function(c, key)
  if key == "connected" then return not conn_of[c].released end
  return connection_methods[key]
end
Connection.__newindex = function() error("connections are read-only", 2) end
Connection.__metatable = "connection"
Connection.__tostring = function(c) return "connection to '" .. conn_of[c].name .. "'" end

-- A disconnected record stays in its event's list, skipped (it is released), until half the
-- list is dead: then the list is rebuilt in one pass. Cancelling n connections costs O(n), not
-- O(n^2) (removing each from the middle of a long list would).
local dead = {} -- event name -> released records still in its list
local function disconnect(record)
  if record.released then return false end
  rt.slot_release(record)
  local name = record.name
  local list = handlers[name]
  if list then
    local d = (dead[name] or 0) + 1
    local n = #list
    if d * 2 >= n then
      local kept = {}
      for i = 1, n do
        local r = list[i]
        if not r.released then kept[#kept + 1] = r end
      end
      if #kept == 0 then handlers[name], dead[name] = nil, nil
      else handlers[name], dead[name] = kept, nil end
    else
      dead[name] = d
    end
  end
  return true
end
rt.critical(disconnect)
M.disconnect = disconnect

function connection_methods.disconnect(c)
  local record = conn_of[c]
  if not record then arg_error(1, "disconnect", "connection", c, 2) end
  return disconnect(record)
end

local function connect(name, fn, once, waiter)
  if fn and type(fn) ~= "function" then -- a callable table: a coroutine needs a function
    local callable = fn
    fn = function(...) return callable(...) end
  end
  local record = { kind = "connection", name = name, fn = fn, once = once, waiter = waiter,
                   owner = rt.ctx.owner }
  rt.slot_new(record)
  record.cancel = disconnect
  local list = handlers[name]
  if not list then list = {}; handlers[name] = list end
  list[#list + 1] = record
  return record
end
rt.critical(connect)

local host_emit = rt.host.emit
local thread_new = rt.thread_new

local function check_name(name, fname)
  if type(name) ~= "string" or name == "" then arg_error(1, fname, "event name (non-empty string)", name, 3) end
end

--- Delivers an event to the Lua handlers subscribed to `name` (not to the host).
-- Runs one handler as a task of its owner (the new thread's first period is charged to it).
-- (The thread is made in a function of its own, so no register of start_handler holds it:
-- a handler that dies out of memory leaves nothing referencing its stack.)
local new_handler_task = rt.critical(function(record)
  local saved = rt.ctx.owner
  rt.ctx.owner = record.owner
  local t = sched.task_new(thread_new(record.fn), "event")
  rt.ctx.owner = saved
  return t
end)

local resume_waiter = rt.critical(function(waiter, args)
  sched.cancel_wake(waiter)
  sched.resume_task(waiter, unpack(args, 1, args.n))
end)

local start_handler = rt.critical(function(record, args)
  sched.resume_task(new_handler_task(record), unpack(args, 1, args.n))
end)

local function dispatch(name, args)
  local list = handlers[name]
  local snapshot = list and table.move(list, 1, #list, 1, {}) or {}
  local emitter_mod = sched.running_mod()
  for i = 1, #snapshot do
    local record = snapshot[i]
    local mod = record.owner and record.owner.mod
    local foreign = emitter_mod ~= nil and mod ~= nil and mod ~= emitter_mod
    -- Another mod's handler costs this emit only this check when that mod is over its
    -- share of the step or disabled (as_own_callback would refuse it anyway; this early
    -- out also keeps a once-handler connected).
    if foreign and (mod.over or mod.disabled) then goto skip end
    if not record.released then
      if record.once or record.waiter then disconnect(record) end
      local waiter = record.waiter
      if waiter then
        if waiter.status == "suspended" then
          -- Another mod's waiter resumes as a callback of its own, like its handlers.
          if foreign then sched.as_own_callback(record.owner, emitter_mod, resume_waiter, waiter, args)
          else resume_waiter(waiter, args) end
        end
      elseif foreign then
        -- Another mod's handler: a callback of its own (its mod pays, an abort stays in it).
        sched.as_own_callback(record.owner, emitter_mod, start_handler, record, args)
      else
        start_handler(record, args)
      end
    end
    ::skip::
  end
  local hook = M.after_dispatch
  if hook then hook(name, args) end
end
M.dispatch = dispatch

--- Set by the entities module: delivers each event to entities' `on_event` hooks too.
M.after_dispatch = false

-- Public ------------------------------------------------------------------------------

--- A connection handle for a new subscription of `fn` to `name`.
local new_connection = rt.critical(function(name, fn, once)
  local c = setmetatable({}, Connection)
  conn_of[c] = connect(name, fn, once)
  return c
end)

--- events.on(name, fn) -> connection: calls fn(...) on every emit of `name`.
function M.on(name, fn)
  check_name(name, "events.on")
  check_callable(fn, 2, "events.on")
  return new_connection(name, fn, false)
end

--- events.once(name, fn) -> connection: like on, but disconnects after the first call.
function M.once(name, fn)
  check_name(name, "events.once")
  check_callable(fn, 2, "events.once")
  return new_connection(name, fn, true)
end

--- events.emit(name, ...): runs the handlers now; the host hears it after the step.
function M.emit(name, ...)
  check_name(name, "events.emit")
  local ok, err = pcall(host_emit, name, ...)
  if not ok then error(err, 2) end
  dispatch(name, pack(...))
end

--- events.wait(name, timeout_seconds?) -> ...: suspends the current task until `name` is
--- emitted and returns its values; returns nothing if the timeout passes first.
function M.wait(name, timeout)
  check_name(name, "events.wait")
  check_finite(timeout, 2, "events.wait", true)
  local t = sched.current_task("events.wait")
  local record = connect(name, nil, true, t)
  local function after(...) -- exactly the emitted values: none when the event carries none
    if select("#", ...) > 0 and (...) == TIMEOUT then disconnect(record); return end
    return ...
  end
  if timeout then
    return after(sched.wait_until_key(t, sched.now_key() + sched.seconds_to_key(math.max(0, timeout)),
      { TIMEOUT, n = 1 }))
  end
  return after(sched.suspend(t))
end

rt.globals.events = { on = M.on, once = M.once, emit = M.emit, wait = M.wait }

return M
