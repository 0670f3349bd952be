-- Trigger areas: entities whose behaviour has on_enter / on_exit. After the entity updates
-- of each step, every live trigger compares which entities' positions lie in its
-- axis-aligned rectangle (centre x, y; size self.width, self.height) with the last step,
-- and runs on_enter(self, other) / on_exit(self, other) for the changes, in creation order.
local rt = ...
local sched = rt.scheduler
local ents = rt.entities

local M = {}

local abs = math.abs
local run_hook = ents.run_hook

-- Private ---------------------------------------------------------------------------------

--- One trigger's step: which entities are inside its rectangle now, against the last step.
local function check_trigger(trigger)
  if not trigger.alive or trigger.owner.disabled then return end
  local tv = trigger.view
  local half_w, half_h = abs(tv.width or 0) / 2, abs(tv.height or 0) / 2
  local tx, ty = tv.x, tv.y
  local was, now = trigger.inside, {}
  trigger.inside = now
  local order, norder = ents.order()
  for i = 1, norder do
    local other = order[i]
    if other.alive and other ~= trigger then
      local v = other.view
      if abs(v.x - tx) <= half_w and abs(v.y - ty) <= half_h then
        now[other] = true
        if not was[other] then run_hook(trigger, "on_enter", other.self) end
      elseif was[other] then
        run_hook(trigger, "on_exit", other.self)
      end
      if not trigger.alive then return end
    end
  end
end

sched.on_update_phase(function()
  local triggers = ents.triggers
  if #triggers == 0 then return end
  local kept = ents.compact(triggers, #triggers)
  if kept == 0 then return end
  rt.ctx.source = "trigger"
  ents.hold(1)
  -- Each trigger's checks and hooks run as one callback (one instruction budget).
  sched.run_list(triggers, kept, check_trigger)
  ents.hold(-1)
end)

return M
