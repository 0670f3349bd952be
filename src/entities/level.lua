-- Levels for scripts: `level.load(name) -> {entities}` asks the host for level `name`
-- (a JSON file it validated: every entity's script exists, every field is well-formed),
-- then spawns its entities in file order. A level the host rejects spawns nothing. Names
-- follow the module-name rule (sandbox.valid_module_name), checked here and by the host.
local rt = ...

local M = {}

local type = type
local arg_error = rt.arg_error
local fetch = rt.hostcalls.make("__level_load")

-- Public ------------------------------------------------------------------------------

--- level.load(name) -> array of the spawned entities, in file order.
function M.load(name)
  if type(name) ~= "string" or name == "" then arg_error(1, "level.load", "level name (non-empty string)", name, 2) end
  -- Level names follow the module-name rule before any host loader sees them.
  if not rt.sandbox.valid_module_name(name) then
    error(string.format("bad argument #1 to 'level.load' (level name expected: letters, digits, '_' and '-' " ..
      "in parts separated by dots; got %q)", name), 2)
  end
  rt.scheduler.current_task("level.load")
  local ok, list = pcall(fetch, name)
  if not ok then error(list, 2) end
  local spawned = rt.entities.spawn_all(list, "level.load", 2)
  return spawned -- (not a tail call: error levels count this frame)
end

--- level.entity(tiled_id) -> entity or nil: the live entity spawned from the Tiled object with
--- that id (of the last map loaded that had one).
function M.entity(tiled_id)
  if math.type(tiled_id) ~= "integer" then arg_error(1, "level.entity", "Tiled object id (integer)", tiled_id, 2) end
  return rt.entities.tiled_entity(tiled_id)
end

rt.globals.level = { load = M.load, entity = M.entity }

return M
