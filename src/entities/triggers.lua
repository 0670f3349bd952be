-- Trigger areas: entities whose behaviour has on_enter / on_exit. After the entity updates
-- of each step, every live trigger compares which entities' positions lie in its
-- axis-aligned rectangle (centre x, y; size self.width, self.height) with the last step,
-- and runs on_enter(self, other) / on_exit(self, other) for the changes, in creation order.
local rt = ...
local sched = rt.scheduler
local ents = rt.entities
local ctx = rt.ctx
local handle_for = ents.handle_for

local M = {}

local abs = math.abs
local run_hook = ents.run_hook

-- Private ---------------------------------------------------------------------------------

--- One trigger's step: which entities are inside its rectangle now, against the last step.
local function check_trigger(trigger)
  if not trigger.alive or trigger.owner.disabled or trigger.owner.mod.over then return end
  ctx.owner = trigger.owner -- the area's check is its own mod's work (its budget, its share)
  local tv = trigger.view
  local half_w, half_h = abs(tv.width or 0) / 2, abs(tv.height or 0) / 2
  local tx, ty = tv.x, tv.y
  local was, now = trigger.inside, {}
  -- While the check runs, an entity a hook destroys may be in either set (see exit_destroyed).
  trigger.inside, trigger.was = now, was
  local order, norder = ents.order()
  for i = 1, norder do
    local other = order[i]
    if other.alive and other ~= trigger then
      local v = other.view
      if abs(v.x - tx) <= half_w and abs(v.y - ty) <= half_h then
        now[other] = true
        if not was[other] then run_hook(trigger, "on_enter", handle_for(other, trigger.owner.mod)) end
      elseif was[other] then
        was[other] = nil
        run_hook(trigger, "on_exit", handle_for(other, trigger.owner.mod))
      end
      if not trigger.alive then break end
    end
  end
  trigger.was = false
end

--- An entity destroyed while inside trigger areas leaves them: each live area it was in runs
--- on_exit(self, other) at once, in creation order, before the entity's final (other is no
--- longer alive then). See docs/levels.md.
local function exit_destroyed(e)
  local triggers = ents.triggers
  for i = 1, #triggers do
    local trigger = triggers[i]
    if trigger ~= e and trigger.alive then
      local was = trigger.was
      if trigger.inside[e] or (was and was[e]) then
        trigger.inside[e] = nil
        if was then was[e] = nil end
        run_hook(trigger, "on_exit", handle_for(e, trigger.owner.mod))
      end
    end
  end
end
ents.before_final = exit_destroyed

sched.on_update_phase(function()
  local triggers = ents.triggers
  if #triggers == 0 then return end
  local kept = ents.compact(triggers, #triggers)
  if kept == 0 then return end
  rt.ctx.source = "trigger"
  ents.hold(1)
  -- Each trigger's checks and hooks run as one callback (one instruction budget).
  sched.run_list(triggers, kept, check_trigger, nil, nil, sched.root_of_record)
  ents.hold(-1)
end)

return M
