-- Warnings for silent mistakes: a misspelled hook or view field, an unknown input action, a
-- `final` that waits. Each is a `warning` event, once per behaviour (or action) and name, with
-- a "did you mean" suggestion where a known name is close. On by default; the host turns it
-- off with the `warnMistakes: false` runtime option.
local rt = ...

local M = {}

local type, pairs = type, pairs

--- Whether mistakes are reported (the host's `warnMistakes` option).
M.enabled = true

local warned = {} -- key -> true: what has been said already

-- Public ------------------------------------------------------------------------------

--- Sends `message` as a warning the first time `key` is seen; later calls say nothing.
function M.warn_once(key, message)
  if warned[key] then return end
  warned[key] = true
  rt.warn(message)
end

--- The candidate closest to `name` (in edit distance, at most 1 for names of 3 or 4
--- characters, else 2; none for shorter names), or nil. `candidates` is an array, or a set
--- (name -> true).
function M.suggest(name, candidates)
  if type(name) ~= "string" or #name < 3 then return nil end
  local limit = #name <= 4 and 1 or 2
  local best, best_d = nil, limit + 1
  local function consider(c)
    if type(c) == "string" and c ~= name and math.abs(#c - #name) <= limit then
      local d = M.distance(name, c, limit)
      if d < best_d or (d == best_d and best and c < best) then best, best_d = c, d end
    end
  end
  if candidates[1] ~= nil then
    for i = 1, #candidates do consider(candidates[i]) end
  else
    for c in pairs(candidates) do consider(c) end
  end
  return best
end

--- " (did you mean 'x'?)" for the closest candidate, or "".
function M.did_you_mean(name, candidates)
  local s = M.suggest(name, candidates)
  return s and string.format(" (did you mean '%s'?)", s) or ""
end

--- Edit distance between `a` and `b` (insertions, deletions, substitutions and swaps of two
--- neighbours), or `limit` + 1 once it is known to exceed `limit`.
function M.distance(a, b, limit)
  local la, lb = #a, #b
  local prev2, prev, cur = {}, {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    cur[0] = i
    local row_min = i
    local ca = string.byte(a, i)
    for j = 1, lb do
      local cb = string.byte(b, j)
      local cost = ca == cb and 0 or 1
      local v = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and ca == string.byte(b, j - 1) and string.byte(a, i - 1) == cb then
        v = math.min(v, prev2[j - 2] + 1)
      end
      cur[j] = v
      if v < row_min then row_min = v end
    end
    if row_min > limit then return limit + 1 end
    prev2, prev, cur = prev, cur, prev2
  end
  return prev[lb]
end

-- Entry points for the host -------------------------------------------------------------

--- Turns the warnings on or off (the `warnMistakes` runtime option).
function rt.entry.set_warn_mistakes(on)
  M.enabled = on and true or false
end

return M
