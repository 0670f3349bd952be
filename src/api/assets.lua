-- Assets for scripts: `assets.load(name_or_names, on_progress?)` waits (in a task) until
-- the host has loaded them, through the promise bridge; `assets.has(name)` tells whether
-- the host's manifest names an asset.
local rt = ...
local sched = rt.scheduler

local M = {}

local type, pcall, error = type, pcall, error
local arg_error, check_callable = rt.arg_error, rt.check_callable

--- Asset name -> its place (1-based) in the host's manifest; sprites are sent to the host by
--- this index. One table for the module's life (entities.lua holds it too).
M.index = {}
local index = M.index
local load_one = rt.hostcalls.make("__assets_load")

local function check_name(name, fname, n)
  if type(name) ~= "string" then arg_error(n, fname, "asset name (string)", name, 3) end
  if not index[name] then
    error(string.format("%s: unknown asset '%s' (not in the host's asset manifest)", fname, name), 3)
  end
end

-- Public ------------------------------------------------------------------------------

--- assets.has(name) -> boolean
function M.has(name)
  return type(name) == "string" and index[name] ~= nil
end

--- assets.load(name) -> info; assets.load({names}, on_progress?) -> {infos}. Each info is
--- { name =, width =, height = }. Loads run in parallel; on_progress(loaded, total, name)
--- runs as each finishes. Raises the first failure once all have settled.
function M.load(names, on_progress)
  if type(names) == "string" then
    check_name(names, "assets.load", 1)
    if on_progress ~= nil then check_callable(on_progress, 2, "assets.load") end
    sched.current_task("assets.load")
    local ok, info = pcall(load_one, names)
    if not ok then error(info, 2) end
    if on_progress then on_progress(1, 1, names) end
    return info
  end
  if type(names) ~= "table" then arg_error(1, "assets.load", "asset name or array of names", names, 2) end
  if on_progress ~= nil then check_callable(on_progress, 2, "assets.load") end
  local total = #names
  for i = 1, total do
    local name = names[i]
    if type(name) ~= "string" or not index[name] then
      error(string.format("assets.load: entry %d is not a known asset name (got %s)", i,
        type(name) == "string" and ("'" .. name .. "'") or rt.describe(name)), 2)
    end
  end
  local t = sched.current_task("assets.load")
  local results, done, failure = {}, 0, nil
  if total == 0 then return results end
  for i = 1, total do
    sched.spawn(function()
      local ok, info = pcall(load_one, names[i])
      if ok then results[i] = info elseif not failure then failure = info end
      done = done + 1
      if on_progress then on_progress(done, total, names[i]) end
      if done == total and t.status == "suspended" then sched.resume_task(t) end
    end, "assets")
  end
  if done < total then sched.suspend(t) end
  if failure then error(failure, 2) end
  return results
end


rt.globals.assets = { load = M.load, has = M.has }

--- Host entry: the asset names of the manifest (scripts may load them and use them as sprites).
function rt.entry.set_assets(names)
  for name in pairs(index) do index[name] = nil end
  for i = 1, #names do index[names[i]] = i end
end

return M
