-- View sync: at the end of each step, the view state of the entities that changed is packed
-- into one binary string (string.pack) that the host takes in a single transfer per frame
-- (ViewMirror.ts decodes it). entities.lua lists the changed entities while sync is on.
local rt = ...
local sched = rt.scheduler
local ents = rt.entities

local M = {}

local spack, concat = string.pack, table.concat

--- One view record: id, kind (1 created, 2 changed), x, y, rotation, scale_x, scale_y, alpha,
--- z, tint, visible (0/1), sprite index (0: none). Kind 4 (moved: only x, y or rotation
--- changed) carries id, kind, x, y, rotation. Kind 3 (destroyed) and step markers (kind 0,
--- id = step) carry only the first two fields. Little-endian.
local VIEW_RECORD = "<i4Bdddddddi4Bi4"
local MOVED_RECORD = "<i4Bddd"
local SHORT_RECORD = "<i4B"

local packets, npackets = {}, 0
local sprite_index = rt.assets.index -- asset name -> index (1-based) in the host's manifest

-- Private ---------------------------------------------------------------------------------

--- Packs the view records of the entities changed since the last pack (one string piece per
--- record), after a marker naming the step.
local function pack_dirty()
  local dirty, ndirty = ents.take_dirty()
  if ndirty == 0 then return end
  local n = npackets + 1
  packets[n] = spack(SHORT_RECORD, sched.frame, 0)
  for i = 1, ndirty do
    local e = dirty[i]
    e.dirty = false
    if e.alive then
      local v = e.view
      n = n + 1
      if e.sent and not e.look then
        packets[n] = spack(MOVED_RECORD, e.eid, 4, v.x, v.y, v.rotation)
      else
        local sprite = v.sprite
        packets[n] = spack(VIEW_RECORD, e.eid, e.sent and 2 or 1, v.x, v.y, v.rotation, v.scale_x, v.scale_y,
          v.alpha, v.z, v.tint, v.visible and 1 or 0, sprite and sprite_index[sprite] or 0)
        e.sent, e.look = true, false
      end
    elseif e.sent then
      n = n + 1
      packets[n] = spack(SHORT_RECORD, e.eid, 3)
      e.sent = false
    end
  end
  npackets = n
end

sched.on_step_end(pack_dirty)

-- Entry points for the host ---------------------------------------------------------------------

local entry = rt.entry

--- Turns view sync on (every live entity is sent as created) or off.
function entry.set_view_sync(on)
  ents.set_sync(on)
  packets, npackets = {}, 0
  local order, norder = ents.order()
  for i = 1, norder do
    local e = order[i]
    e.sent = false
    if on and e.alive then ents.mark(e) end
  end
  pack_dirty()
end

--- The packed view records since the last call (binary string; see VIEW_RECORD).
function entry.take_view()
  if npackets == 0 then return "" end
  local s = concat(packets, "", 1, npackets)
  packets, npackets = {}, 0
  return s
end

return M
