-- Snapshots for the inspector: what is pending, whose it is, when it is due, and (while
-- site recording is on) where in the scripts it was created.
local rt = ...
local sched = rt.scheduler

local M = {}

-- Public ------------------------------------------------------------------------------

--- Turns creation-site recording on or off (it costs a debug.getinfo walk per timer/task).
function M.record_sites(on)
  rt.site_of = on and rt.script_location or nil
end

--- A plain-data snapshot of pending work: timers in the order they will fire, tasks by id.
function M.snapshot()
  local timers, tasks = {}, {}
  local records = {}
  for _, record in rt.slot_each() do
    if not record.released then records[#records + 1] = record end
  end
  table.sort(records, function(a, b) return a.id < b.id end)
  local order = {} -- timer entry -> { due key, sequence }
  rt.queue.each_oneshot(function(id, owner, step, site, due, seq)
    local t = { id = id, owner = owner and owner.label or "-", due_step = step, interval = false, site = site or "" }
    timers[#timers + 1], order[t] = t, { due, seq }
  end)
  for _, r in ipairs(records) do
    local owner = r.owner and r.owner.label or "-"
    if r.kind == "timer" then
      local t = { id = r.id, owner = owner, due_step = sched.step_for(r.due), interval = true, site = rt.sites[r] or "" }
      timers[#timers + 1], order[t] = t, { r.due, r.seq }
    elseif r.kind == "task" then
      tasks[#tasks + 1] = { id = r.id, owner = owner, status = r.status,
        wake_step = r.wake and sched.step_for(r.wake.due) or 0, site = rt.sites[r] or "" }
    end
  end
  table.sort(timers, function(a, b)
    local x, y = order[a], order[b]
    if x[1] ~= y[1] then return x[1] < y[1] end
    return x[2] < y[2]
  end)
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
