// A Lua port of lstrlib.c's matcher (Lua 5.4.6 `match`, `max_expand`, `min_expand`,
// `matchbalance`, captures) that counts the work it does, in the units libs.lua's bound uses:
// one per match() call, the class's width per singlematch, one per byte a %b scan or a
// back-reference compares, one per capture byte pushed. Used to check, on random patterns
// and subjects, that the bound libs.lua derives is never below the real work.
export const COUNTING_MATCHER = `
local RS = RAW.string
local sub, byte = RS.sub, RS.byte

local function class_matches(c, cls)
  if cls == "$" then return c == "$" end
  return RS.find(c, "^" .. cls) ~= nil
end

-- Returns the step count of a whole call: mode "find" (find/match), "gmatch" or "gsub".
-- Returns nil if the real matcher would raise (malformed pattern and the like).
function count_steps(s, p, mode)
  local steps = 0
  local n, np = #s, #p
  local caps, level = {}, 0
  local CAP_UNF, CAP_POS = -1, -2
  local depth = 0
  local function fail() error("irregular", 0) end

  local function classend(pi)
    local c = byte(p, pi)
    pi = pi + 1
    if c == 37 then
      if pi > np then fail() end
      return pi + 1
    elseif c == 91 then
      if byte(p, pi) == 94 then pi = pi + 1 end
      repeat
        if pi > np then fail() end
        local d = byte(p, pi)
        pi = pi + 1
        if d == 37 and pi <= np then pi = pi + 1 end
      until byte(p, pi) == 93
      return pi + 1
    end
    return pi
  end

  local function singlematch(si, pi, ep)
    steps = steps + (ep - pi)
    if si > n then return false end
    return class_matches(sub(s, si, si), sub(p, pi, ep - 1))
  end

  local match
  local function max_expand(si, pi, ep)
    local i = 0
    while singlematch(si + i, pi, ep) do i = i + 1 end
    while i >= 0 do
      local r = match(si + i, ep + 1)
      if r then return r end
      i = i - 1
    end
    return nil
  end
  local function min_expand(si, pi, ep)
    while true do
      local r = match(si, ep + 1)
      if r then return r
      elseif singlematch(si, pi, ep) then si = si + 1
      else return nil end
    end
  end
  local function start_capture(si, pi, what)
    if level >= 32 then fail() end
    level = level + 1
    caps[level] = { init = si, len = what }
    local r = match(si, pi)
    if not r then level = level - 1 end
    return r
  end
  local function end_capture(si, pi)
    local l = level
    while l > 0 and caps[l].len ~= CAP_UNF do l = l - 1 end
    if l == 0 then fail() end
    caps[l].len = si - caps[l].init
    local r = match(si, pi)
    if not r then caps[l].len = CAP_UNF end
    return r
  end

  function match(si, pi)
    steps = steps + 1
    depth = depth + 1
    if depth > 200 then fail() end
    while true do
      if pi > np then depth = depth - 1 return si end
      local c = byte(p, pi)
      if c == 40 then
        local r
        if byte(p, pi + 1) == 41 then r = start_capture(si, pi + 2, CAP_POS)
        else r = start_capture(si, pi + 1, CAP_UNF) end
        depth = depth - 1
        return r
      elseif c == 41 then
        local r = end_capture(si, pi + 1)
        depth = depth - 1
        return r
      elseif c == 36 and pi == np then
        depth = depth - 1
        return si == n + 1 and si or nil
      elseif c == 37 and byte(p, pi + 1) == 98 then
        if pi + 3 > np then fail() end
        local b, e = byte(p, pi + 2), byte(p, pi + 3)
        if si > n or byte(s, si) ~= b then depth = depth - 1 return nil end
        local cont, k, found = 1, si + 1, nil
        while k <= n do
          steps = steps + 1
          local d = byte(s, k)
          if d == e then
            cont = cont - 1
            if cont == 0 then found = k + 1 break end
          elseif d == b then cont = cont + 1 end
          k = k + 1
        end
        if not found then depth = depth - 1 return nil end
        si, pi = found, pi + 4
      elseif c == 37 and byte(p, pi + 1) == 102 then
        pi = pi + 2
        if byte(p, pi) ~= 91 then fail() end
        local ep = classend(pi)
        local cls = sub(p, pi, ep - 1)
        steps = steps + 2 * (ep - pi)
        local prev = si == 1 and "\\0" or sub(s, si - 1, si - 1)
        local cur = si > n and "\\0" or sub(s, si, si)
        if not class_matches(prev, cls) and class_matches(cur, cls) then pi = ep
        else depth = depth - 1 return nil end
      elseif c == 37 and byte(p, pi + 1) and byte(p, pi + 1) >= 48 and byte(p, pi + 1) <= 57 then
        local l = byte(p, pi + 1) - 48
        if l < 1 or l > level or caps[l].len == CAP_UNF then fail() end
        local len = caps[l].len
        if len >= 0 then
          steps = steps + len
          if n - si + 1 >= len and sub(s, caps[l].init, caps[l].init + len - 1) == sub(s, si, si + len - 1) then
            si, pi = si + len, pi + 2
          else depth = depth - 1 return nil end
        else depth = depth - 1 return nil end
      else
        local ep = classend(pi)
        local q = byte(p, ep)
        if not singlematch(si, pi, ep) then
          if q == 42 or q == 63 or q == 45 then pi = ep + 1
          else depth = depth - 1 return nil end
        else
          if q == 63 then
            local r = match(si + 1, ep + 1)
            if r then depth = depth - 1 return r end
            pi = ep + 1
          elseif q == 43 then
            local r = max_expand(si + 1, pi, ep)
            depth = depth - 1
            return r
          elseif q == 42 then
            local r = max_expand(si, pi, ep)
            depth = depth - 1
            return r
          elseif q == 45 then
            local r = min_expand(si, pi, ep)
            depth = depth - 1
            return r
          else
            si, pi = si + 1, ep
          end
        end
      end
    end
  end

  local function push_captures(si, e)
    for l = 1, level do
      if caps[l].len == CAP_UNF then fail() end
      if caps[l].len > 0 then steps = steps + caps[l].len end
    end
    if level == 0 and si then steps = steps + (e - si) end
  end

  local ok, err = pcall(function()
    local anchor = mode ~= "gmatch" and byte(p, 1) == 94
    local pstart = anchor and 2 or 1
    local function attempt(si)
      level, depth = 0, 0
      local saved = p
      local r
      if anchor then
        p = sub(saved, 2)
        np = #p
        r = match(si, 1)
        p = saved
        np = #p
      else
        r = match(si, pstart)
      end
      return r
    end
    if mode == "find" then
      local si = 1
      repeat
        local e = attempt(si)
        if e then push_captures(si, e) return end
        si = si + 1
      until si > n + 1 or anchor
    else
      local si, last = 1, nil
      while true do
        local e = attempt(si)
        if e and e ~= last then
          push_captures(si, e)
          si, last = e, e
        elseif si <= n then si = si + 1
        else break end
        if anchor then break end
      end
    end
  end)
  if not ok then
    if err == "irregular" then return nil end
    error(err, 0)
  end
  return steps
end
`;
