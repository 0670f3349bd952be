-- Entities with Lua behaviours. A behaviour script returns a table of optional hooks
-- (init, update, final, on_event, on_reload); each entity is a record here plus a `self`
-- table that belongs to the script. See docs/entities.md.
--
-- `self` keeps the script's own fields raw. The view fields (x, y, rotation, ...) and the
-- read-only ones (id, name, script) live in a shadow table behind `self`'s metatable:
-- reading them is a plain table fall-through, writing one goes through a single check that
-- rejects bad values at the writer's line and marks the entity changed (view_sync.lua packs
-- the changed ones for the host at the end of each step). Trigger areas are in triggers.lua.
local rt = ...
local sched = rt.scheduler
local ctx = rt.ctx

local M = {}

local type, error, rawset, pairs, tostring, setmetatable = type, error, rawset, pairs, tostring, setmetatable
local rawlen, rawget = rawlen, rawget
local math_type, huge = math.type, math.huge
local arg_error, describe, check_callable = rt.arg_error, rt.describe, rt.check_callable
local mistakes = rt.mistakes

-- View fields, in the order they are checked, and their kinds.
-- MOTION fields are numbers too; only they change in a "moved" view record.
-- SIZE fields (width, height: a trigger area's size) are checked like them, may be nil, and
-- are not view state.
local MOTION, NUMBER, ALPHA, BOOL, TINT, SPRITE, SIZE = 0, 1, 2, 3, 4, 5, 6
local FIELDS = { "x", "y", "rotation", "scale_x", "scale_y", "alpha", "z", "visible", "tint", "sprite" }
local FIELD_KIND = { x = MOTION, y = MOTION, rotation = MOTION, scale_x = NUMBER, scale_y = NUMBER,
                     z = NUMBER, alpha = ALPHA, visible = BOOL, tint = TINT, sprite = SPRITE,
                     width = SIZE, height = SIZE }
local READ_ONLY = { id = true, name = true, script = true }
local SIZE_FIELDS = { "width", "height" }
local HOOKS = { "init", "update", "final", "on_event", "on_reload", "on_enter", "on_exit" }
local HOOK_SET = {}
for _, hook in ipairs(HOOKS) do HOOK_SET[hook] = true end

-- Behaviours live per mod (mod.behaviours: script name -> { name, chunk, hooks, requires, mod }).
local live = {}            -- entity id -> record, live entities only
local live_count = 0
local next_eid = 0
local order, norder, order_dead = {}, 0, 0        -- records in creation order (dead ones lazily dropped)
local updaters, nupd, upd_dead = {}, 0, 0         -- records whose behaviour has `update`
local by_name = {}         -- name -> records with that name, in creation order
local record_of = setmetatable({}, { __mode = "k" }) -- self -> record
local views = setmetatable({}, { __mode = "k" })    -- real table -> its read-only view
local foreign = setmetatable({}, { __mode = "k" })  -- views of entities -> true
local handle_for -- (defined with the views, below)
local guarded_fields = rt.guarded_fields

local triggers = {}        -- records whose behaviour has on_enter / on_exit (trigger areas)

local sync_on = false      -- while on, changed entities are listed in `dirty` (see view_sync.lua)
local dirty, ndirty = {}, 0
local sprite_index = rt.assets.index -- asset name -> index (1-based) in the host's manifest

-- Private helpers ---------------------------------------------------------------------------

local function field_error(k, expected, v, level)
  error(string.format("entity field '%s' expects %s (got %s)", k, expected, describe(v)), level + 1)
end

--- Checks value `v` for view field `k` of kind `kind`; errors at `level` above the caller.
local function check_field(k, kind, v, level)
  if kind == NUMBER or kind == MOTION then
    if type(v) ~= "number" or v ~= v or v == huge or v == -huge then field_error(k, "a finite number", v, level + 1) end
  elseif kind == ALPHA then
    if type(v) ~= "number" or not (v >= 0 and v <= 1) then field_error(k, "a number from 0 to 1", v, level + 1) end
  elseif kind == BOOL then
    if type(v) ~= "boolean" then field_error(k, "a boolean", v, level + 1) end
  elseif kind == TINT then
    if type(v) ~= "number" or v ~= v or v % 1 ~= 0 or v < 0 or v > 0xFFFFFF then
      field_error(k, "a colour 0x000000 to 0xFFFFFF", v, level + 1)
    end
  elseif kind == SPRITE then
    if v ~= nil then
      if type(v) ~= "string" then field_error(k, "an asset name (string) or nil", v, level + 1) end
      if not sprite_index[v] then
        error(string.format("entity field 'sprite': unknown asset '%s' (not in the host's asset manifest)", v), level + 1)
      end
    end
  end
end

local function mark(e)
  if not e.dirty then
    e.dirty = true
    ndirty = ndirty + 1
    dirty[ndirty] = e
  end
end

-- A new field of the script's own whose name is close to a view field's (`rotaton`) is
-- probably a misspelling: warn once per behaviour and name.
local VIEW_NAMES = { "x", "y", "rotation", "scale_x", "scale_y", "alpha", "z", "visible", "tint", "sprite",
                     "width", "height" }
local fields_checked = setmetatable({}, { __mode = "k" }) -- behaviour -> set of field names
local function check_own_field(self, k)
  local e = record_of[self]
  local b = e and e.behaviour
  if not b or type(k) ~= "string" then return end
  local checked = fields_checked[b]
  if not checked then checked = {}; fields_checked[b] = checked end
  if checked[k] then return end
  checked[k] = true
  local s = mistakes.suggest(k, VIEW_NAMES)
  if s then
    mistakes.warn_once(b.name .. "\0field\0" .. k, string.format("%s: entity field '%s' is not a view field, so it only " ..
      "stores a value (did you mean '%s'?)", rt.script_location(), k, s))
  end
end

local function self_newindex(self, k, v)
  local kind = FIELD_KIND[k]
  if kind == nil then
    if READ_ONLY[k] or M.methods[k] then error(string.format("entity field '%s' is read-only", tostring(k)), 2) end
    if mistakes.enabled then check_own_field(self, k) end
    rawset(self, k, v)
    return
  end
  local e = record_of[self]
  local view = e.view
  if view[k] == v then return end
  if kind == MOTION then -- the hot case (positions), checked inline
    if type(v) ~= "number" or v ~= v or v == huge or v == -huge then field_error(k, "a finite number", v, 2) end
  elseif kind == SIZE then
    if v ~= nil then check_field(k, NUMBER, v, 2) end
    view[k] = v
    return
  else
    check_field(k, kind, v, 2)
    if kind == TINT then v = v // 1 end
    e.look = true
  end
  view[k] = v
  if sync_on and not e.dirty then -- mark(e), inlined: every position write passes here
    e.dirty = true
    ndirty = ndirty + 1
    dirty[ndirty] = e
  end
end

local function describe_entity(e)
  local view = e.view
  return string.format("entity '%s' (#%d, %s)", view.name or view.script, e.eid, view.script)
end

local raw_getmetatable = rt.debug.getmetatable

local function entity_tostring(self)
  local e = record_of[self]
  return e and describe_entity(e) or "entity"
end

local function stale_error(e, k)
  error(string.format("%s was destroyed: this reference is stale (reading or writing '%s')", describe_entity(e), tostring(k)), 3)
end

local stale_methods = {
  is_alive = function() return false end,
  is_enabled = function() return false end,
  destroy = function() return false end,
}

--- The record behind entity `self`, or an error naming the method.
local function record_for(self, fname)
  local e = record_of[self]
  if not e then
    error(string.format("bad self for '%s' (an entity expected, got %s; call it as entity:%s())", fname, describe(self), fname), 3)
  end
  return e
end

local iterating = 0
local maybe_compact -- > 0 while code walks `order` or `updaters` (no compaction then)

local function compact(list, n)
  local kept = 0
  for i = 1, n do
    local e = list[i]
    list[i] = nil
    if e.alive then
      kept = kept + 1
      list[kept] = e
    end
  end
  return kept
end

--- Drops destroyed records from the lists once they are mostly dead (never mid-walk), so a
--- burst of spawns and destroys holds no memory until the next step.
maybe_compact = function()
  if iterating > 0 then return end
  if order_dead > 32 and order_dead * 2 > norder then norder, order_dead = compact(order, norder), 0 end
  if upd_dead > 32 and upd_dead * 2 > nupd then nupd, upd_dead = compact(updaters, nupd), 0 end
end

--- Runs hook `name` of entity `e` as a task owned by the entity (it may wait). Returns the
--- task record, or nil if there is no such hook.
local function start_hook(e, fn, name, ...)
  local saved = ctx.owner
  ctx.owner = e.owner
  local t = sched.spawn(fn, name, e.self, ...)
  ctx.owner = saved
  return t
end

local function run_hook(e, name, ...)
  local fn = e.behaviour.hooks[name] -- (a plain table of functions: see compile_behaviour)
  if not fn or e.owner.disabled then return end
  local caller = sched.running_mod()
  if caller and caller ~= e.owner.mod then
    -- Another mod's entity: its hook is a callback of its own (its mod pays for it).
    return sched.as_own_callback(e.owner, caller, start_hook, e, fn, name, ...)
  end
  return start_hook(e, fn, name, ...)
end

--- Compiles and runs a behaviour chunk; returns its hooks table and the set of modules it
--- required (directly or not), or nil and an error.
local function compile_behaviour(source, chunkname, mod)
  local sandbox = rt.sandbox
  local fn, err = sandbox.compile(source, chunkname, mod)
  if not fn then return nil, err end
  local saved, saved_log = ctx.owner, sandbox.require_log
  local requires = {}
  ctx.owner, sandbox.require_log = nil, requires
  -- The chunk's top level is script code: under the watchdog even when the host loads it.
  local ok, hooks = sched.call_guarded(fn)
  ctx.owner, sandbox.require_log = saved, saved_log
  if not ok then return nil, rt.error_text(hooks) end
  if type(hooks) ~= "table" then
    return nil, string.format("%s: a behaviour script must return a table of hooks (init, update, final, on_event, " ..
      "on_reload); it returned %s", chunkname, describe(hooks))
  end
  -- The hooks are read once, here (a script's metatable may supply them: inheritance works),
  -- into a plain table of functions: the runtime never runs script code to find a hook later,
  -- and a callable table becomes a function.
  local plain = {}
  for _, hook in ipairs(HOOKS) do
    local v = hooks[hook]
    if v ~= nil and not rt.is_callable(v) then
      return nil, string.format("%s: hook '%s' must be a function (got %s)", chunkname, hook, describe(v))
    end
    if v ~= nil and type(v) ~= "function" then
      local callable = v
      v = function(...) return callable(...) end
    end
    plain[hook] = v
  end
  if mistakes.enabled then
    for k, v in pairs(hooks) do
      local s = type(k) == "string" and rt.is_callable(v) and HOOK_SET[k] == nil and mistakes.suggest(k, HOOKS)
      if s then
        mistakes.warn_once(chunkname .. "\0hook\0" .. k, string.format("%s: '%s' is not a hook, so it never runs " ..
          "(did you mean '%s'?)", chunkname, k, s))
      end
    end
  end
  return plain, requires
end

--- The behaviour for script `name`, loading it once; errors at `level` when it cannot.
local function running_mod()
  local owner = ctx.owner
  return owner and owner.mod or rt.mods.game
end

local function behaviour_for(name, fname, level, mod)
  mod = mod or running_mod()
  local behaviours = mod.behaviours
  local b = behaviours[name]
  if b then return b end
  local hint = rt.sandbox.lua_suffix_hint(name)
  if hint then error(string.format("%s: behaviour script %q: %s", fname, name, hint), level + 1) end
  if not rt.sandbox.valid_module_name(name) then -- (behaviour names are module names)
    error(string.format("%s: invalid behaviour script name %s (letters, digits, '_', '-' and dots)", fname,
      type(name) == "string" and string.format("%q", name) or describe(name)), level + 1)
  end
  local source, chunkname = rt.host.read_module(name, mod.name)
  if source == nil then
    error(string.format("%s: behaviour script %s", fname, (string.gsub(chunkname, "^module ", ""))), level + 1)
  end
  local hooks, requires = compile_behaviour(source, chunkname, mod)
  if not hooks then error(requires, 0) end
  b = { name = name, chunk = chunkname, hooks = hooks, requires = requires, mod = mod }
  behaviours[name] = b
  return b
end

local function check_tags(tags, fname, level)
  if tags == nil then return nil end
  if type(tags) ~= "table" then error(string.format("%s: props.tags expects an array of strings (got %s)", fname, describe(tags)), level + 1) end
  local set = {}
  -- Raw reads: a script's __len or __index never decides how much work the runtime does.
  for i = 1, rawlen(tags) do
    local tag = rawget(tags, i)
    if type(tag) ~= "string" or tag == "" then
      error(string.format("%s: props.tags[%d] expects a non-empty string (got %s)", fname, i, describe(tag)), level + 1)
    end
    set[tag] = true
  end
  return set
end

-- Entity methods (reached through `self`) -------------------------------------------------

M.methods = {}
local methods = M.methods

-- Keys of `self` that not even rawset may write: view fields, identity (id, name, script)
-- and method names (a raw field would shadow them for every reader). Filled below.
local GUARDED = {}
local methods_mt = { __index = methods }

--- entity:destroy() -> boolean: destroys the entity (false if it already was).
function methods.destroy(self)
  if foreign[self] then error("cannot destroy another mod's entity (it is read-only to this mod)", 2) end
  return M.destroy(record_for(self, "destroy"))
end

--- entity:is_alive() -> boolean
function methods.is_alive(self)
  local e = record_for(self, "is_alive")
  return e.alive
end

--- entity:is_enabled() -> boolean: alive and not disabled (the watchdog disables an entity whose
--- callback ran away: it stays alive and counted, but gets no more callbacks).
function methods.is_enabled(self)
  local e = record_for(self, "is_enabled")
  return e.alive and not e.owner.disabled
end

--- entity:has_tag(tag) -> boolean
function methods.has_tag(self, tag)
  local e = record_for(self, "has_tag")
  return e.tags ~= false and e.tags[tag] == true
end

--- entity:send(name, ...): runs the entity's on_event(self, name, ...) now, in a task.
function methods.send(self, name, ...)
  local e = record_for(self, "send")
  if type(name) ~= "string" or name == "" then arg_error(1, "send", "event name (non-empty string)", name, 2) end
  run_hook(e, "on_event", name, ...)
end

-- The live entities of a mod, for rt.mod_disable.
rt.owner_sources[#rt.owner_sources + 1] = function(mod, out)
  for _, e in pairs(live) do
    if e.owner.mod == mod then out[#out + 1] = e.owner end
  end
end

for k in pairs(FIELD_KIND) do GUARDED[k] = true end
for k in pairs(READ_ONLY) do GUARDED[k] = true end
for k in pairs(methods) do GUARDED[k] = true end

-- Public ------------------------------------------------------------------------------

--- Spawns an entity running behaviour `script`. `opts` gives name, tags and initial view
--- fields; `props` goes to init untouched. Errors at `level` (bad arguments). With
--- `defer_init`, init waits for M.init_spawned (a level links its entities first). The entity
--- belongs to mod `mod` (default: the running owner's).
local register

function M.spawn(script, opts, props, fname, level, defer_init, mod)
  mod = mod or running_mod()
  local b = behaviour_for(script, fname, level + 1, mod)
  local name, tags = nil, false
  if opts ~= nil then
    name = opts.name
    if name ~= nil and (type(name) ~= "string" or name == "") then
      error(string.format("%s: props.name expects a non-empty string (got %s)", fname, describe(name)), level + 1)
    end
    tags = check_tags(opts.tags, fname, level + 1) or false
  end
  local view = setmetatable({ x = 0, y = 0, rotation = 0, scale_x = 1, scale_y = 1, alpha = 1, z = 0,
    visible = true, tint = 0xFFFFFF, sprite = nil, id = 0, name = name, script = script }, methods_mt)
  if opts ~= nil then
    for i = 1, #FIELDS do
      local k = FIELDS[i]
      local v = opts[k]
      if v ~= nil then
        check_field(k, FIELD_KIND[k], v, level + 1)
        view[k] = v
      end
    end
  end
  local sizes = false
  if opts ~= nil then
    -- Size (a trigger area's, a Tiled object's): plain fields of self, set before init.
    for _, k in ipairs(SIZE_FIELDS) do
      local v = opts[k]
      if v ~= nil then
        if type(v) ~= "number" or v ~= v or v == huge or v == -huge then
          error(string.format("%s: props.%s expects a finite number (got %s)", fname, k, describe(v)), level + 1)
        end
        sizes = sizes or {}
        sizes[k] = v
      end
    end
  end
  return register(b, view, name, tags, sizes, props, mod, defer_init)
end

-- The bookkeeping half of spawn, up to starting init (critical: the watchdog never stops it
-- half way, so no entity exists without its init having started).
register = rt.critical(function(b, view, name, tags, sizes, props, mod, defer_init)
  next_eid = next_eid + 1
  local eid = next_eid
  view.id = eid
  local owner = rt.owner_new("entity", "entity:" .. (name or view.script) .. "#" .. eid, mod)
  local self = {}
  local update = b.hooks.update
  -- Sixteen fields (name and script live in the view): the smallest table that holds them.
  local e = { eid = eid, behaviour = b, self = self, view = view, owner = owner,
    alive = true, ready = false, spawn_frame = sched.frame, busy = false, dirty = false, sent = false, look = false,
    tags = tags,
    props = props, update = update or false, in_updaters = update ~= nil }
  local meta = { __index = view, __newindex = self_newindex, __metatable = "entity",
    __tostring = entity_tostring, __name = "entity" }
  if sizes then
    for k, v in pairs(sizes) do view[k] = v end
  end
  setmetatable(self, meta)
  owner.on_disabled = function() e.ready = false end
  record_of[self] = e
  guarded_fields[self] = GUARDED
  live[eid] = e
  live_count = live_count + 1
  norder = norder + 1
  order[norder] = e
  if update then
    nupd = nupd + 1
    updaters[nupd] = e
  end
  if name then
    local list = by_name[name]
    if not list then list = {}; by_name[name] = list end
    list[#list + 1] = e
  end
  if sync_on then mark(e) end
  local site_of = rt.site_of
  if site_of then rt.sites[e] = site_of() end
  local hooks = b.hooks
  if hooks.on_enter or hooks.on_exit then
    e.inside, e.was = {}, false
    triggers[#triggers + 1] = e
  end
  if not defer_init then run_hook(e, "init", props) end
  return self
end)

--- Runs the init of an entity spawned with `defer_init` (if it is still alive).
function M.init_spawned(self)
  local e = record_of[self]
  if e and e.alive then run_hook(e, "init", e.props) end
end

local by_tiled = {} -- Tiled object id -> record, for level.entity (the last map loaded wins)

--- The live entity spawned from Tiled object `id` (of the last map that had one), or nil.
function M.tiled_entity(id)
  local e = by_tiled[id]
  return e and e.alive and handle_for(e) or nil
end

--- Before any init of a level runs: notes which entity each Tiled object became, and
--- replaces the object references in the items' props ({ tiled_object = id }) with them.
local function link_tiled(items, selves)
  local by_id = {}
  for i = 1, #items do
    local id = items[i].tiled_id
    if id and selves[i] then
      by_id[id] = selves[i]
      by_tiled[id] = record_of[selves[i]]
    end
  end
  for i = 1, #items do
    local props = items[i].props
    if type(props) == "table" then
      for k, v in pairs(props) do
        if type(v) == "table" and v.tiled_object ~= nil then props[k] = by_id[v.tiled_object] end
      end
    end
  end
end

--- Loads the behaviours of a level's items before anything spawns; an error names the item
--- (`entity #3 ('door')`, or a Tiled object's layer and id) and is raised at `level`.
local function load_behaviours(list, fname, level)
  for i = 1, #list do
    local ok, err = pcall(behaviour_for, list[i].script, fname, 1)
    if not ok then error(string.format("%s (%s)", rt.error_text(err), list[i].label or ("entity #" .. i)), level + 1) end
  end
end

--- Destroys entity record `e`: cancels what it owns, runs `final` once, frees its slots and
--- makes its `self` stale. Returns false if it was already destroyed.
function M.destroy(e)
  if not e.alive then return false end
  e.alive = false
  e.ready = false
  live[e.eid] = nil
  live_count = live_count - 1
  order_dead = order_dead + 1
  if e.in_updaters then upd_dead = upd_dead + 1 end
  maybe_compact()
  local name = e.view.name
  if name then
    local list = by_name[name]
    for i = 1, #list do
      if list[i] == e then table.remove(list, i) break end
    end
    if #list == 0 then by_name[name] = nil end
  end
  local owner = e.owner
  rt.owner_cancel_all(owner)
  local before_final = M.before_final
  if before_final then before_final(e) end
  local final = run_hook(e, "final")
  if final and final.status == "suspended" and mistakes.enabled then
    mistakes.warn_once(e.behaviour.chunk .. "\0final", string.format("%s: final of %s waited; final cannot wait, so the rest " ..
      "of it never ran", e.behaviour.chunk, describe_entity(e)))
  end
  rt.owner_cancel_all(owner) -- whatever final started
  owner.alive = false
  if sync_on and e.sent then mark(e) end
  -- The reference goes stale: only is_alive, destroy, id, name and script still answer.
  local self = e.self
  for k in pairs(self) do rawset(self, k, nil) end
  local view = e.view
  local meta = raw_getmetatable(self)
  meta.__index = function(_, k)
    if k == "id" or k == "name" or k == "script" then return view[k] end
    local m = stale_methods[k]
    if m then return m end
    stale_error(e, k)
  end
  meta.__newindex = function(_, k) stale_error(e, k) end
  return true
end
rt.critical(M.destroy)

--- Number of live entities.
function M.count()
  return live_count
end

--- Loads (once) the behaviours a spawn list names, then spawns each entry in order; each
--- entry is { script = , opts = , props = , label = , tiled_id = }. Errors before spawning
--- anything if a behaviour cannot load. Every entity exists (and Tiled object references
--- are linked) before the first init runs; inits run in file order. Returns the `self` tables.
function M.spawn_all(list, fname, level)
  load_behaviours(list, fname, level + 1)
  local out = {}
  for i = 1, #list do
    local item = list[i]
    out[i] = M.spawn(item.script, item.opts, item.props, fname, level + 1, true)
  end
  link_tiled(list, out)
  for i = 1, #out do M.init_spawned(out[i]) end
  return out
end

--- Swaps new hooks into behaviour `b` and re-initialises its live entities: they keep
--- `self`; their timers, tasks and connections are cancelled; then on_reload(self) runs, or
--- init(self, props) again. Returns the number of entities.
local function swap_behaviour(b, hooks, requires)
  b.hooks, b.requires = hooks, requires
  local list = {}
  for i = 1, norder do
    local e = order[i]
    if e.alive and e.behaviour == b then list[#list + 1] = e end
  end
  sched.run_list(list, #list, function(e)
    if not e.alive then return end
    rt.owner_cancel_all(e.owner)
    e.busy = false
    e.ready = false
    local update = hooks.update
    e.update = update or function() end
    if update and not e.in_updaters then
      e.in_updaters = true
      nupd = nupd + 1
      updaters[nupd] = e
    end
    if hooks.on_reload then run_hook(e, "on_reload") else run_hook(e, "init", e.props) end
  end)
  return #list
end

--- Hot reload of script `name` from new source. A behaviour is swapped into its live
--- entities (see swap_behaviour). A module that behaviours require is forgotten, and every
--- behaviour that required it (directly or not) is loaded again and swapped in. A script
--- that fails to compile or load leaves everything running as it was. Returns the number of
--- entities reloaded, or nil and the error.
function M.reload(name, source, chunkname)
  local mods = {}
  for _, mod in pairs(rt.mods) do mods[#mods + 1] = mod end
  table.sort(mods, function(x, y) return x.name < y.name end)
  local swapped, count = false, 0
  for _, mod in ipairs(mods) do
    local b = mod.behaviours[name]
    if b then
      local hooks, requires = compile_behaviour(source, chunkname, mod)
      if not hooks then return nil, requires end
      count = count + swap_behaviour(b, hooks, requires)
      swapped = true
    end
  end
  if swapped then return count end
  local dependents = {}
  for _, mod in ipairs(mods) do
    for _, other in pairs(mod.behaviours) do
      if other.requires[name] then dependents[#dependents + 1] = other end
    end
  end
  local sandbox = rt.sandbox
  if #dependents == 0 and not sandbox.is_loaded(name) then return 0 end
  local fn, err = sandbox.compile(source, chunkname) -- check it before forgetting the old one
  if not fn then return nil, err end
  sandbox.unload(name)
  table.sort(dependents, function(x, y)
    if x.mod ~= y.mod then return x.mod.name < y.mod.name end
    return x.name < y.name
  end)
  local fresh = {}
  for i, dep in ipairs(dependents) do
    local dep_source, dep_chunk = rt.host.read_module(dep.name, dep.mod.name)
    if dep_source == nil then return nil, dep_chunk end
    local hooks, requires = compile_behaviour(dep_source, dep_chunk, dep.mod)
    if not hooks then return nil, requires end
    fresh[i] = { hooks, requires }
  end
  for i, dep in ipairs(dependents) do count = count + swap_behaviour(dep, fresh[i][1], fresh[i][2]) end
  return count
end

--- Delivers event `name` to the on_event hooks of live entities, in creation order.
function M.broadcast(name, args)
  iterating = iterating + 1
  local n = norder -- entities spawned by a handler hear the next event
  local emitter = sched.root_owner() or ctx.owner
  local emitter_mod = emitter and emitter.mod
  for i = 1, n do
    local e = order[i]
    if e.alive then
      local mod = e.owner.mod
      -- (Another mod's entities cost this emit one check once that mod is over its share.)
      if (mod == emitter_mod or not (mod.over or mod.disabled)) and e.behaviour.hooks.on_event then
        run_hook(e, "on_event", name, table.unpack(args, 1, args.n))
      end
    end
  end
  iterating = iterating - 1
end

--- Plain-data list of live entities for the inspector.
function M.snapshot()
  local out = {}
  for i = 1, norder do
    local e = order[i]
    if e.alive then
      local v = e.view
      out[#out + 1] = { id = e.eid, name = v.name or "", script = v.script, x = v.x, y = v.y,
        disabled = e.owner.disabled, waiting = e.busy ~= false and e.busy.status == "suspended",
        site = rt.sites[e] or "" }
    end
  end
  return out
end

-- The update phase ----------------------------------------------------------------------------

local function on_wait(e, t)
  e.busy = t
  e.ready = false
end

-- The slow path of the update loop: may `e` update in step `frame`? Sets `e.ready` when it
-- may, so later steps take the fast path until destroy, disable or a wait clears it.
local function ready_check(e, frame)
  if not e.alive or e.spawn_frame >= frame or e.owner.disabled then return false end
  local busy = e.busy
  if busy then
    if busy.status == "suspended" then return false end
    e.busy = false
  end
  e.ready = true
  return true
end

sched.on_update_phase(function()
  maybe_compact()
  if nupd > 0 then
    iterating = iterating + 1
    sched.run_updates(updaters, nupd, sched.dt, ready_check, on_wait)
    iterating = iterating - 1
  end
end)

-- For the other entity chunks (triggers.lua, view_sync.lua) ----------------------------------

M.run_hook = run_hook
M.compact = compact

--- Set by triggers.lua: `before_final(e)` runs when entity record `e` is destroyed, after its
--- work is cancelled and before its `final` (the on_exit of the areas it was inside).
M.before_final = false

--- The records whose behaviour has on_enter / on_exit, in creation order (dead ones are
--- dropped by whoever compacts it: see triggers.lua).
M.triggers = triggers

--- Every record in creation order and how many there are (dead ones included; read-only).
--- While a caller walks it, it must hold the list (M.hold) so that it is not compacted.
function M.order()
  return order, norder
end

--- Holds (`delta` 1) or releases (-1) the lists against compaction during a walk.
function M.hold(delta)
  iterating = iterating + delta
end

--- Turns the listing of changed entities on or off (view sync); off forgets the list.
function M.set_sync(on)
  sync_on = on
  for i = 1, ndirty do dirty[i].dirty = false; dirty[i] = nil end
  ndirty = 0
end

--- Lists record `e` as changed (while sync is on).
M.mark = mark

--- The records changed since the last call, and their count; the caller clears their
--- `dirty` flags.
function M.take_dirty()
  local list, n = dirty, ndirty
  if n > 0 then dirty, ndirty = {}, 0 end
  return list, n
end

-- Lua API -------------------------------------------------------------------------------------

-- Other mods' entities ---------------------------------------------------------------------
-- A mod may read every entity, but change only its own: another mod's entity reaches it as a
-- read-only view (reads fall through, tables in its fields are read-only views too, writes
-- and destroy are refused). The game's own scripts (mod "game") get every entity as it is.

local view_of

local function refuse(_, k)
  error(string.format("cannot change another mod's %s (field '%s'): it is read-only to this mod",
    "data", tostring(k)), 2)
end

local function refuse_entity(_, k)
  error(string.format("cannot change another mod's entity (field '%s'): it is read-only to this mod", tostring(k)), 2)
end

--- The read-only view of `v` for a mod that does not own it (other values as they are).
function view_of(v)
  local t = type(v)
  -- Another mod's functions and coroutines are not reachable: calling one would act with that
  -- mod's authority, resuming or cancelling one would stop its work.
  if t == "function" or t == "thread" then return nil end
  if t ~= "table" then return v end
  local view = views[v]
  if view then return view end
  local e = record_of[v]
  if e then
    local real = v
    view = setmetatable({}, {
      __index = function(_, k)
        local v = real[k]
        if methods[k] == v then return v end -- the entity methods (they refuse what a view may not do)
        return view_of(v)
      end,
      __newindex = refuse_entity,
      __len = function() return rawlen(real) end,
      __pairs = function(p) return function(_, k) local nk, nv = next(real, k) return nk, view_of(nv) end, p, nil end,
      __tostring = entity_tostring, __metatable = "entity", __name = "entity",
    })
    record_of[view] = e
    foreign[view] = true
    rt.protected[view] = true
  else
    local real = v
    view = setmetatable({}, {
      __index = function(_, k) return view_of(rawget(real, k)) end,
      __newindex = refuse,
      __len = function() return rawlen(real) end,
      __pairs = function(p) return function(_, k) local nk, nv = next(real, k) return nk, view_of(nv) end, p, nil end,
      __metatable = "read-only",
    })
    rt.protected[view] = true
  end
  views[v] = view
  return view
end

--- What a script of mod `mod` (default: the running owner's) gets for entity record `e`:
--- the entity itself if its mod owns it (or is the game), else a read-only view.
function handle_for(e, mod)
  if not mod then
    local w = ctx.owner
    mod = w and w.mod or rt.mods.game
  end
  local own = e.owner.mod
  if mod == own or mod.name == "game" then return e.self end
  return view_of(e.self)
end
M.handle_for = handle_for

local api = {}

--- entities.spawn(script, props?) -> entity
function api.spawn(script, props)
  if props ~= nil and type(props) ~= "table" then arg_error(2, "entities.spawn", "table of props or nil", props, 2) end
  local self = M.spawn(script, props, props or {}, "entities.spawn", 2) -- init always gets a table
  return self -- (not a tail call: error levels count this frame)
end

--- entities.find(name) -> entity or nil: the oldest live entity with that name.
function api.find(name)
  if type(name) ~= "string" then arg_error(1, "entities.find", "string", name, 2) end
  local list = by_name[name]
  return list and handle_for(list[1]) or nil
end

--- entities.get(id) -> entity or nil
function api.get(id)
  local e = live[id]
  return e and handle_for(e) or nil
end

--- entities.all(tag?) -> array of live entities in creation order (with the tag, if given).
function api.all(tag)
  if tag ~= nil and type(tag) ~= "string" then arg_error(1, "entities.all", "string or nil", tag, 2) end
  local out, n = {}, 0
  for i = 1, norder do
    local e = order[i]
    if e.alive and (tag == nil or (e.tags and e.tags[tag])) then
      n = n + 1
      out[n] = handle_for(e)
    end
  end
  return out
end

--- entities.count() -> number of live entities.
function api.count()
  return live_count
end

rt.globals.entities = api
-- Events reach on_event hooks only if some behaviour has one (a scan of the few behaviours,
-- not of every entity).
rt.events.after_dispatch = function(name, args)
  if live_count == 0 then return end
  for _, mod in pairs(rt.mods) do
    for _, b in pairs(mod.behaviours) do
      if b.hooks.on_event then
        M.broadcast(name, args)
        return
      end
    end
  end
end

-- Entry points for the host ---------------------------------------------------------------------

local entry = rt.entry

--- Spawns a validated level list (from the host) in file order, each spawn with its own
--- instruction budget. Returns the entity ids, or false and the error message.
function entry.spawn_level(list)
  local ok, err = pcall(load_behaviours, list, "level", 1)
  if not ok then return false, rt.error_text(err) end
  local ids, selves = {}, {}
  sched.run_from_host(list, #list, function(item, i)
    ctx.owner, ctx.source = nil, "init"
    local self = M.spawn(item.script, item.opts, item.props, "level", 1, true)
    selves[i] = self
    ids[#ids + 1] = record_of[self].eid
  end)
  link_tiled(list, selves)
  -- Each init with its own instruction budget, in file order.
  sched.run_from_host(selves, #list, function(self)
    ctx.owner, ctx.source = nil, "init"
    M.init_spawned(self)
  end)
  return ids
end

--- Destroys entity `eid` (from the host). Returns true if it was live.
function entry.destroy_entity(eid)
  local e = live[eid]
  if not e then return false end
  local result = false
  sched.run_from_host({ e }, 1, function(rec) result = M.destroy(rec) end)
  return result
end

--- Reloads a behaviour (hot reload). Returns the count reloaded, or nil and the error.
function entry.reload_behaviour(name, source, chunkname)
  local count, err = M.reload(name, source, chunkname)
  rt.slot_flush()
  return count, err
end

return M
