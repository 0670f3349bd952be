-- moonstep runtime core: privileged captures, the slot store, owners and error reporting.
-- Loaded first, with the table of host functions as its argument. Every later runtime
-- chunk receives the table this chunk returns (`rt`) and adds its part to it.
-- Nothing here is reachable from scripts: the sandbox hands out only what it chooses.
local host = ...

local M = {}

-- Public ------------------------------------------------------------------------------

--- Host functions (C closures into JS). Private to the runtime.
M.host = host

--- Privileged standard functions captured before the sandbox hides them.
M.debug = { traceback = debug.traceback, sethook = debug.sethook, gethook = debug.gethook,
            getinfo = debug.getinfo, getregistry = debug.getregistry,
            getmetatable = debug.getmetatable }

--- Sentinel a scheduler yield carries, so user coroutines can pass it through.
M.SCHED = setmetatable({}, { __name = "moonstep.sched", __metatable = false })

--- Entry points the host calls (name -> function); the host keeps a registry ref to each.
M.entry = {}

--- Globals the sandbox offers to scripts; API modules add to it (name -> value).
M.globals = {}

--- Where each interval, task and entity was created ("script:line"), while the inspector
--- records creation sites (see inspect.lua); weak keys. (A one-shot timer's site is kept in
--- its bucket: see queue.lua.)
M.sites = setmetatable({}, { __mode = "k" })

--- Tables with fields `rawset` must not touch (entity `self` tables): table -> set of keys.
M.guarded_fields = setmetatable({}, { __mode = "k" })

--- Tables scripts must never modify (the sandbox's proxies and API tables); weak keys.
M.protected = setmetatable({}, { __mode = "k" })

--- The slot store: every Lua function or coroutine the runtime keeps for later lives in one
--- record here, under an id that is never reused. Anchored in the Lua registry. (One-shot
--- timers are the exception: the scheduler's queue holds them, with even ids of their own;
--- record ids are odd. See queue.lua.)
local slots = {}
local live_slots = 0
-- Owners that were given new records after they died (code still running after its own
-- entity:destroy()): all they own is cancelled at the next flush, before any of it can run.
local zombies, nzombies = {}, 0
local next_id = -1
local dead = {}
local ndead = 0
M.debug.getregistry()["moonstep.slots"] = slots

--- True if `item` of an owner's list is still live: a record (live while the store holds
--- it and it is not marked `released`) or a one-shot timer's id (live while pending).
local function item_live(item)
  if type(item) == "number" then return M.queue.oneshot_live(item) end
  return slots[item.id] == item and not item.released
end

-- Each owner keeps its records in an append-only list (cheaper than a hash insert and delete
-- per record); dead items are dropped from it when it fills up (amortized O(1)).
local function owner_compact(owner)
  local list, n, kept = owner.list, owner.n, 0
  for i = 1, n do
    local item = list[i]
    list[i] = nil
    if item_live(item) then
      kept = kept + 1
      list[kept] = item
    end
  end
  owner.cap = kept * 2 > 64 and kept * 2 or 64
  return kept
end

--- Adds `item` (a record, or a one-shot timer's id) to what `owner` owns.
function M.owner_add(owner, item)
  if not owner.alive and not zombies[owner] then
    nzombies = nzombies + 1
    zombies[nzombies], zombies[owner] = owner, true
  end
  local n = owner.n + 1
  if n > owner.cap then n = owner_compact(owner) + 1 end
  owner.n = n
  owner.list[n] = item
end

--- Stores `record` (a table with `owner`, `id` and `released` fields) and returns its id.
--- A record is live while the store holds it and it is not marked `released`.
--- Records should be created with every field they will ever have, so none is added later.
function M.slot_new(record)
  next_id = next_id + 2
  local id = next_id
  record.id = id
  slots[id] = record
  live_slots = live_slots + 1
  local owner = record.owner
  if owner then M.owner_add(owner, record) end
  return id
end

--- The live record for `id`, or nil.
function M.slot_get(id)
  return slots[id]
end

--- Marks a slot for release; the release happens in a batch at the next safe point
--- (`slot_flush`), so a drain in progress never sees a record vanish under it.
function M.slot_release(record)
  if record.released then return end
  record.released = true
  ndead = ndead + 1
  dead[ndead] = record
  -- A full batch is flushed at once: code that cancels a lot of work in one callback must
  -- not hold all of it until the step ends. (Released records are already dead to every
  -- reader; the batch only spares the drain per-record bookkeeping.)
  if ndead >= 4096 then M.slot_flush() end
end

--- Releases every slot marked since the last flush. Called after each drain.
function M.slot_flush()
  if nzombies > 0 then
    local list, n = zombies, nzombies
    zombies, nzombies = {}, 0
    for i = 1, n do M.owner_cancel_all(list[i]) end
  end
  for i = 1, ndead do
    local record = dead[i]
    dead[i] = nil
    local id = record.id
    if slots[id] == record then
      slots[id] = nil
      live_slots = live_slots - 1
    end
  end
  ndead = 0
end

--- Number of live slots (released records awaiting the flush still count), pending one-shot
--- timers included.
function M.slot_count()
  return live_slots + M.queue.oneshot_count()
end

--- Every live slot record (for the inspector and the stats; one-shot timers are not records:
--- see queue.each_oneshot).
function M.slot_each()
  return pairs(slots)
end

--- Creates an owner: something that scheduled work belongs to (a script, an entity).
function M.owner_new(kind, label)
  return { kind = kind, label = label, list = {}, n = 0, cap = 64, alive = true, disabled = false,
           on_disabled = false }
end

--- What the owner still owns (records, and one-shot timers' ids), in creation order.
function M.owner_records(owner)
  local out, list = {}, owner.list
  for i = 1, owner.n do
    local item = list[i]
    if item_live(item) then out[#out + 1] = item end
  end
  return out
end

--- Watchdog state (see the Watchdog section below).
local watch = { budget = 1e7, chunk = 1e5, seen = -1, used = 0, aborting = nil, reported = nil }
M.watch = watch

--- Execution context: what the runtime is running right now. Set by whoever calls into
--- script code (the drain, a task resume), read by the APIs that schedule work.
M.ctx = { owner = nil, source = "main", task = nil, thread = nil }

--- Turns any Lua error value into a message string without running script code
--- (a `__tostring` metamethod on an error object could itself fail or loop).
function M.error_text(value)
  local t = type(value)
  if t == "string" then return value end
  if t == "number" or t == "boolean" or t == "nil" then return tostring(value) end
  return "(error object is a " .. t .. " value)"
end

local traceback = M.debug.traceback
local string_gsub = string.gsub

--- Drops the runtime's own frames (chunks named `moonstep/...`) and the engine's (`[C]: in
--- global 'error'`, ...) from a traceback: what is left is the scripts' own lines.
local function clean_traceback(tb)
  -- A script function the runtime called is named after the runtime's variable ("in local 'fn'").
  tb = string_gsub(tb, "(\n\t[^\n]-:%d+:) in %a+ '[^'\n]*'(\n\t[^\n]*moonstep/)", "%1 in function%2")
  tb = string_gsub(tb, "\n\t%[?C?%]?:? ?[^\n]*moonstep/[^\n]*", "")
  tb = string_gsub(tb, "\n\t%[C%]: in [^\n]*", "")
  return tb
end

--- Reports an error to the host: `source` says what kind of callback failed, `owner` whose
--- it was, `err` is the error value, `thread` the coroutine it happened in (for the
--- traceback; nil for the current one).
function M.report(source, owner, err, thread)
  if M.aborting() then
    -- One report per runaway callback, however many nested tasks the abort unwinds.
    local s = M.scheduler.serial()
    if watch.reported == s then return end
    watch.reported = s
  end
  local message = M.error_text(err)
  local tb
  if thread then tb = traceback(thread, nil, 0) else tb = traceback(nil, 2) end
  host.error(source or "main", owner and owner.label or "runtime", message, clean_traceback(tb or ""))
end

--- Cancels one slot record (timer, task, connection, host call) or one-shot timer id. True
--- if it was live.
function M.cancel_record(record)
  if type(record) == "number" then return M.queue.oneshot_cancel(record) end
  if record.released then return false end
  local kind = record.kind
  if kind == "timer" then return M.scheduler.timer_cancel(record) end
  if kind == "task" then return M.scheduler.task_cancel(record) end
  if record.cancel then return record.cancel(record) end
  M.slot_release(record)
  return true
end

--- Cancels everything `owner` scheduled, in creation order.
function M.owner_cancel_all(owner)
  local list = M.owner_records(owner)
  for i = 1, #list do M.cancel_record(list[i]) end
end

--- What happens to the owner of a callback the watchdog stopped: "disable-entity" (default:
--- an entity is disabled, a script goes on), "disable-owner" (any owner) or "continue".
M.runaway_policy = "disable-entity"

--- Called after a callback failed; applies the runaway policy.
function M.after_callback_error(owner, err)
  if not owner or owner.disabled or not M.aborting() then return end
  local policy = M.runaway_policy
  if policy == "continue" or (policy == "disable-entity" and owner.kind ~= "entity") then return end
  owner.disabled = true
  M.owner_cancel_all(owner)
  if owner.on_disabled then owner.on_disabled(owner) end
  M.warn(owner.label .. " was disabled: one of its callbacks ran past the instruction budget")
end

--- Trace recording (opt-in): when `M.trace` is a table, each callback appends a record.
M.trace = nil
function M.trace_record(kind, id, owner)
  local trace = M.trace
  trace[#trace + 1] = M.scheduler.frame .. " " .. kind .. " " .. tostring(id) .. " " .. (owner and owner.label or "-")
end

local debug_getmetatable = debug.getmetatable
local math_type = math.type

--- True if `v` can be called (a function, or a value whose metatable has `__call`).
function M.is_callable(v)
  if type(v) == "function" then return true end
  local mt = debug_getmetatable(v)
  return mt ~= nil and type(rawget(mt, "__call")) == "function"
end

--- Describes a value for an error message: its type, or "number (nan)" and the like.
function M.describe(v)
  local t = type(v)
  if t == "number" then
    if v ~= v then return "number (nan)" end
    if v == math.huge or v == -math.huge then return "number (" .. tostring(v) .. ")" end
    return math_type(v) == "integer" and "integer" or "number"
  end
  return t
end

--- Raises "bad argument #n to 'fname' (expected, got X)" at the API caller's line.
function M.arg_error(n, fname, expected, v, level)
  error(("bad argument #%d to '%s' (%s expected, got %s)"):format(n, fname, expected, M.describe(v)),
    (level or 2) + 1)
end

--- Checks that argument `n` of `fname` is callable (error at the API caller's line).
function M.check_callable(v, n, fname)
  if type(v) ~= "function" and not M.is_callable(v) then M.arg_error(n, fname, "function", v, 3) end
end

--- Checks that argument `n` of `fname` is a finite number, or nil when `optional`.
local huge = math.huge
function M.check_finite(v, n, fname, optional)
  if v == nil and optional then return end
  if type(v) ~= "number" or v ~= v or v == huge or v == -huge then
    M.arg_error(n, fname, "finite number", v, 3)
  end
end

-- Watchdog ------------------------------------------------------------------------------
-- The host installs a count hook that calls `watch_tick` every `watch.chunk` VM
-- instructions, in every coroutine. Each callback the scheduler starts gets `watch.budget`
-- instructions; past that the tick raises an error, and keeps raising it (the sandbox's
-- pcall, xpcall and coroutine.resume re-raise it) until the callback has unwound.

local getinfo = debug.getinfo

--- Where script code is running now: the first Lua frame up the stack that is not the
--- runtime's own, as "chunk:line" (also what the inspector records as a creation site).
local function script_location()
  for level = 2, 60 do
    local info = getinfo(level, "Sl")
    if not info then break end
    if info.what ~= "C" and not info.short_src:find("^moonstep/") then
      return info.short_src .. ":" .. tostring(info.currentline)
    end
  end
  return "?"
end
M.script_location = script_location

--- Called by the host's count hook. Errors when the current callback is over budget.
function M.watch_tick()
  local s = M.scheduler.serial()
  if s < 0 then return end
  if s ~= watch.seen then
    watch.seen, watch.used = s, 0
  end
  local used = watch.used + watch.chunk
  watch.used = used
  if used > watch.budget then
    -- Never stop the runtime's own code halfway through its bookkeeping (a record half
    -- made would leak): the abort lands on the next tick that finds script code running.
    for level = 2, 4 do
      local info = getinfo(level, "S")
      if not info then break end
      if info.what ~= "C" then
        if info.short_src:find("^moonstep/") then return end
        break
      end
    end
    watch.aborting = s
    error(("%s: script stopped: instruction budget exceeded (%d VM instructions)")
      :format(script_location(), math.floor(watch.budget)), 0)
  end
end

--- True while the running callback is being aborted by the watchdog.
function M.aborting()
  return watch.aborting ~= nil and watch.aborting == M.scheduler.serial()
end

--- Sets the per-callback budget (instructions), the tick interval and the runaway policy.
function M.entry.set_budget(budget, chunk, policy)
  watch.budget, watch.chunk = budget, chunk
  M.runaway_policy = policy
end

--- Sends a warning (not an error) to the host's `warning` event.
function M.warn(message)
  host.warn(message)
end

return M
