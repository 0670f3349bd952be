-- Input for playable scenes: `input.down(action)`, `input.pressed(action)` and
-- `input.released(action)` read a per-step snapshot of the host's actions. The host maps
-- keys (or buttons) to action names and sends the snapshot at the start of a step, only when
-- something changed; a press and release that both happen between two steps still shows
-- as pressed and released in the next step.
local rt = ...
local sched = rt.scheduler

local M = {}

local type = type
local arg_error = rt.arg_error

local down, pressed, released = {}, {}, {}
local EMPTY = {}
-- Actions the game binds (sent with a snapshot when its bindings change), and every action
-- seen held or pressed so far: an action read that is neither may be misspelled.
local bound, nbound = {}, 0
local seen, nseen = {}, 0
local checked = {} -- action -> nseen when it was last checked

local function set_of(list)
  local set = {}
  if type(list) == "table" then
    for i = 1, #list do set[list[i]] = true end
  end
  return set
end

local function see(action)
  if not seen[action] then seen[action], nseen = true, nseen + 1 end
end

--- An action no binding names and nobody pressed yet: warn once if the game binds actions
--- (it is unknown) or if a known one is close (a misspelling).
local function check_unknown(action, fname)
  if bound[action] or checked[action] == nseen or not rt.mistakes.enabled then return end
  checked[action] = nseen
  local known = {}
  for a in pairs(bound) do known[a] = true end
  for a in pairs(seen) do known[a] = true end
  local hint = rt.mistakes.did_you_mean(action, known)
  if nbound == 0 and hint == "" then return end
  rt.mistakes.warn_once("input\0" .. action, string.format("%s: %s: no input action '%s' is bound or has been pressed, so it " ..
    "reads false%s", rt.script_location(), fname, action, hint))
end

local function check_action(action, fname)
  if type(action) ~= "string" then arg_error(1, fname, "action name (string)", action, 3) end
  if not seen[action] then check_unknown(action, fname) end
end

-- Public ------------------------------------------------------------------------------

--- input.down(action) -> boolean: the action is held in this step.
function M.down(action)
  check_action(action, "input.down")
  return down[action] == true
end

--- input.pressed(action) -> boolean: the action went down since the previous step.
function M.pressed(action)
  check_action(action, "input.pressed")
  return pressed[action] == true
end

--- input.released(action) -> boolean: the action went up since the previous step.
function M.released(action)
  check_action(action, "input.released")
  return released[action] == true
end

--- Applies a snapshot from the host: { down = {...}, pressed = {...}, released = {...} }.
function M.apply(snapshot)
  down, pressed, released = set_of(snapshot.down), set_of(snapshot.pressed), set_of(snapshot.released)
  for action in pairs(down) do see(action) end
  for action in pairs(pressed) do see(action) end
  local actions = snapshot.actions
  if type(actions) == "table" then
    bound, nbound = set_of(actions), #actions
  end
end

local simulated = {} -- { action, is_down } queued by M.simulate for the next step

--- Queues a change of `action` for the start of the next step, as if the host's input had
--- changed (for the spec runner's press/release).
function M.simulate(action, is_down)
  simulated[#simulated + 1] = { action, is_down }
  see(action)
end

-- Edges last one step: cleared at the start of each step, before host inputs arrive.
sched.on_step_start(function()
  if next(pressed) ~= nil then pressed = EMPTY end
  if next(released) ~= nil then released = EMPTY end
  if #simulated == 0 then return end
  local new_down, new_pressed, new_released = {}, {}, {}
  for k in pairs(down) do new_down[k] = true end
  for i = 1, #simulated do
    local action, is_down = simulated[i][1], simulated[i][2]
    if is_down and not new_down[action] then
      new_down[action], new_pressed[action] = true, true
    elseif not is_down and new_down[action] then
      new_down[action], new_released[action] = nil, true
    end
  end
  down, pressed, released, simulated = new_down, new_pressed, new_released, {}
end)

rt.globals.input = { down = M.down, pressed = M.pressed, released = M.released }

return M
