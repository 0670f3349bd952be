-- Snapshots for the inspector: what is pending, whose it is, when it is due, and (while
-- site recording is on) where in the scripts it was created.
local rt = ...
local sched = rt.scheduler

local M = {}

local getinfo = rt.debug.getinfo

--- "chunk:line" of the script code that called into the runtime API (skips runtime frames).
local function creation_site()
  for level = 3, 40 do
    local info = getinfo(level, "Sl")
    if not info then break end
    if info.what ~= "C" and not info.short_src:find("^moonstep/") then
      return info.short_src .. ":" .. tostring(info.currentline)
    end
  end
  return "?"
end

-- Public ------------------------------------------------------------------------------

--- Turns creation-site recording on or off (it costs a debug.getinfo walk per timer/task).
function M.record_sites(on)
  rt.site_of = on and creation_site or nil
end

--- A plain-data snapshot of pending work, ordered by id.
function M.snapshot()
  local timers, tasks = {}, {}
  local records = {}
  for _, record in rt.slot_each() do
    if not record.released then records[#records + 1] = record end
  end
  table.sort(records, function(a, b) return a.id < b.id end)
  for _, r in ipairs(records) do
    local owner = r.owner and r.owner.label or "-"
    if r.kind == "timer" then
      timers[#timers + 1] = { id = r.id, owner = owner, due_step = sched.step_for(r.due),
        interval = r.period and true or false, site = rt.sites[r] or "" }
    elseif r.kind == "task" then
      tasks[#tasks + 1] = { id = r.id, owner = owner, status = r.status,
        wake_step = r.wake and sched.step_for(r.wake.due) or 0, site = rt.sites[r] or "" }
    end
  end
  local entities = rt.entities and rt.entities.snapshot() or {}
  return { timers = timers, tasks = tasks, entities = entities, live_slots = rt.slot_count(), frame = sched.frame }
end

--- The last step's phase times in milliseconds (nil unless profiling is on).
function M.profile()
  local p = sched.profile
  if not p then return nil end
  return { inputs = p.inputs, timers = p.timers, tasks = p.tasks, updates = p.updates, deferred = p.deferred,
           sync = p.sync }
end

rt.entry.inspect = M.snapshot
rt.entry.profile = M.profile
rt.entry.set_profiling = sched.set_profiling
rt.entry.record_sites = M.record_sites

return M
