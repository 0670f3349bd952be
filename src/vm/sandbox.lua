-- The sandbox: what scripts can see, and the entry points the host calls.
-- Loaded last. Every script (main chunk or module) runs with its own environment table
-- whose reads fall through to one read-only base. Library and API tables are read-only
-- proxies; io, os (except game time), debug, package, dofile, loadfile and string.dump
-- are absent; `load` takes text only; `require` reads only from the host's script roots.
local rt = ...
local sched = rt.scheduler
local host = rt.host

local M = {}

local protected = rt.protected
local arg_error = rt.arg_error
local raw_load, raw_setmetatable, raw_rawset, raw_collectgarbage = load, setmetatable, rawset, collectgarbage
local type, select, tostring, pairs, next, error, pcall = type, select, tostring, pairs, next, error, pcall
local concat = table.concat
local costatus, corunning = coroutine.status, coroutine.running
local ctx = rt.ctx

-- Private helpers -----------------------------------------------------------------------

local function readonly(name, real)
  local proxy = raw_setmetatable({}, {
    __index = real,
    __newindex = function(_, key)
      error(string.format("cannot modify '%s.%s': %s is read-only", name, tostring(key), name), 2)
    end,
    -- An iterator of our own: `next, real` would hand the real table to the caller.
    __pairs = function(p)
      return function(_, k) return next(real, k) end, p, nil
    end,
    __len = function() return #real end,
    __metatable = "read-only",
  })
  protected[proxy] = true
  return proxy
end
M.readonly = readonly


-- The base environment ----------------------------------------------------------------------

local string_sub = string.sub

-- The standard libraries scripts get are libs.lua's: every C function a script can reach
-- there is bounded by its input or charged for its work (rt.charge), and its errors blame
-- the script's line.
local libs = rt.libs.build(rt.charge)
local safe_string = libs.string
local string_proxy = readonly("string", safe_string)
do
  local mt = rt.debug.getmetatable("")
  mt.__index = safe_string
  for k, v in pairs(libs.string_meta) do mt[k] = v end -- "1" + 0 on a huge string is charged too
  mt.__metatable = readonly("string metatable", { __index = string_proxy })
end

local base = {}

local guarded_fields = rt.guarded_fields
local function safe_rawset(t, k, v)
  if type(t) ~= "table" then arg_error(1, "rawset", "table", t, 2) end
  if k == nil then error("bad argument #2 to 'rawset' (table index is nil)", 2) end
  if k ~= k then error("bad argument #2 to 'rawset' (table index is NaN)", 2) end
  if protected[t] then error("cannot modify a read-only table", 2) end
  local guard = guarded_fields[t]
  if guard and guard[k] then error(string.format("rawset cannot set entity field '%s' (assign it normally)", tostring(k)), 2) end
  raw_rawset(t, k, v)
  return t
end

local function safe_setmetatable(t, mt)
  if type(t) ~= "table" then arg_error(1, "setmetatable", "table", t, 2) end
  if protected[t] then error("cannot change the metatable of a read-only table", 2) end
  local current = rt.debug.getmetatable(t)
  if current and rawget(current, "__metatable") ~= nil then error("cannot change a protected metatable", 2) end
  if mt ~= nil and type(mt) ~= "table" then arg_error(2, "setmetatable", "nil or table", mt, 2) end
  if mt and rawget(mt, "__gc") ~= nil then
    error("setmetatable: finalizers (__gc) are not allowed in scripts", 2)
  end
  return raw_setmetatable(t, mt)
end

local function safe_collectgarbage(option)
  if option == "count" then return raw_collectgarbage("count") end
  error("collectgarbage: only collectgarbage(\"count\") is allowed in scripts", 2)
end

-- pcall and xpcall that cannot swallow the watchdog's abort.
local raw_pcall, raw_xpcall = pcall, xpcall
local aborting = rt.aborting
local function reraise(ok, ...)
  if not ok and aborting() then error((...), 0) end
  return ok, ...
end
-- pcall(api_function, ...) calls a moonstep API from C, where its error has no line to blame;
-- the script's line is the pcall's. A memory error has none either. (Script errors, and the
-- standard library's, stay as Lua raises them.)
local getinfo = rt.debug.getinfo
local function locate(f, ok, ...)
  if ok then return ok, ... end
  local err = ...
  if aborting() then error(err, 0) end
  if type(err) ~= "string" or string.find(err, "^[^\n]-:%d+: ") then return false, err end
  local info = type(f) == "function" and getinfo(f, "S")
  if err ~= "not enough memory" and not (info and string.find(info.short_src, "^moonstep/")) then return false, err end
  return false, rt.script_location() .. ": " .. err
end
local function safe_pcall(f, ...)
  return locate(f, raw_pcall(f, ...))
end
-- While a callback is being aborted, Lua would run the message handler inside the count
-- hook, with hooks off: the script's handler is skipped then (the abort goes on anyway).
local function safe_xpcall(f, handler, ...)
  if not rt.is_callable(handler) then arg_error(2, "xpcall", "function", handler, 2) end
  return reraise(raw_xpcall(f, function(m)
    if aborting() then return m end
    return handler(m)
  end, ...))
end

local unpack = table.unpack
local function print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  -- The host joins the parts after charging them to the print quota (no copy made here first).
  host.print(unpack(parts, 1, n))
end

--- The chunk name a script's code gets for `name`. The runtime's own chunks are named
--- "moonstep/...": no script chunk may look like one (tracebacks and creation sites hide
--- those frames), so such a name gets a "script:" prefix.
local function script_chunkname(name)
  if string_sub(name, 2, 10) == "moonstep/" then
    local sigil = string_sub(name, 1, 1)
    if sigil == "=" or sigil == "@" then return sigil .. "script:" .. string_sub(name, 2) end
  end
  return name
end
M.script_chunkname = script_chunkname

rt.libs.chunkname = script_chunkname -- names a script gives `load` are checked the same way
local make_load = libs.make_load

local env_mt = { __index = base, __metatable = "environment" }

local require_in -- require_in(mod, name): defined below

-- One `require` function per mod (modules are shared within a mod, never across mods).
local require_of = setmetatable({}, { __mode = "k" })
local function require_for(mod)
  local f = require_of[mod]
  if not f then
    f = function(name) return require_in(mod, name) end
    require_of[mod] = f
  end
  return f
end

--- A fresh environment for one script of mod `mod` (default: the running owner's mod):
--- its own globals over the shared read-only base, and its mod's `require`.
local function new_env(mod)
  if not mod then
    local owner = ctx.owner
    mod = owner and owner.mod or rt.mods.game
  end
  local env = raw_setmetatable({}, env_mt)
  env._G = env
  env.load = make_load(env)
  env.require = require_for(mod)
  return env
end
M.new_env = new_env

-- require ---------------------------------------------------------------------------------

local MODULE_NAME = "^[%w_%-]+$"

--- True if `name` is a valid module (and behaviour script) name: letters, digits, '_' and '-'
--- in non-empty parts separated by dots, at most 200 characters.
local function valid_module_name(name)
  if type(name) ~= "string" or #name == 0 or #name > 200 then return false end
  for part in string.gmatch((name .. "."), "(.-)%.") do
    if not string.find(part, MODULE_NAME) then return false end
  end
  return true
end
M.valid_module_name = valid_module_name

--- For a module name written as a file name ("enemy.lua"): what to write instead; else nil.
function M.lua_suffix_hint(name)
  if type(name) == "string" and #name > 4 and string.sub(name, -4) == ".lua" then
    return string.format("module names have no '.lua' suffix: write %q", string.sub(name, 1, -5))
  end
end

local function check_module_name(name)
  if type(name) ~= "string" then arg_error(1, "require", "module name (string)", name, 3) end
  local hint = M.lua_suffix_hint(name)
  if hint then error(string.format("bad argument #1 to 'require' (%s)", hint), 3) end
  if not valid_module_name(name) then
    error(string.format("bad argument #1 to 'require' (module name expected: letters, digits, '_' and '-' " ..
      "in parts separated by dots; got %q)", name), 3)
  end
end

--- Compiles script text as chunk `chunkname` in a fresh environment of mod `mod` (text
--- only): the chunk's function, or nil and the syntax error.
local function compile(source, chunkname, mod)
  return raw_load(source, script_chunkname("@" .. chunkname), "t", new_env(mod))
end

function require_in(mod, name)
  check_module_name(name)
  local log = M.require_log
  if log then log[name] = true end
  local loaded = mod.loaded
  local value = loaded[name]
  if value ~= nil then return value end
  local loading = mod.loading
  local by = loading[name]
  if by then
    -- The thread that started loading it died (cancelled while the module waited, stopped,
    -- or failed): the module is not loaded, and this require loads it afresh.
    if costatus(by) == "dead" then
      loading[name] = nil
    else
      error(string.format("require: module '%s' requires itself (circular require)", name), 2)
    end
  end
  local source, chunkname = host.read_module(name, mod.name)
  if source == nil then error(chunkname, 2) end
  local fn, err = compile(source, chunkname, mod)
  if not fn then error(err, 0) end
  local marker = corunning()
  loading[name] = marker
  local ok, result = pcall(fn, name, chunkname)
  if loading[name] == marker then loading[name] = nil end
  if not ok then error(result, 0) end
  if result == nil then result = true end
  loaded[name] = result
  return result
end

--- require(name) in the running owner's mod.
local function require(name)
  local owner = ctx.owner
  return require_in(owner and owner.mod or rt.mods.game, name)
end
M.require = require

--- While a table, `require` notes each module name it is asked for (the entities module
--- uses it to know which modules a behaviour depends on, for hot reload).
M.require_log = nil

--- True if module `name` has been loaded by `require` in any mod.
function M.is_loaded(name)
  for _, mod in next, rt.mods do
    if mod.loaded[name] ~= nil then return true end
  end
  return false
end

--- Forgets module `name` in every mod, so the next `require` loads it again (hot reload).
function M.unload(name)
  for _, mod in next, rt.mods do mod.loaded[name] = nil end
end

--- Compiles script text in a fresh sandbox environment (text only). Returns the chunk's
--- function, or nil and the syntax error. For behaviours (loaded and reloaded by name).
M.compile = compile

-- Assembling the base -----------------------------------------------------------------------

local game_os = {
  clock = function() return sched.frame / sched.hz end,
  time = function() return sched.frame // sched.hz end,
}

local plain = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = safe_pcall,
  xpcall = safe_xpcall, select = libs.base.select, tonumber = libs.base.tonumber, tostring = tostring, type = type,
  rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = safe_rawset,
  getmetatable = getmetatable, setmetatable = safe_setmetatable, print = print,
  collectgarbage = safe_collectgarbage, require = require, _VERSION = _VERSION,
}

--- Adds (or replaces) a global the sandbox offers to every script. Tables become read-only.
function M.set_global(name, value)
  if type(value) == "table" and not protected[value] then value = readonly(name, value) end
  base[name] = value
end

function M.freeze()
  for k, v in pairs(plain) do base[k] = v end
  base.string = string_proxy
  base.table = readonly("table", libs.table)
  base.math = readonly("math", libs.math)
  base.utf8 = readonly("utf8", libs.utf8)
  base.os = readonly("os", game_os)
  for name, value in pairs(rt.globals) do M.set_global(name, value) end
  protected[base] = true
  -- By construction, no table a script can reach through the base is mutable: every value
  -- of a read-only table is a function, a string, a number, a boolean or another read-only
  -- table (the boot fails otherwise).
  for name, value in pairs(base) do
    if type(value) == "table" and value ~= base then
      for key, v in pairs(value) do
        if type(v) == "table" and not protected[v] then
          error(string.format("sandbox: %s.%s is a mutable table scripts could reach", name, tostring(key)))
        end
      end
    end
  end
end

-- Entry points for the host -----------------------------------------------------------------

local entry = rt.entry

local inputs = nil

sched.on_step_start(function()
  local list = inputs
  if not list then return end
  inputs = nil
  sched.run_list(list, #list, function(input)
    ctx.owner, ctx.source, ctx.task = nil, "event", nil
    local kind = input[1]
    if kind == "event" then
      rt.events.dispatch(input[2], input[3])
    elseif kind == "input" then
      rt.input.apply(input[2])
    else
      ctx.source = "host-call"
      rt.hostcalls.settle(input[2], input[3], input[4])
    end
  end)
end)

--- Runs one step. `step_inputs` is nil or an array of host inputs in arrival order:
--- {"event", name, args} or {"settle", call_id, ok, values}. Returns the step's trace text
--- (when tracing is on).
function entry.step(step_inputs)
  inputs = step_inputs
  sched.step()
  local trace = rt.trace
  if trace and #trace > 0 then
    rt.trace = {}
    return concat(trace, "\n")
  end
end

--- Runs `source` as a main chunk owned by a new script owner. Returns true, or false and the
--- syntax error message.
function entry.run_main(source, chunkname, mod_name)
  local mod = rt.mods[mod_name or "game"]
  local fn, err = compile(source, chunkname, mod)
  if not fn then return false, err end
  local owner = rt.owner_new("script", "script:" .. chunkname, mod)
  sched.run_from_host({ fn }, 1, function(f)
    ctx.owner, ctx.source, ctx.task = owner, "main", nil
    if rt.trace then rt.trace_record("main", 0, owner) end
    f()
  end)
  return true
end

--- Exposes host function `name` to scripts.
function entry.expose(name)
  M.set_global(name, rt.hostcalls.make(name))
end

--- Turns tracing on or off.
function entry.set_trace(on)
  rt.trace = on and {} or nil
  sched.set_tracing(on)
end

--- Every name the sandbox offers scripts: globals ("print"), and the functions and values of
--- global tables ("task.wait"), sorted. For the editor-annotation coverage test.
function entry.api_surface()
  local names = {}
  for name, value in pairs(base) do
    if protected[value] and name ~= "_G" then
      for key in pairs(value) do names[#names + 1] = name .. "." .. key end
    else
      names[#names + 1] = name
    end
  end
  -- Methods of the handles scripts get: Entity:destroy(), Connection:disconnect().
  for class, methods in pairs({ Entity = rt.entities.methods, Connection = rt.events.connection_methods }) do
    for key in pairs(methods) do names[#names + 1] = class .. ":" .. key end
  end
  table.sort(names)
  return names
end

--- Runs a full garbage collection (host only; scripts may not).
function entry.collect_garbage()
  raw_collectgarbage("collect")
end

--- Seeds math.random.
function entry.seed(seed)
  math.randomseed(seed)
end

--- Sets the step rate.
function entry.configure(hz)
  sched.configure(hz)
end

--- Counts for runtime.stats(): live slots, pending timers, waiting tasks.
function entry.stats()
  local timers, waiting = rt.queue.oneshot_count(), 0
  for _, record in rt.slot_each() do
    if not record.released then
      if record.kind == "timer" then timers = timers + 1
      elseif record.kind == "task" and record.status == "suspended" then waiting = waiting + 1 end
    end
  end
  return rt.slot_count(), timers, waiting, sched.frame, rt.entities.count()
end

return M
