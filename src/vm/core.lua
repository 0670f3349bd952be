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
    zombies[nzombies + 1], zombies[owner] = owner, true
    nzombies = nzombies + 1
  end
  local n = owner.n + 1
  if n > owner.cap then n = owner_compact(owner) + 1 end
  owner.list[n] = item -- (grown before counted: out of memory here leaves the list as it was)
  owner.n = n
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
--- It belongs to mod `mod` (default: the mod of the running owner, else the game's).
function M.owner_new(kind, label, mod)
  if not mod then
    local running = M.ctx.owner
    mod = running and running.mod or M.mods.game
  end
  local owner = { kind = kind, label = label, list = {}, n = 0, cap = 64, alive = not mod.disabled,
                  disabled = mod.disabled, on_disabled = false, mod = mod }
  if kind ~= "entity" then mod.owners[owner] = true end -- (entities: see owner_sources)
  return owner
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
local watch = { budget = 1e7, first_period = 256, armed = false,
                seen = -1, used = 0, spent = {}, root = nil,
                aborting = nil, reported = nil, punished = nil, blame = nil, why = nil,
                idle_used = 0, step_budget = 5e7, tight = false, abort_n = 0, share_of = nil }
M.watch = watch

--- Execution context: what the runtime is running right now. Set by whoever calls into
--- script code (the drain, a task resume), read by the APIs that schedule work.
M.ctx = { owner = nil, source = "main", task = nil, thread = nil }
local ctx = M.ctx

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

--- Drops the runtime's own frames (chunks named `moonstep/...`, a prefix script chunk names
--- can never have: see sandbox.script_chunkname) and the engine's (`[C]: in global 'error'`,
--- ...) from a traceback: what is left is the scripts' own lines.
local function clean_traceback(tb)
  -- A script function the runtime called is named after the runtime's variable ("in local 'fn'").
  tb = string_gsub(tb, "(\n\t[^\n]-:%d+:) in %a+ '[^'\n]*'(\n\tmoonstep/)", "%1 in function%2")
  tb = string_gsub(tb, "\n\tmoonstep/[^\n]*", "")
  tb = string_gsub(tb, "\n\t%[C%]: in [^\n]*", "")
  return tb
end

--- Reports an error to the host: `source` says what kind of callback failed, `owner` whose
--- it was, `err` is the error value, `thread` the coroutine it happened in (for the
--- traceback; nil for the current one). The error's kind is decided here, from what the
--- runtime knows (a watchdog abort is "timeout"), never from the message's text.
function M.report(source, owner, err, thread, kind)
  if M.aborting() then
    -- One report per runaway callback, however many nested tasks the abort unwinds.
    local s = M.scheduler.serial()
    if watch.reported == watch.abort_n then return end
    watch.reported = watch.abort_n
    local share_of = watch.share_of
    if share_of then
      -- A mod over its share of the step: its first stopped callback is reported, the rest
      -- of its work in this step is stopped without a report each.
      if share_of.over_reported then return end
      share_of.over_reported = true
    end
    owner = watch.blame or owner
    kind = "timeout"
  end
  local message = M.error_text(err)
  local tb
  if thread then tb = traceback(thread, nil, 0) else tb = traceback(nil, 2) end
  host.error(source or "main", owner and owner.label or "runtime", message, clean_traceback(tb or ""), kind or "error")
end

--- Reports an error with no traceback, allocating nothing on the Lua side (every string it
--- passes exists already): the fallback when a report found no memory.
function M.report_bare(source, owner, err)
  local message = type(err) == "string" and err or "(error object)"
  return host.error(source or "main", owner and owner.label or "runtime", message, "", "error")
end

-- Reports that could not be made at all (not even bare: no memory for the call): counted
-- here (no allocation) and reported at the end of the step (M.report_lost_flush).
local lost = { n = 0, source = false, owner = false }

--- Reports `err` however little memory there is: fully, bare, or counted for the step's end.
function M.report_anyway(source, owner, err, thread)
  if pcall(M.report, source, owner, err, thread) then return end
  if pcall(M.report_bare, source, owner, err) then return end
  lost.n = lost.n + 1
  if not lost.owner then lost.source, lost.owner = source or "main", owner or false end
end

--- Called by the step's end (the runtime's code, with its memory reserve): reports the
--- reports that were lost for lack of memory, if any.
function M.report_lost_flush()
  local n = lost.n
  if n == 0 then return end
  local owner = lost.owner
  lost.n, lost.source, lost.owner = 0, false, false
  host.error("main", owner and owner.label or "runtime",
    string.format("not enough memory (%d error report(s) of this step could not be made: the heap was full)", n), "", "error")
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
--- an entity is disabled, a script goes on), "disable-owner" (any owner), "disable-mod" (every
--- owner of the mod, and the mod runs nothing more) or "continue". A mod may have its own.
M.runaway_policy = "disable-entity"

local function disable_owner(owner, why)
  if owner.disabled then return end
  owner.disabled = true
  M.owner_cancel_all(owner)
  if owner.on_disabled then owner.on_disabled(owner) end
  M.warn(owner.label .. " was disabled: " .. why)
end

--- Functions `f(mod, list)` that append the live owners of `mod` they know of to `list`
--- (the entities module adds one; a mod keeps only its other owners itself).
M.owner_sources = {}

--- Disables mod `mod`: every owner it has, and every owner it makes from now on.
function M.mod_disable(mod, why)
  if mod.disabled then return end
  mod.disabled = true
  local list = {}
  for owner in next, mod.owners do list[#list + 1] = owner end
  for i = 1, #M.owner_sources do M.owner_sources[i](mod, list) end
  table.sort(list, function(a, b) return a.label < b.label end)
  for i = 1, #list do
    local owner = list[i]
    if owner.kind == "script" then owner.alive = false end
    disable_owner(owner, why)
  end
  M.warn("mod '" .. mod.name .. "' was disabled: " .. why)
end

--- The running owner went over a quota of what crosses to the host (prints, emits, host
--- calls, errors): the runaway policy applies to it as to a callback that ran away (a mod's
--- 'disable-mod' disables the mod; 'disable-entity' an entity; 'disable-owner' any owner).
function M.entry.over_quota()
  local owner = ctx.owner
  if not owner or owner.disabled then return end
  local mod = owner.mod
  local policy = mod.policy or M.runaway_policy
  local why = "it went over a quota of what scripts may hand the game per step"
  if policy == "disable-mod" then return M.mod_disable(mod, why) end
  if policy == "continue" or (policy == "disable-entity" and owner.kind ~= "entity") then return end
  disable_owner(owner, why)
end

--- Called after a callback failed; applies the runaway policy (once per aborted callback,
--- to the owner whose code spent the budget).
function M.after_callback_error(owner, err)
  if not M.aborting() then return end
  local s = M.scheduler.serial()
  if watch.punished == watch.abort_n then return end
  watch.punished = watch.abort_n
  local share_of = watch.share_of
  if share_of then
    -- Over the mod's share of the step: the mod's runaway policy says whether the mod is
    -- disabled; no single owner is (the one that crossed the line is not to blame).
    if (share_of.policy or M.runaway_policy) == "disable-mod" then
      M.mod_disable(share_of, "it ran past its share of the step")
    end
    return
  end
  owner = watch.blame or owner
  if not owner then return end
  local mod = owner.mod
  local policy = mod.policy or M.runaway_policy
  local why = "one of its callbacks ran past the instruction budget"
  if policy == "disable-mod" then return M.mod_disable(mod, why) end
  if owner.disabled or policy == "continue" or (policy == "disable-entity" and owner.kind ~= "entity") then return end
  disable_owner(owner, why)
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
  error(string.format("bad argument #%d to '%s' (%s expected, got %s)", n, fname, expected, M.describe(v)),
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
-- The trust model (docs/reliability.md) in code. The host installs a count hook on every
-- thread; each tick calls `watch_tick(n)`, where n is the instructions the thread may run
-- until its next tick (charged in advance). A new thread's first period is short
-- (`watch.first_period`, also charged when the thread is made, see thread_new) and doubles at
-- each tick up to the long period, so a coroutine that finishes between two ticks was paid
-- for all the same: no code escapes the count by running in fresh coroutines.
--
-- Accounts: each callback the scheduler starts (a serial; work it starts itself shares it)
-- gets `watch.budget` instructions; each mod gets its share of every step. Past either, the
-- running callback is aborted. The abort never lands on the main thread (the runtime's own
-- stack) nor inside a function the runtime marked critical (by identity: names are never
-- trusted); it is retried 64 instructions later. While a callback is being aborted every
-- tick raises again, the sandbox's pcall/xpcall/coroutine wrappers re-raise it, and no
-- message handler of the script runs (Lua runs those with hooks off).

local getinfo = debug.getinfo
local corunning = coroutine.running
local cocreate = coroutine.create
local math_floor = math.floor
local string_find, string_format = string.find, string.format

-- Functions whose frames an abort must not cut (bookkeeping that would be left half done).
-- They never call script code on their own thread, and their work is bounded.
local critical = {}

--- Marks `fn` as runtime bookkeeping the watchdog must not interrupt. Returns `fn`.
function M.critical(fn)
  critical[fn] = true
  return fn
end

--- Marks every function of module table `t` critical.
function M.critical_module(t)
  for _, v in next, t do
    if type(v) == "function" then critical[v] = true end
  end
end

-- True if a critical function is among the 12 frames above `level` of the running thread.
local function in_critical(level)
  for l = level + 1, level + 12 do
    local info = getinfo(l, "f")
    if not info then return false end
    if critical[info.func] then return true end
  end
  return false
end

--- Where script code is running now: the first Lua frame up the stack that is not the
--- runtime's own, as "chunk:line" (also what the inspector records as a creation site).
--- (Script chunk names can never start with "moonstep/": see sandbox.script_chunkname.)
local function script_location()
  for level = 2, 60 do
    local info = getinfo(level, "Sl")
    if not info then break end
    if info.what ~= "C" and not string_find(info.short_src, "^moonstep/") then
      return info.short_src .. ":" .. tostring(info.currentline)
    end
  end
  return "?"
end
M.script_location = script_location

local NOBODY = {}
local host_hook_period = host.hook_period

-- Over budget: aborts the running callback, unless this is the main thread (the runtime's
-- own stack: nothing is ever raised there) or the abort must wait (a critical section, or a
-- thread being made). Then the thread's next tick comes at its next instruction and decides
-- again: critical sections are short, so the abort lands as soon as one is left (a longer
-- retry period could keep landing in the same place of a loop, in step with it).
local deferred_abort = false -- true while charging where an abort must not be raised
local retry = false          -- set when an abort waits: the next tick comes soon
-- How soon: 1 instruction after the first wait, doubling while it keeps waiting (a long
-- critical section, such as destroying an entity that holds many connections, then costs a
-- few ticks, not one per instruction), back to 1 once an abort lands.
local retry_period = 1

local function abort(s, level, why, blame, share_of)
  local _, ismain = corunning()
  if ismain then return end
  if deferred_abort or in_critical(level) then
    -- (A mod over its share is stopped at its threads' next ticks, short in tight mode; a
    -- retry at every instruction would mostly land in the code of the mods it runs inside.)
    if not share_of then retry = true end
    return
  end
  if watch.aborting ~= s then
    watch.abort_n = watch.abort_n + 1
    watch.aborting, watch.why, watch.share_of = s, why, share_of
    -- Blame the owner whose code spent the most of this callback's instructions.
    if not blame then
      local best, most = nil, -1
      for owner, n in next, watch.spent do
        if n > most and owner ~= NOBODY then best, most = owner, n end
      end
      blame = best
    end
    watch.blame = blame
  end
  retry_period = 1
  host_hook_period(64) -- while the abort unwinds, handlers that loop are stopped soon
  error(string_format("%s: script stopped: %s", script_location(), watch.why), 0)
end

-- Charges `n` instructions to the running callback, its owner and its mod.
local function account(n, level)
  local s = M.scheduler.serial()
  if s < 0 then
    -- No callback runs: the runtime's own work between callbacks. Script code never runs
    -- here by design; should any, the step's whole budget bounds it.
    local used = watch.idle_used + n
    watch.idle_used = used
    if used > watch.step_budget then abort(s, level + 1, "the runtime's work exceeded the step budget") end
    return
  end
  if s ~= watch.seen then
    watch.seen, watch.used, watch.spent = s, 0, {}
    watch.root = M.scheduler.root_owner() or ctx.owner
  end
  local used = watch.used + n
  watch.used = used
  local owner = ctx.owner or NOBODY
  local spent = watch.spent
  spent[owner] = (spent[owner] or 0) + n
  local root = watch.root
  local mod = root and root.mod or M.mods.game
  local mod_used = mod.step_used + n
  mod.step_used = mod_used
  if watch.aborting == s then
    abort(s, level + 1)
  elseif used > watch.budget then
    abort(s, level + 1, string_format("instruction budget exceeded (%d VM instructions)", math_floor(watch.budget)))
  elseif mod_used > mod.step_budget then
    if not mod.over then
      mod.over = true
      watch.tight = true
    end
    abort(s, level + 1, string_format("mod '%s' exceeded its share of the step (%d VM instructions)",
      mod.name, math_floor(mod.step_budget)), root, mod)
  end
end

--- Called by the host's count hook with the instructions the thread may run until its
--- next tick. Errors when the running callback must stop.
function M.watch_tick(n)
  retry = false
  account(n, 2)
  if retry then
    host_hook_period(retry_period)
    if retry_period < 4096 then retry_period = retry_period * 2 end
  elseif watch.tight then
    host_hook_period(watch.first_period) -- a mod is over its share: its work stops soon
  end
end

--- Charges `n` instruction-equivalents of work done in C on the script's behalf (a long
--- string scan, a big table operation). May abort the running callback.
function M.charge(n)
  if watch.armed then account(n, 2) end
end

local host_hook_thread = host.hook_thread

--- coroutine.create for everything the runtime or a script runs in a coroutine: the new
--- thread's count starts at the short first period, charged now to the running callback.
--- (Making a thread never raises the abort itself: the caller may be half way through its
--- bookkeeping. Over budget, the running thread's next tick comes 64 instructions later.)
function M.thread_new(fn)
  local co = cocreate(fn)
  if watch.armed then
    host_hook_thread(co)
    deferred_abort = true
    retry = false
    account(watch.first_period, 2)
    deferred_abort = false
    if retry then host_hook_period(1) end
  end
  return co
end

--- Called when the abort has unwound out of a task or list item that `owner` ran inside a
--- callback it did not start (its init, its event handler): if `owner` is the one blamed, the
--- abort ends there: what it spent leaves the callback's count with it, and the callback that
--- started it goes on (a step share overrun is never contained).
function M.abort_contained(owner)
  if not owner or watch.share_of or not M.aborting() or watch.blame ~= owner then return end
  if owner == watch.root then return end
  local spent = watch.spent[owner] or 0
  watch.spent[owner] = nil
  watch.used = watch.used - spent
  watch.aborting, watch.blame = nil, nil
end

--- The running callback's accounts, saved while another mod's callback runs inside it (see
--- scheduler.as_own_callback), and put back after.
function M.watch_save()
  return watch.seen, watch.used, watch.spent, watch.root
end
--- Instructions charged so far to callback serial `s` (0 if it is not the one counted now).
function M.watch_used_by(s)
  if watch.seen == s then return watch.used end
  return 0
end
function M.watch_restore(seen, used, spent, root)
  watch.seen, watch.used, watch.spent, watch.root = seen, used, spent, root
end

--- True while the running callback is being aborted by the watchdog.
function M.aborting()
  return watch.aborting ~= nil and watch.aborting == M.scheduler.serial()
end

--- Resets the per-step accounts (called at the start of each step).
function M.watch_new_step()
  watch.idle_used = 0
  watch.tight = false
  for _, mod in next, M.mods do
    mod.step_used, mod.over, mod.over_reported = 0, false, false
    if next(mod.caused) then mod.caused = {} end
  end
end

--- Sets the per-callback budget (instructions), the runaway policy, the first hook period
--- and the step budget.
function M.entry.set_budget(budget, first_period, policy, step_budget)
  watch.budget, watch.first_period, watch.step_budget = budget, first_period, step_budget
  watch.armed = true
  M.runaway_policy = policy
end

-- Mods --------------------------------------------------------------------------------
-- A mod is the unit of trust: a named set of scripts with its own modules, its own share of
-- each step and its own runaway policy. The game's own scripts are the mod "game".

--- name -> mod record.
M.mods = {}

--- Creates (or returns) mod `name`.
function M.mod_new(name, step_budget, policy)
  local mod = M.mods[name]
  if not mod then
    mod = { name = name, step_used = 0, over = false, over_reported = false, disabled = false, policy = false,
            caused = {}, -- causing mod -> instructions its emits and sends made this mod spend this step

            step_budget = 5e7, owners = setmetatable({}, { __mode = "k" }),
            loaded = {}, loading = {}, behaviours = {} }
    M.mods[name] = mod
  end
  if step_budget then mod.step_budget = step_budget end
  if policy then mod.policy = policy end
  return mod
end
M.mod_new("game")

--- Registers mod `name` (host entry): its step share and runaway policy ("" for the default).
function M.entry.define_mod(name, step_budget, policy)
  M.mod_new(name, step_budget, policy ~= "" and policy or nil)
end

-- The slot store, owners and reporting are bookkeeping an abort must not cut.
for _, fn in ipairs({ M.owner_add, M.slot_new, M.slot_release, M.slot_flush, M.owner_new, M.owner_records,
  M.report, M.cancel_record, M.owner_cancel_all, M.after_callback_error, M.mod_disable, M.mod_new,
  M.trace_record }) do
  critical[fn] = true
end

--- Sends a warning (not an error) to the host's `warning` event.
function M.warn(message)
  host.warn(message)
end

return M
