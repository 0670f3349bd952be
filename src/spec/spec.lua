-- The spec API for testing behaviour scripts headless (`moonstep test`): describe, it,
-- expect, and step(n) to let the scheduler run. Loaded only by the spec runner, which runs
-- each `it` in a fresh runtime: it loads the spec file (registering the tests), starts the
-- one selected test as a task, and steps the runtime until that task has finished.
local rt = ...
local sched = rt.scheduler

local M = {}

local type, tostring, error, pairs, select = type, tostring, error, pairs, select
local describe_value = rt.describe

local tests = {}        -- { name =, fn = } in file order
local prefix = {}       -- names of the enclosing describe blocks
local state = { status = "idle", message = "", traceback = "", task = false }

-- Private helpers ---------------------------------------------------------------------------

-- A table's keys in a stable order: the array part first, then the others sorted by text.
local function sorted_keys(t)
  local keys, n = {}, #t
  for i = 1, n do keys[i] = i end
  local rest = {}
  for k in pairs(t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then rest[#rest + 1] = k end
  end
  table.sort(rest, function(x, y) return tostring(x) < tostring(y) end)
  for i = 1, #rest do keys[n + i] = rest[i] end
  return keys, n
end

local function key_text(k)
  if type(k) == "string" and string.find(k, "^[%a_][%w_]*$") then return k end
  return "[" .. (type(k) == "string" and string.format("%q", k) or tostring(k)) .. "]"
end

--- A value as Lua-like text: tables shown nested (3 levels, 8 items each).
local function show(v, depth)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" then
    local mt = getmetatable(v)
    if mt == "entity" or mt == "task" or mt == "connection" then return tostring(v) end
    depth = depth or 0
    if depth >= 3 then return "{...}" end
    local keys, n = sorted_keys(v)
    if #keys == 0 then return "{}" end
    local parts = {}
    for i = 1, #keys do
      if i > 8 then parts[#parts + 1] = "..." break end
      local k = keys[i]
      local x = show(v[k], depth + 1)
      parts[i] = i <= n and x or (key_text(k) .. " = " .. x)
    end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  return tostring(v)
end

local function path_step(k)
  if type(k) == "string" and string.find(k, "^[%a_][%w_]*$") then return "." .. k end
  return key_text(k)
end

--- nil if a and b are deeply equal; else the path to the first difference ("" at the top)
--- and the two values found there.
local function first_difference(a, b, seen, path)
  path = path or ""
  if a == b then return nil end
  if type(a) ~= "table" or type(b) ~= "table" then return path, a, b end
  seen = seen or {}
  if seen[a] == b then return nil end
  seen[a] = b
  local keys = sorted_keys(a)
  for i = 1, #keys do
    local k = keys[i]
    local where, x, y = first_difference(a[k], b[k], seen, path .. path_step(k))
    if where then return where, x, y end
  end
  local other = sorted_keys(b)
  for i = 1, #other do
    local k = other[i]
    if a[k] == nil then return path .. path_step(k), nil, b[k] end
  end
  return nil
end

-- Public ------------------------------------------------------------------------------

--- describe(name, fn): groups tests; runs fn now to register them.
function M.describe(name, fn)
  if type(name) ~= "string" then rt.arg_error(1, "describe", "string", name, 2) end
  rt.check_callable(fn, 2, "describe")
  prefix[#prefix + 1] = name
  fn()
  prefix[#prefix] = nil
end

--- it(name, fn): registers a test. Its body runs in a task: it may wait (step, task.wait).
function M.it(name, fn)
  if type(name) ~= "string" then rt.arg_error(1, "it", "string", name, 2) end
  rt.check_callable(fn, 2, "it")
  local parts = {}
  for i = 1, #prefix do parts[i] = prefix[i] end
  parts[#parts + 1] = name
  tests[#tests + 1] = { name = table.concat(parts, " > "), fn = fn }
end

--- step(n?): lets n whole steps run (default 1) and returns at the end of the last one,
--- after its timers, updates, triggers and deferred work.
function M.step(n)
  rt.check_finite(n, 1, "step", true)
  n = math.max(1, math.floor(n or 1))
  local t = sched.current_task("step")
  sched.wait_until_key(t, (sched.frame + n) * 1000) -- wakes in that step's timer phase...
  local item = { cancelled = false, run = function()
    if t.status == "suspended" then sched.resume_task(t) end
  end }
  sched.defer(item)
  sched.suspend(t) -- ...and returns in its deferred phase, after the updates
end

--- press(action) / release(action): the action goes down / up from the next step, as if
--- the host's input had changed.
function M.press(action)
  if type(action) ~= "string" then rt.arg_error(1, "press", "action name (string)", action, 2) end
  rt.input.simulate(action, true)
end
function M.release(action)
  if type(action) ~= "string" then rt.arg_error(1, "release", "action name (string)", action, 2) end
  rt.input.simulate(action, false)
end

-- Matchers: matcher(actual, negated, ...) raises "expected: ..." at the spec's line.
local matchers = {}

local function check(negated, ok, message)
  if negated then ok = not ok end
  if not ok then error((negated and "expected not: " or "expected: ") .. message, 3) end
end

function matchers.to_be(actual, negated, expected)
  local ok = rawequal(actual, expected) or actual == expected
  local hint = ""
  if not ok and not negated and type(actual) == "table" and type(expected) == "table" then
    hint = " (two different tables: to_be compares identity; use to_equal to compare contents)"
  end
  check(negated, ok, show(expected) .. ", got " .. show(actual) .. hint)
end

function matchers.to_equal(actual, negated, expected)
  local diff, want, got = first_difference(expected, actual)
  local where = ""
  if diff and diff ~= "" then
    where = string.format("; first difference at %s: expected %s, got %s", diff, show(want), show(got))
  end
  check(negated, diff == nil, show(expected) .. " (deep), got " .. show(actual) .. where)
end

function matchers.to_be_truthy(actual, negated)
  check(negated, actual ~= nil and actual ~= false, "a truthy value, got " .. show(actual))
end

function matchers.to_be_falsy(actual, negated)
  check(negated, actual == nil or actual == false, "a falsy value, got " .. show(actual))
end

function matchers.to_be_nil(actual, negated)
  check(negated, actual == nil, "nil, got " .. show(actual))
end

function matchers.to_be_close(actual, negated, expected, epsilon)
  epsilon = epsilon or 1e-9
  local ok = type(actual) == "number" and type(expected) == "number" and math.abs(actual - expected) <= epsilon
  check(negated, ok, string.format("%s ± %s, got %s", show(expected), show(epsilon), show(actual)))
end

function matchers.to_contain(actual, negated, item)
  local ok = false
  if type(actual) == "string" then
    ok = type(item) == "string" and string.find(actual, item, 1, true) ~= nil
  elseif type(actual) == "table" then
    for _, v in pairs(actual) do
      if v == item then ok = true break end
    end
  end
  check(negated, ok, show(actual) .. " to contain " .. show(item))
end

function matchers.to_fail(actual, negated, pattern)
  if not rt.is_callable(actual) then error("expect(...).to_fail() needs a function, got " .. describe_value(actual), 3) end
  local ok, err = pcall(actual)
  local matches = not ok and (pattern == nil or string.find(tostring(err), pattern) ~= nil)
  check(negated, matches, ok and "the function to fail, but it returned"
    or string.format("an error matching %s, got %s", show(pattern), show(tostring(err))))
end

local function expectation(actual, negated)
  local e = {}
  for name, matcher in pairs(matchers) do
    e[name] = function(first, ...)
      if rawequal(first, e) then -- expect(x):to_be(y)
        error(string.format("matchers are called with a dot: expect(x).%s(...), not expect(x):%s(...)", name, name), 2)
      end
      return matcher(actual, negated, first, ...)
    end
  end
  return e
end

--- expect(actual) -> an expectation: .to_be(x), .to_equal(x), .to_be_truthy(), .to_be_falsy(),
--- .to_be_nil(), .to_be_close(x, eps?), .to_contain(v), .to_fail(pattern?); `.never.to_be(x)`
--- negates. Called with a dot: expect(x).to_be(y).
function M.expect(actual)
  local e = expectation(actual, false)
  e.never = expectation(actual, true)
  return e
end

for name, fn in pairs({ describe = M.describe, it = M.it, expect = M.expect, step = M.step, press = M.press,
                        release = M.release }) do
  rt.globals[name] = fn
end

-- Entry points for the spec runner ---------------------------------------------------------

--- Names of the registered tests, in order.
function rt.entry.spec_list()
  local names = {}
  for i = 1, #tests do names[i] = tests[i].name end
  return names
end

--- Starts test `index` (1-based) as a task owned by a "spec" owner.
function rt.entry.spec_start(index)
  local test = tests[index]
  if not test then
    state.status, state.message = "failed", "no test #" .. tostring(index)
    return
  end
  state.status = "running"
  local owner = rt.owner_new("script", "spec:" .. test.name)
  sched.run_from_host({ test }, 1, function(t)
    rt.ctx.owner, rt.ctx.source = owner, "main"
    state.task = sched.spawn(function()
      local ok, err = xpcall(t.fn, function(e)
        return { message = rt.error_text(e), traceback = rt.debug.traceback("", 2) }
      end)
      if ok then
        state.status = "passed"
      else
        state.status, state.message, state.traceback = "failed", err.message, err.traceback
      end
    end, "main")
  end)
end

--- The selected test's status ("running", "passed" or "failed"), message and traceback.
function rt.entry.spec_status()
  return state.status, state.message, state.traceback
end

--- Where the running test waits: "file:line" of its innermost script frame, or "?".
function rt.entry.spec_where()
  local t = state.task
  if not t or t.status ~= "suspended" then return "?" end
  -- The first frame of the suspended test's traceback that is neither the runtime's nor C.
  for frame in string.gmatch(rt.debug.traceback(t.co, "", 0), "\n\t([^\n]-:%d+):") do
    if not string.find(frame, "^moonstep/") and not string.find(frame, "^%[C%]") then return frame end
  end
  return "?"
end

return M
