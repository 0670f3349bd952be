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
local state = { status = "idle", message = "", traceback = "" }

-- Private helpers ---------------------------------------------------------------------------

local function show(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) == "table" then
    local mt = getmetatable(v)
    if mt == "entity" then return tostring(v) end
    local parts, n = {}, 0
    for k, x in pairs(v) do
      n = n + 1
      if n > 8 then parts[#parts + 1] = "..." break end
      parts[#parts + 1] = (type(k) == "string" and k or "[" .. tostring(k) .. "]") .. " = " .. (type(x) == "table" and "{...}" or show(x))
    end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  return tostring(v)
end

local function deep_equal(a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_equal(v, b[k], seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
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
  check(negated, rawequal(actual, expected) or actual == expected, show(expected) .. ", got " .. show(actual))
end

function matchers.to_equal(actual, negated, expected)
  check(negated, deep_equal(actual, expected), show(expected) .. " (deep), got " .. show(actual))
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
  check(negated, ok, ("%s ± %s, got %s"):format(show(expected), show(epsilon), show(actual)))
end

function matchers.to_contain(actual, negated, item)
  local ok = false
  if type(actual) == "string" then
    ok = type(item) == "string" and actual:find(item, 1, true) ~= nil
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
  local matches = not ok and (pattern == nil or tostring(err):find(pattern) ~= nil)
  check(negated, matches, ok and "the function to fail, but it returned"
    or ("an error matching %s, got %s"):format(show(pattern), show(tostring(err))))
end

local function expectation(actual, negated)
  local e = {}
  for name, matcher in pairs(matchers) do
    e[name] = function(...) return matcher(actual, negated, ...) end
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
    sched.spawn(function()
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

return M
