-- The safe standard libraries scripts get: string, table, utf8, math, load, charged versions
-- of select and tonumber, and the string metatable's arithmetic.
--
-- Interface (the public section is at the end of the file, after the pieces it assembles):
--   local M = load(libs_source, "@moonstep/libs.lua")(rt)   -- rt.describe; rt.debug optional
--   local libs = M.build(charge)  -- charge(n): add n instruction-equivalents (may abort)
--   libs.string, libs.table, libs.utf8, libs.math     plain tables of wrappers
--   libs.base.select, libs.base.tonumber               charged base functions (optional)
--   libs.string_meta.__add .. __unm                    for the real string metatable
--   libs.make_load(env) -> load                        text-only, bounded compile
--
-- The watchdog counts VM instructions, so time spent inside a C function is invisible to it.
-- Every C function a script can reach through these tables is therefore either bounded by a
-- size the wrapper checks, or charged for its work before it runs: `charge(k)` adds k
-- instruction-equivalents to the running callback's budget (and may raise the abort).
--
-- Cost model. "Charged by n bytes" means charge(n // 16) once n exceeds FREE_BYTES (1 KiB);
-- "per element" means charge(count) once count exceeds FREE_ELEMENTS (64). Smaller calls
-- charge nothing: the common path adds a comparison to what the argument checks cost.
--
--   string.len, string.byte(s[, i])             O(1): free
--   string.sub                                  charged by the result's length
--   string.upper/lower/reverse                  charged by #s
--   string.rep(s, k, sep)                       charged by the result's length once built (C
--                                               allocates it whole first, so a result past the
--                                               memory cap fails before copying anything); an
--                                               empty result is made without C's k-turn loop;
--                                               past INT_MAX: "resulting string too large"
--   string.byte(s, i, j), string.char(...)      per value
--   string.format                               charged by #fmt + the %s/%q arguments' lengths
--                                               (%q: 4 per byte; __tostring results converted
--                                               first so their length is known) + 32 per
--                                               conversion on the slow path
--   string.find plain (or no specials)          lmemfind is O(#s * #p): n + m + (n-m+1)(m-1)
--                                               steps, charged as bytes, refused past
--                                               MAX_MATCH_STEPS
--   string.find/match/gmatch/gsub               a worst-case step bound from the pattern's
--                                               structure (see "Pattern costs"), refused past
--                                               MAX_MATCH_STEPS, else charged steps // 4;
--                                               gmatch is charged for the whole iteration when
--                                               the iterator is made. gsub adds its output: a
--                                               string replacement's bound up front, function
--                                               and table replacements per returned value
--   string.pack                                 charged by the output bound (format parsed here)
--   string.unpack                               charged by the bytes consumed and the values
--   string.packsize                             charged by #fmt
--   table.insert/remove                         per element shifted; refused past MAX_ELEMENTS
--   table.move                                  per element moved; refused past MAX_ELEMENTS
--   table.concat                                values read once here (hook-counted Lua), the
--                                               total length charged before C copies
--   table.unpack, table.pack                    per element
--   table.sort                                  n * (log2 n + 2) comparisons; with the default
--                                               comparator and string values, times the longest
--                                               string's bytes // 16 (strcoll). Tables with
--                                               __index/__newindex/__len are refused
--   utf8.char, utf8.codepoint                   per value
--   utf8.len, utf8.offset                       charged by #s (offset 1: free)
--   utf8.codes                                  O(1) per step of the script's own loop: free
--   math.*                                      O(1) (max/min: per argument past 64);
--                                               randomseed is absent
--   select(k, ...)                              per value returned past 64
--   tonumber(s)                                 charged by #s
--   string metatable __add .. __unm             charged by the operand strings' lengths
--   load                                        text only, at most MAX_SOURCE bytes; charged by a
--                                               lexer's bound on the parser's work (see "load"),
--                                               refused past MAX_COMPILE_WORK
--
-- Lengths: the table functions use the length the real library would (`#t`, honouring
-- __len) but compute it in Lua first and charge the work it implies, so a __len of 2^62, or
-- a plain table whose border is 2^61, is refused before C loops over it. With metatables,
-- insert/remove/concat/unpack never let C call __len again (each metamethod runs once, as
-- in C), and move data through C's table.move (which honours __index/__newindex).
--
-- Errors: every error names the public function ('string.rep') and carries the caller's
-- line. Fast paths check argument types in Lua so C cannot fail; anything else calls C
-- through a one-line Lua trampoline under pcall: the errors C raises itself then carry this
-- chunk's position, which identifies them exactly, and they are re-raised at the caller's
-- line with the public name. Errors from callbacks (comparators, gsub functions,
-- metamethods) pass through untouched. A wrapper called in tail position
-- (`return string.rep(x)`) has lost its caller's frame, as any Lua function would: the
-- error then takes the nearest script frame's position, never the runtime's.
--
-- Not covered here (VM operators, not library functions): `..`, `==`/`<` on long strings and
-- the VM's own string-to-integer coercion for bitwise operators ("1" | 0) are O(length) in
-- one instruction.
--
-- Argument checks cost one C call each (~50 ns in the wasm build) on the fast paths. They
-- could be dropped if the runtime's catch points (pcall, xpcall, the scheduler) used a
-- message handler that finds the frame above this chunk's and rewrites C's errors there.

local rt = ...

local M = {}

--- Maps a chunk name a script gives `load` to the one used (the sandbox sets it).
function M.chunkname(name) return name end

-- Limits and rates -------------------------------------------------------------------------

--- Bytes a call may scan or copy before it is charged; below it calls are free.
M.FREE_BYTES = 1024
--- Bytes per instruction-equivalent charged.
M.BYTES_PER_UNIT = 16
--- Elements (table slots, results) a call may touch before it is charged, 1 per element.
M.FREE_ELEMENTS = 64
--- Pattern-matching steps per instruction-equivalent.
M.STEPS_PER_UNIT = 4
--- Worst-case matching steps a single find/match/gmatch/gsub call may take.
M.MAX_MATCH_STEPS = 5e7
--- Largest table range table.move, insert or remove may touch in one call.
M.MAX_ELEMENTS = 1 << 24
--- Largest source text `load` compiles (bytes).
M.MAX_SOURCE = 1 << 20
--- Bound on the parser's work for one `load`, in units of ~2.5 ns (see compile_work).
M.MAX_COMPILE_WORK = 2e7

-- Captures (no global lookups at call time) -------------------------------------------------

local type, select, tostring, tonumber, error, pcall = type, select, tostring, tonumber, error, pcall
local rawlen, rawget, next, ipairs = rawlen, rawget, next, ipairs
local raw_load = load
local s_find, s_match, s_gmatch, s_gsub = string.find, string.match, string.gmatch, string.gsub
local s_sub, s_byte, s_char, s_rep, s_len = string.sub, string.byte, string.char, string.rep, string.len
local s_upper, s_lower, s_reverse, s_format = string.upper, string.lower, string.reverse, string.format
local s_pack, s_unpack, s_packsize = string.pack, string.unpack, string.packsize
local t_insert, t_remove, t_concat, t_unpack = table.insert, table.remove, table.concat, table.unpack
local t_move, t_sort, t_pack = table.move, table.sort, table.pack
local u_char, u_codepoint, u_len, u_offset, u_codes = utf8.char, utf8.codepoint, utf8.len, utf8.offset, utf8.codes
local math_type, tointeger, floor, log = math.type, math.tointeger, math.floor, math.log
local maxinteger, mininteger, huge = math.maxinteger, math.mininteger, math.huge
local describe = rt.describe
local m_ult = math.ult
-- The real metatable (a __metatable field can hide one from getmetatable).
local raw_getmetatable = rt.debug and rt.debug.getmetatable or getmetatable

local FREE_BYTES, BYTES_PER_UNIT, FREE_ELEMENTS = M.FREE_BYTES, M.BYTES_PER_UNIT, M.FREE_ELEMENTS
local STEPS_PER_UNIT, MAX_MATCH_STEPS, MAX_ELEMENTS = M.STEPS_PER_UNIT, M.MAX_MATCH_STEPS, M.MAX_ELEMENTS
local MAX_SOURCE, MAX_COMPILE_WORK = M.MAX_SOURCE, M.MAX_COMPILE_WORK
local MAX_STRING = 0x7fffffff -- lstrlib's MAXSIZE on 32-bit wasm (INT_MAX)

local charge -- the budget's charge function, set by build()

-- This chunk's own position prefix ("moonstep/libs.lua:"), as C errors raised from inside
-- a wrapper carry it; the slow paths replace it with the caller's.
local SELF_PREFIX
do
  local _, e = pcall(function() error("x", 1) end)
  SELF_PREFIX = s_match(e, "^(.-:)%d+: x$") or "\0"
end

-- Errors ------------------------------------------------------------------------------------

local getinfo = rt.debug and rt.debug.getinfo
local INTERNAL = s_match(SELF_PREFIX, "^(.-/)") or "\0" -- "moonstep/": the runtime's chunks

local function internal(src)
  return s_sub(src, 1, #INTERNAL) == INTERNAL
end

--- error(msg, level) as if called by raise's caller. When the frame at that level is the
--- runtime's own (a script called a wrapper in tail position, `return string.rep(x)`, so its
--- frame is gone), the message takes the first script frame's position instead, never an
--- internal one; a C caller (pcall) gives no position, as in Lua.
local function raise(msg, level)
  level = level + 1
  if getinfo and level > 1 then
    local info = getinfo(level, "S")
    if info and info.what ~= "C" and internal(info.short_src) then
      for l = level + 1, level + 60 do
        local up = getinfo(l, "Sl")
        if not up then break end
        if up.what ~= "C" and not internal(up.short_src) then
          error(up.short_src .. ":" .. tostring(up.currentline) .. ": " .. msg, 0)
        end
      end
      error(msg, 0)
    end
  end
  error(msg, level)
end

--- Raises "bad argument #n to 'fname' (msg)" `level` levels above the caller of bad().
local function bad(n, fname, msg, level)
  raise(s_format("bad argument #%d to '%s' (%s)", n, fname, msg), level + 1)
end

--- Raises "bad argument #n to 'fname' (expected expected, got <describe(v)>)".
local function arg_error(n, fname, expected, v, level)
  raise(s_format("bad argument #%d to '%s' (%s expected, got %s)", n, fname, expected, describe(v)), level + 1)
end

--- Turns an error C raised inside a wrapper (positioned at this chunk, naming a local) into
--- one at the caller's line naming the public function; other errors pass through untouched.
local function public_error(fname, e)
  if type(e) ~= "string" or s_sub(e, 1, #SELF_PREFIX) ~= SELF_PREFIX then return e, 0 end
  local msg = s_match(e, "^.-:%d+: (.*)$") or e
  msg = s_gsub(msg, "^(bad argument #%d+ to )'[^']*'", "%1'" .. fname .. "'")
  msg = s_gsub(msg, "^calling '[^']*' on bad self", "bad argument #1 to '" .. fname .. "'")
  return msg, 3
end

-- Calls C function f from this chunk, so that the errors C raises itself (luaL_error uses
-- the caller's position) carry SELF_PREFIX; errors from callbacks (a sort comparator, a gsub
-- function, __tostring, __index) keep their own positions and pass through unchanged.
local function call_c(f, ...)
  return f(...)
end

-- `return finish(fname, pcall(call_c, f, ...))` from a wrapper (a tail call, so level 2 of
-- the raise is the wrapper's caller).
local function finish(fname, ok, ...)
  if ok then return ... end
  local msg, level = public_error(fname, (...))
  if level == 0 then error(msg, 0) end
  raise(msg, 2)
end

-- Argument conversion, as lauxlib does it (level: of the wrapper's caller, seen from here).

local function to_str(v, n, fname)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return tostring(v) end
  arg_error(n, fname, "string", v, 3)
end

local function to_int(v, n, fname)
  local x = v
  local t = math_type(x)
  if t == "integer" then return x end
  if t == nil and type(x) == "string" then
    if #x > FREE_BYTES then charge(#x // BYTES_PER_UNIT) end
    x = tonumber(x)
    t = math_type(x)
    if t == "integer" then return x end
  end
  if t == "float" then
    local i = tointeger(x)
    if i then return i end
    bad(n, fname, "number has no integer representation", 3)
  end
  arg_error(n, fname, "number", v, 3)
end

local function opt_int(v, n, fname, default)
  if v == nil then return default end
  local x = v
  local t = math_type(x)
  if t == "integer" then return x end
  if t == nil and type(x) == "string" then
    x = tonumber(x)
    t = math_type(x)
    if t == "integer" then return x end
  end
  if t == "float" then
    local i = tointeger(x)
    if i then return i end
    bad(n, fname, "number has no integer representation", 3)
  end
  arg_error(n, fname, "number", v, 3)
end

local function to_num(v, n, fname)
  if type(v) == "number" then return v end
  if type(v) == "string" then
    if #v > FREE_BYTES then charge(#v // BYTES_PER_UNIT) end
    local x = tonumber(v)
    if x then return x end
  end
  arg_error(n, fname, "number", v, 3)
end

-- Charging ------------------------------------------------------------------------------


local function charge_bytes(nbytes)
  if nbytes > FREE_BYTES then charge(floor(nbytes / BYTES_PER_UNIT)) end
end

local function charge_elements(count)
  if count > FREE_ELEMENTS then charge(count) end
end

-- Positions as lstrlib normalizes them (posrelatI / getendpos): 1-based, clipped.
local function start_pos(pos, len)
  if pos > 0 then return pos
  elseif pos == 0 then return 1
  elseif pos < -len then return 1
  end
  return len + pos + 1
end

local function end_pos(pos, len)
  if pos > len then return len
  elseif pos >= 0 then return pos
  elseif pos < -len then return 0
  end
  return len + pos + 1
end

-- Pattern costs -------------------------------------------------------------------------------
-- Lua's matcher (lstrlib.c `match`) is a backtracking recursion over the pattern's items.
-- Steps are counted as the matcher's work: one per match() call, w per class test (a
-- bracket class of w bytes is scanned), one per byte a %b scan or a back-reference reads.
-- For a subject of n bytes, C(j) bounds one match() call on items j.. from any position:
--   single class (width w)          C = w + C(j+1)                (fails or goes on: a goto)
--   class?                          C = w + 2 C(j+1)              (with, then without)
--   class* / class+ / class-        C = (n+1) w + (n+1) C(j+1)    (every split is tried)
--   %bxy, %N (back-reference)       C = (n+1) + C(j+1)            (one scan, no backtracking)
--   %f[set]                         C = 2w + C(j+1)
--   ( ) () and a final $            C = 1 + C(j+1);  C(end) = 1
-- Refinements, each a proof that at most one split of a repetition reaches the rest:
--   * the rest always matches (A below), so the first split succeeds: C = (n+1) w + C(j+1)
--     (and class? then costs w + C(j+1));
--   * the next item is a single class (or a final $) disjoint from the repeated class: every
--     split but the last stops at that item's first test, paying its match() call, the
--     capture marks in between and that test w': C = (n+1)(w + marks + 1 + w') + C(j+1).
-- A(j) "items j.. match from any position": true at the end; through ( ) (); through
-- class*, class-, class? when A(j+1); and for .* / .- when E(j+1), where E(j) "items j.. match
-- at the subject's end" holds through ( ) () $ and *, -, ? items.
-- A whole call: find and match try n+1 starts (1 if the pattern starts with ^), gsub and
-- gmatch at most 2(n+1) (an empty match is retried once; gmatch's ^ is a plain character in
-- Lua 5.4); each start costs C(1) + 1, and pushing captures at most 33 bytes per subject byte.
-- Linear patterns: F(j) "items j.. match at their first try, each repetition counting only
-- the bytes it consumes" holds through ( ) () and *, -, ? items (and .* when E follows).
-- When F holds for the whole pattern, or its first consuming item is a single class, class+
-- or %f[...] and F holds after it, a failed start costs O(w) and a success at most w per
-- byte consumed plus the item count: the call is bounded by 2(n+1)(L+1)w + 33(n+1)
-- ("%w+", "[^,]*", "%s+", "%a+%s*"). Anything else gets the recursion above.
-- Subject-aware bound: when the pattern is led by a repetition that passes one split, a
-- start s costs (r_s + 1) splits, r_s being the run of its class from s; the runs are found
-- with a (linear, charged) gmatch of "class+", so "([^\n]*)\n" on a text of short lines is
-- linear while one 100 KB line without a newline is refused.

local ALL_BYTES = {}
for b = 0, 255 do ALL_BYTES[b + 1] = s_char(b) end
ALL_BYTES = t_concat(ALL_BYTES)

local class_sets = {} -- class text -> set of bytes it matches (bounded cache)
local class_sets_n = 0

local function class_set(text)
  local set = class_sets[text]
  if set then return set end
  set = {}
  if text == "$" then set["$"] = true -- alone, "$" would be the end anchor
  else
    for c in s_gmatch(ALL_BYTES, text) do set[c] = true end
  end
  if class_sets_n >= 256 then class_sets, class_sets_n = {}, 0 end
  class_sets[text] = set
  class_sets_n = class_sets_n + 1
  return set
end

local function disjoint(x_text, y_text)
  -- (computing a set tests 256 bytes against the class: only for short classes, so the
  -- guard's own C work stays bounded; long classes simply get no refinement)
  if #x_text > 32 or #y_text > 32 then return false end
  local x = class_set(x_text)
  for c in next, class_set(y_text) do
    if x[c] then return false end
  end
  return true
end

-- Item kinds.
local K_SINGLE, K_OPT, K_REP, K_SCAN, K_FRONTIER, K_MARK, K_END = 1, 2, 3, 4, 5, 6, 7

--- Reads the class starting at p[i] exactly as lstrlib's classend does; returns the index
--- of its last byte, or nil if the class is malformed (C raises when it reaches it).
local function class_end(p, i, n)
  local c = s_byte(p, i)
  if c == 37 then -- '%'
    if i >= n then return nil end
    return i + 1
  elseif c == 91 then -- '['
    local j = i + 1
    if s_byte(p, j) == 94 then j = j + 1 end -- '^'
    repeat
      if j > n then return nil end
      local d = s_byte(p, j)
      j = j + 1
      if d == 37 and j <= n then j = j + 1 end
    until s_byte(p, j) == 93 -- ']'
    return j
  end
  return i
end

--- Parses pattern p into items. `literal_caret`: gmatch mode (no anchor). Returns a table:
--- { n = item count, kind = {}, w = {}, text = {}, anchored, regular, linear, a = {}, e = {} }.
--- `regular` is false when matching could raise an error C decides at run time (malformed
--- tail, captures left open or closed twice, bad back-references, too deep a recursion):
--- such patterns take the protected slow path; their cost is bounded by the items before
--- the irregular one, as the matcher cannot go past it.
local function parse_pattern(p, literal_caret)
  local kind, w, text = {}, {}, {}
  local np, i, k = #p, 1, 0
  local anchored = false
  if not literal_caret and s_byte(p, 1) == 94 then anchored, i = true, 2 end
  local regular = true
  local level, open, depth = 0, {}, 0 -- captures opened, which are still open, recursion
  local nopen = 0
  while i <= np do
    local c = s_byte(p, i)
    if c == 40 then -- '('
      if level >= 32 then regular = false break end
      level = level + 1
      if s_byte(p, i + 1) == 41 then i = i + 2 else open[level] = true nopen = nopen + 1 i = i + 1 end
      k = k + 1; kind[k], w[k] = K_MARK, 1
      depth = depth + 1
    elseif c == 41 then -- ')'
      local l = level
      while l > 0 and not open[l] do l = l - 1 end
      if l == 0 then regular = false break end
      open[l] = nil
      nopen = nopen - 1
      k = k + 1; kind[k], w[k] = K_MARK, 1
      depth = depth + 1
      i = i + 1
    elseif c == 36 and i == np then -- final '$'
      k = k + 1; kind[k], w[k] = K_END, 1
      i = i + 1
    elseif c == 37 and s_byte(p, i + 1) == 98 then -- '%b'
      if i + 3 > np then regular = false break end
      k = k + 1; kind[k], w[k] = K_SCAN, 1
      i = i + 4
    elseif c == 37 and s_byte(p, i + 1) == 102 then -- '%f'
      if s_byte(p, i + 2) ~= 91 then regular = false break end
      local e = class_end(p, i + 2, np)
      if not e then regular = false break end
      k = k + 1; kind[k], w[k] = K_FRONTIER, e - i - 1
      i = e + 1
    elseif c == 37 and (s_byte(p, i + 1) or 0) >= 48 and (s_byte(p, i + 1) or 0) <= 57 then -- '%0'..'%9'
      local l = s_byte(p, i + 1) - 48
      if l < 1 or l > level or open[l] then regular = false break end
      k = k + 1; kind[k], w[k] = K_SCAN, 1
      i = i + 2
    else
      local e = class_end(p, i, np)
      if not e then regular = false break end
      local q = s_byte(p, e + 1)
      k = k + 1
      text[k], w[k] = s_sub(p, i, e), e - i + 1
      if q == 42 or q == 43 or q == 45 then -- '*' '+' '-'
        kind[k] = K_REP
        text[-k] = q -- quantifier byte
        depth = depth + 1
        i = e + 2
      elseif q == 63 then -- '?'
        kind[k] = K_OPT
        depth = depth + 1
        i = e + 2
      else
        kind[k] = K_SINGLE
        i = e + 1
      end
    end
  end
  if nopen > 0 or depth >= 190 then regular = false end
  -- A (always matches), E (matches at the end) and F (matches on the first try of every
  -- item, at a cost of w per byte consumed plus a constant per item) from the right.
  local a, e, f = {}, {}, {}
  a[k + 1], e[k + 1], f[k + 1] = regular, regular, regular
  for j = k, 1, -1 do
    local kj = kind[j]
    if kj == K_MARK then
      a[j], e[j], f[j] = a[j + 1], e[j + 1], f[j + 1]
    elseif kj == K_END then
      a[j], e[j], f[j] = false, e[j + 1], false
    elseif kj == K_OPT or (kj == K_REP and text[-j] ~= 43) then
      local dot_star = text[j] == "." and kj == K_REP and e[j + 1]
      a[j] = a[j + 1] or dot_star
      f[j] = f[j + 1] or (dot_star and text[-j] == 42) -- '.*' runs to the end, where E holds
      e[j] = e[j + 1]
    else
      a[j], e[j], f[j] = false, false, false
    end
  end
  -- Linear: every attempt matches at first try (F), or the first consuming item is a single
  -- class, class+ or %f (a failed start costs O(w)) and F holds after it.
  local first = 1
  while first <= k and kind[first] == K_MARK do first = first + 1 end
  local fk = kind[first]
  local linear = regular and (f[1]
    or ((fk == K_SINGLE or fk == K_FRONTIER or (fk == K_REP and text[-first] == 43)) and f[first + 1]))
  -- Repetitions that provably pass at most one split on to the rest: once[j] is what each
  -- other split costs (its match() call, the capture marks before the next item, that
  -- item's one test).
  local once = {}
  for j = 1, k do
    if kind[j] == K_REP then
      if a[j + 1] then
        once[j] = 0
      else
        local y = j + 1
        while y <= k and kind[y] == K_MARK do y = y + 1 end
        local ky = kind[y]
        if ky == K_END then
          once[j] = (y - j) + 1
        elseif (ky == K_SINGLE or (ky == K_REP and text[-y] == 43)) and disjoint(text[j], text[y]) then
          once[j] = (y - j) + w[y]
        end
      end
    end
  end
  -- A leading repetition that passes one split (for the subject-aware bound below).
  local lead = first
  if anchored or kind[lead] ~= K_REP or not once[lead] then lead = nil end
  local wmax = 1
  for j = 1, k do if w[j] > wmax then wmax = w[j] end end
  for j = 1, k do
    if kind[j] == K_OPT and a[j + 1] then once[j] = 0 end
  end
  return { n = k, kind = kind, w = w, once = once, anchored = anchored, regular = regular,
           lead = lead, lead_class = lead and text[lead],
           plain = not s_find(p, "[%^%$%*%+%?%.%(%[%%%-]"), -- find does a plain search then
           linear = linear, wmax = wmax, captures = level }
end

-- Parsed patterns, keyed by pattern text (one table per mode); cleared when full.
local parsed_find, parsed_gmatch, parsed_count = {}, {}, 0

local function pattern_info(p, gmatch_mode)
  local cache = gmatch_mode and parsed_gmatch or parsed_find
  local info = cache[p]
  if info then return info end
  -- (long patterns are parsed each time: a cache must not keep big strings alive)
  if #p > 256 then return parse_pattern(p, gmatch_mode) end
  if parsed_count >= 512 then parsed_find, parsed_gmatch, parsed_count = {}, {}, 0 end
  cache = gmatch_mode and parsed_gmatch or parsed_find
  info = parse_pattern(p, gmatch_mode)
  cache[p] = info
  parsed_count = parsed_count + 1
  return info
end

--- Worst-case steps of one whole call on an n-byte subject. `many`: gsub/gmatch.
--- (Float arithmetic: integer products would wrap around, silently, past 2^63.)
--- With `subject` (and a pattern led by a repetition that passes one split), the bound
--- also uses the subject itself: the repetition's cost at start s is (r_s + 1) splits, r_s
--- being the run of bytes its class matches from s, and the sum over starts of r_s + 1 is
--- n + 1 + the sum over maximal runs of r(r + 1)/2 (the runs are found with a linear
--- gmatch of "class+", charged). A text of short lines is then linear for "([^\n]*)\n";
--- one long line is not, and is still refused.
local function pattern_steps(info, n, many, subject)
  local k, w = info.n, info.w
  n = n + 0.0
  local starts = info.anchored and 1.0 or (many and 2 * (n + 1) or n + 1)
  if info.linear then
    return 2 * (n + 1) * (k + 1) * info.wmax + 33 * (n + 1)
  end
  local kind, once, lead = info.kind, info.once, info.lead
  local n1 = n + 1
  local c = 1
  if subject and lead then
    for j = k, lead + 1, -1 do
      local kj = kind[j]
      if kj == K_SINGLE then c = w[j] + c
      elseif kj == K_REP then
        local o = once[j]
        if o then c = n1 * (w[j] + o) + c else c = n1 * (w[j] + c) end
      elseif kj == K_OPT then
        if once[j] then c = w[j] + c else c = w[j] + 2 * c end
      elseif kj == K_SCAN then c = n1 + c
      elseif kj == K_FRONTIER then c = 2 * w[j] + c
      else c = 1 + c end
      if c > MAX_MATCH_STEPS then return c * starts end
    end
    local splits = n1
    if n > FREE_BYTES then charge(floor(n * w[lead] / BYTES_PER_UNIT)) end
    for run in s_gmatch(subject, info.lead_class .. "+") do
      local r = #run
      splits = splits + r * (r + 1.0) / 2
      if splits > MAX_MATCH_STEPS then break end
    end
    local per_start = lead + c -- the attempt's call, the marks before it, the split that goes on
    return (many and 2 or 1) * ((w[lead] + once[lead]) * splits + n1 * per_start) + 33 * n1
  end
  for j = k, 1, -1 do
    local kj = kind[j]
    if kj == K_SINGLE then c = w[j] + c
    elseif kj == K_REP then
      local o = once[j]
      if o then c = n1 * (w[j] + o) + c else c = n1 * (w[j] + c) end
    elseif kj == K_OPT then
      if once[j] then c = w[j] + c else c = w[j] + 2 * c end
    elseif kj == K_SCAN then c = n1 + c
    elseif kj == K_FRONTIER then c = 2 * w[j] + c
    else c = 1 + c end
    if c > MAX_MATCH_STEPS then return c * starts end
  end
  -- each attempt is one more match() call; captures pushed: at most 33 bytes per byte
  return starts * (c + 1) + 33 * n1
end

--- Checks and charges a pattern call; returns the parsed info. `level`: the script's level
--- seen from here (3 when called by a wrapper).
local function guard(fname, subject, p, many, gmatch_mode, level)
  local n = #subject
  local info = pattern_info(p, gmatch_mode)
  local steps = pattern_steps(info, n, many)
  if steps > MAX_MATCH_STEPS and info.lead then
    local refined = pattern_steps(info, n, many, subject)
    if refined < steps then steps = refined end
  end
  if steps > MAX_MATCH_STEPS then
    raise(s_format("%s: pattern too costly for a %d-byte subject (worst case %.0e steps, limit %.0e): " ..
      "anchor it with '^', make repeated items exclude what follows them, or split the subject",
      fname, n, steps, MAX_MATCH_STEPS), level)
  end
  if steps > FREE_BYTES then charge(floor(steps / STEPS_PER_UNIT)) end
  return info
end

--- Plain search (lmemfind): memchr then memcmp of #p-1 bytes at each candidate; plus the
--- scan of the needle for special characters.
local function guard_plain(fname, n, m)
  n, m = n + 0.0, m + 0.0 -- (no integer wrap-around)
  local steps = n + m
  if m > 1 and n >= m then steps = n + m + (n - m + 1) * (m - 1) end
  if steps > MAX_MATCH_STEPS then
    raise(s_format("%s: plain search too costly (%d-byte subject, %d-byte needle; worst case %.0e steps, " ..
      "limit %.0e)", fname, n, m, steps, MAX_MATCH_STEPS), 3)
  end
  if steps > FREE_BYTES then charge(floor(steps / BYTES_PER_UNIT)) end
end

local SPECIALS = "[%^%$%*%+%?%.%(%[%%%-]"

-- string ------------------------------------------------------------------------------------

local S = {}

local function find_slow(s, p, init, plain)
  s = to_str(s, 1, "string.find")
  p = to_str(p, 2, "string.find")
  init = opt_int(init, 3, "string.find", 1)
  if plain or not s_find(p, SPECIALS) then
    guard_plain("string.find", #s, #p)
    return finish("string.find", pcall(call_c, s_find, s, p, init, plain))
  end
  guard("string.find", s, p, false, false, 3)
  return finish("string.find", pcall(call_c, s_find, s, p, init, plain))
end

function S.find(s, p, init, plain)
  -- (init == 1, the usual one, needs no C call to check: 1 and 1.0 are both accepted)
  if type(s) ~= "string" or type(p) ~= "string" or (init ~= nil and init ~= 1 and math_type(init) ~= "integer") then
    return find_slow(s, p, init, plain)
  end
  local n, m = #s, #p
  if plain then
    if n + m > FREE_BYTES then guard_plain("string.find", n, m) end
    return s_find(s, p, init, plain)
  end
  local info = parsed_find[p] or pattern_info(p, false)
  if info.plain then
    if n + m > FREE_BYTES then guard_plain("string.find", n, m) end
    return s_find(s, p, init)
  end
  local steps = pattern_steps(info, n, false)
  if steps > FREE_BYTES then guard("string.find", s, p, false, false, 3) end
  if not info.regular then return finish("string.find", pcall(call_c, s_find, s, p, init, plain)) end
  return s_find(s, p, init, plain)
end

--- string.match and string.gmatch: the pattern guarded and charged (gmatch for the whole
--- iteration, when the iterator is made: the iterator is called by the script's own loop, so
--- its errors carry the loop's line). Irregular patterns go through C under pcall so that C's
--- own errors are re-raised at the caller's line.
local function matcher(fname, cfn, iterating)
  local function slow(s, p, init)
    s = to_str(s, 1, fname)
    p = to_str(p, 2, fname)
    init = opt_int(init, 3, fname, 1)
    guard(fname, s, p, iterating, iterating, 3)
    return finish(fname, pcall(call_c, cfn, s, p, init))
  end
  return function(s, p, init)
    if type(s) ~= "string" or type(p) ~= "string" or (init ~= nil and math_type(init) ~= "integer") then
      return slow(s, p, init)
    end
    local info = guard(fname, s, p, iterating, iterating, 3)
    if not iterating and not info.regular then
      return finish(fname, pcall(call_c, cfn, s, p, init))
    end
    return cfn(s, p, init)
  end
end

S.match = matcher("string.match", s_match, false)
S.gmatch = matcher("string.gmatch", s_gmatch, true)

-- gsub: a string replacement's output is bounded up front (each %-escape copies a capture or
-- the match; matches do not overlap, so each escape adds at most n bytes over the call, plus
-- 20 for a position); function and table replacements are charged by what they return.
local function repl_escapes(r)
  local count = 0
  for _ in s_gmatch(r, "%%") do count = count + 1 end
  return count
end

local function repl_valid(r, captures)
  -- What add_s accepts: %% %0 and %1..%9 naming a capture (%1 is the match without captures).
  for d in s_gmatch(r, "%%(.?)") do
    if d ~= "%" then
      local b = s_byte(d)
      if not b or b < 48 or b > 57 then return false end
      local l = b - 48
      if l > 1 and l > captures then return false end
      if l == 1 and captures == 0 then l = 0 end
    end
  end
  return true
end

local function gsub_prepare(s, p, repl, fname)
  local n = #s
  local info = guard(fname, s, p, true, false, 4)
  local tr = type(repl)
  if tr == "string" or tr == "number" then
    if tr == "number" then repl = tostring(repl) end
    local r = #repl
    local esc = r > 0 and s_find(repl, "%", 1, true) and repl_escapes(repl) or 0
    local out = n + (n + 1.0) * (r + 20 * esc) + esc * n -- (float: no wrap-around)
    if out > FREE_BYTES then charge(floor(out / BYTES_PER_UNIT)) end
    return repl, esc == 0 or (info.regular and repl_valid(repl, info.captures))
  end
  -- Function and table replacements: charged per returned value (callbacks are Lua code,
  -- counted by the hook; copying what they return is C work).
  local total = 0
  local function charged(v)
    if type(v) == "string" then
      total = total + #v
      if total > FREE_BYTES then charge(total // BYTES_PER_UNIT) total = 0 end
    end
    return v
  end
  if tr == "function" then
    return function(...) return charged(repl(...)) end, info.regular
  elseif tr == "table" then
    local t = repl
    return function(k) return charged(t[k]) end, info.regular
  end
  return repl, false
end

local function gsub_slow(s, p, repl, max_n)
  s = to_str(s, 1, "string.gsub")
  p = to_str(p, 2, "string.gsub")
  local tr = type(repl)
  if tr ~= "string" and tr ~= "number" and tr ~= "function" and tr ~= "table" then
    arg_error(3, "string.gsub", "string/function/table", repl, 2)
  end
  max_n = opt_int(max_n, 4, "string.gsub", nil)
  repl = gsub_prepare(s, p, repl, "string.gsub")
  return finish("string.gsub", pcall(call_c, s_gsub, s, p, repl, max_n))
end

function S.gsub(s, p, repl, max_n)
  if type(s) ~= "string" or type(p) ~= "string" or (max_n ~= nil and math_type(max_n) ~= "integer") then
    return gsub_slow(s, p, repl, max_n)
  end
  local tr = type(repl)
  if tr ~= "string" then return gsub_slow(s, p, repl, max_n) end
  local r, fast = gsub_prepare(s, p, repl, "string.gsub")
  if not fast then return finish("string.gsub", pcall(call_c, s_gsub, s, p, r, max_n)) end
  return s_gsub(s, p, r, max_n)
end

function S.len(s)
  if type(s) ~= "string" then s = to_str(s, 1, "string.len") end
  return #s
end

function S.sub(s, i, j)
  if type(s) ~= "string" or math_type(i) ~= "integer" or (j ~= nil and math_type(j) ~= "integer") then
    s = to_str(s, 1, "string.sub")
    i = to_int(i, 2, "string.sub")
    j = opt_int(j, 3, "string.sub", -1)
  end
  local r = s_sub(s, i, j)
  if #r > FREE_BYTES then charge(#r // BYTES_PER_UNIT) end
  return r
end

function S.upper(s)
  if type(s) ~= "string" then s = to_str(s, 1, "string.upper") end
  if #s > FREE_BYTES then charge(#s // BYTES_PER_UNIT) end
  return s_upper(s)
end

function S.lower(s)
  if type(s) ~= "string" then s = to_str(s, 1, "string.lower") end
  if #s > FREE_BYTES then charge(#s // BYTES_PER_UNIT) end
  return s_lower(s)
end

function S.reverse(s)
  if type(s) ~= "string" then s = to_str(s, 1, "string.reverse") end
  if #s > FREE_BYTES then charge(#s // BYTES_PER_UNIT) end
  return s_reverse(s)
end

function S.rep(s, k, sep)
  if type(s) ~= "string" or math_type(k) ~= "integer" or (sep ~= nil and type(sep) ~= "string") then
    s = to_str(s, 1, "string.rep")
    k = to_int(k, 2, "string.rep")
    if sep ~= nil then sep = to_str(sep, 3, "string.rep") end
  end
  if k <= 0 then return "" end
  local l, lsep = #s, sep and #sep or 0
  -- The C loop runs k times even when nothing is copied: an empty result is made here.
  if l + lsep == 0 then return "" end
  if l + lsep > MAX_STRING // k then raise("resulting string too large", 2) end
  -- Charged once built: C allocates the whole result first, so a result past the memory cap
  -- fails before any copying (and reports "not enough memory", not a budget overrun).
  local r = s_rep(s, k, sep)
  local total = #r
  if total > FREE_BYTES then charge(total // BYTES_PER_UNIT) end
  return r
end

local function byte_slow(s, i, j)
  s = to_str(s, 1, "string.byte")
  i = opt_int(i, 2, "string.byte", 1)
  j = opt_int(j, 3, "string.byte", i)
  local l = #s
  local count = end_pos(j, l) - start_pos(i, l) + 1
  if count > 0 then
    if count >= 1000000 then raise("string slice too long", 2) end
    charge_elements(count)
  end
  return s_byte(s, i, j)
end

function S.byte(s, i, j)
  if j == nil and type(s) == "string" and (i == nil or math_type(i) == "integer") then
    return s_byte(s, i)
  end
  return byte_slow(s, i, j)
end

--- string.char and utf8.char: code points 0..max, each checked here (C would stop at the first
--- bad one with our internal position), charged per value.
local function char_maker(fname, max, cfn)
  return function(...)
    local n = select("#", ...)
    if n == 1 then
      local c = ...
      if math_type(c) == "integer" and c >= 0 and c <= max then return cfn(c) end
    end
    charge_elements(n)
    local args = { ... }
    for k = 1, n do
      local c = args[k]
      if math_type(c) ~= "integer" then c = to_int(c, k, fname) end
      if c < 0 or c > max then bad(k, fname, "value out of range", 2) end
    end
    return cfn(...)
  end
end

S.char = char_maker("string.char", 255, s_char)

-- string.format: formats are parsed once (cached) into the argument kind each conversion
-- needs; a call whose arguments all have that kind runs C directly, anything else goes
-- through the protected slow path (C's own checks, errors rewritten).
local FMT_INT, FMT_NUM, FMT_STR, FMT_STRZ, FMT_QUOTE, FMT_ANY = 1, 2, 3, 4, 5, 6
local FLAGS = { c = "-", d = "-+0 ", i = "-+0 ", u = "-0", o = "-#0", x = "-#0", X = "-#0",
  a = "-+#0 ", A = "-+#0 ", f = "-+#0 ", F = nil, e = "-+#0 ", E = "-+#0 ", g = "-+#0 ", G = "-+#0 ",
  p = "-", s = "-" }
local PRECISION = { c = false, p = false, s = true }
local KIND = { c = FMT_INT, d = FMT_INT, i = FMT_INT, u = FMT_INT, o = FMT_INT, x = FMT_INT, X = FMT_INT,
  a = FMT_NUM, A = FMT_NUM, f = FMT_NUM, e = FMT_NUM, E = FMT_NUM, g = FMT_NUM, G = FMT_NUM, p = FMT_ANY }

--- Mirrors str_format/getformat/checkformat: the list of argument kinds, or false if C
--- would raise (or if in doubt).
local function parse_format(fmt)
  local kinds, k, i, n = {}, 0, 1, #fmt
  while true do
    local at = s_find(fmt, "%", i, true)
    if not at then break end
    if s_byte(fmt, at + 1) == 37 then
      i = at + 2
    else
      local spec_end = at + 1
      local span = s_match(fmt, "^[%-+#0 123456789.]*", at + 1)
      if #span + 1 >= 22 then return false end
      spec_end = at + 1 + #span
      local conv = s_sub(fmt, spec_end, spec_end)
      if conv == "" then return false end
      local form = s_sub(fmt, at + 1, spec_end - 1)
      k = k + 1
      if conv == "q" then
        if form ~= "" then return false end
        kinds[k] = FMT_QUOTE
      elseif conv == "s" and form == "" then
        kinds[k] = FMT_STR
      else
        local flags = FLAGS[conv]
        if not flags then return false end
        -- checkformat: flags from the set, then up to 2 width digits (not starting with 0),
        -- then '.' and up to 2 precision digits when allowed, then the conversion.
        local j = 1
        while j <= #form and s_find(flags, s_sub(form, j, j), 1, true) do j = j + 1 end
        local rest = s_sub(form, j)
        if s_sub(rest, 1, 1) == "0" then return false end
        local width, dot, prec = s_match(rest, "^(%d?%d?)(%.?)(%d?%d?)$")
        if not width then return false end
        if dot == "" and prec ~= "" then return false end
        local allows_precision = PRECISION[conv]
        if allows_precision == nil then allows_precision = true end
        if dot ~= "" and not allows_precision then return false end
        kinds[k] = conv == "s" and FMT_STRZ or KIND[conv]
      end
      i = spec_end + 1
    end
  end
  kinds.n = k
  return kinds
end

local formats, formats_n = {}, 0

local function format_kinds(fmt)
  local kinds = formats[fmt]
  if kinds == nil then
    kinds = parse_format(fmt)
    if #fmt > 256 then return kinds end
    if formats_n >= 512 then formats, formats_n = {}, 0 end
    formats[fmt] = kinds
    formats_n = formats_n + 1
  end
  return kinds
end

local function format_slow(fmt, ...)
  fmt = to_str(fmt, 1, "string.format")
  local kinds = format_kinds(fmt)
  -- Convert %s arguments here (running __tostring once, as C would) so their size is known.
  local args = t_pack(...)
  local bytes = #fmt
  if kinds then
    for k = 1, kinds.n do
      local kind, v = kinds[k], args[k]
      if (kind == FMT_STR or kind == FMT_STRZ) and k <= args.n then
        if type(v) ~= "string" and type(v) ~= "number" then
          local ok, r = pcall(call_c, tostring, v)
          if not ok then
            local msg, level = public_error("string.format", r)
            if level == 0 then error(msg, 0) end
            raise(msg, 2)
          end
          if type(r) ~= "string" then raise("'__tostring' must return a string", 2) end
          args[k] = r
          v = r
        end
        if type(v) == "string" then bytes = bytes + #v end
      elseif kind == FMT_QUOTE and type(v) == "string" then
        bytes = bytes + 4 * #v
      end
    end
  else
    for k = 1, args.n do
      local v = args[k]
      if type(v) == "string" then bytes = bytes + 4 * #v end
    end
  end
  -- each conversion is a C sprintf of up to ~420 bytes (%f of a huge number): 32 bytes' worth
  charge_bytes(bytes + 32 * (kinds and kinds.n or args.n))
  return finish("string.format", pcall(call_c, s_format, fmt, t_unpack(args, 1, args.n)))
end

function S.format(fmt, ...)
  local kinds = formats[fmt]
  if not kinds then return format_slow(fmt, ...) end
  local n = kinds.n
  -- (select(k, ...) copies every argument after k: long lists go the slow way)
  if n > 4 and select("#", ...) > 16 then return format_slow(fmt, ...) end
  local a1, a2, a3, a4 = ...
  local bytes = #fmt
  for k = 1, n do
    local v
    if k == 1 then v = a1 elseif k == 2 then v = a2 elseif k == 3 then v = a3 elseif k == 4 then v = a4
    else v = (select(k, ...)) end
    -- (nil: a missing argument, or %s/%q of nil: the slow path tells them apart)
    if v == nil then return format_slow(fmt, ...) end
    local kind = kinds[k]
    if kind == FMT_INT then
      if math_type(v) ~= "integer" then return format_slow(fmt, ...) end
    elseif kind == FMT_NUM then
      if type(v) ~= "number" then return format_slow(fmt, ...) end
    elseif kind == FMT_STR then
      if type(v) == "string" then bytes = bytes + #v
      elseif type(v) ~= "number" then return format_slow(fmt, ...) end
    elseif kind == FMT_QUOTE then
      local t = type(v)
      if t == "string" then bytes = bytes + 4 * #v
      elseif t ~= "number" and t ~= "boolean" then return format_slow(fmt, ...) end
    elseif kind == FMT_STRZ then
      if type(v) ~= "string" or s_find(v, "\0", 1, true) then return format_slow(fmt, ...) end
      bytes = bytes + #v
    end
  end
  if bytes > FREE_BYTES then charge(bytes // BYTES_PER_UNIT) end
  return s_format(fmt, ...)
end

-- pack/unpack: the output of pack is bounded by parsing the format (each option's size,
-- plus its alignment padding, plus string arguments); unpack is charged by the bytes it
-- consumed (it cannot read past the data).
local PACK_SIZES = { b = 1, B = 1, h = 2, H = 2, l = 8, L = 8, j = 8, J = 8, T = 4, f = 4, d = 8, n = 8,
  i = 4, I = 4, x = 1 }

local function pack_bound(fmt, args)
  local bound, arg, i, n = 0, 0, 1, #fmt
  while i <= n do
    local opt = s_sub(fmt, i, i)
    local digits = s_match(fmt, "^%d*", i + 1)
    i = i + 1 + #digits
    local size = tonumber(digits)
    if opt == "s" or opt == "z" then
      arg = arg + 1
      local v = args[arg]
      bound = bound + 16 + (type(v) == "string" and #v or 64)
    elseif opt == "c" then
      arg = arg + 1
      bound = bound + (size or 0) + 16
    elseif PACK_SIZES[opt] then
      if opt ~= "x" then arg = arg + 1 end
      bound = bound + (size or PACK_SIZES[opt]) + 16
    else
      bound = bound + 16
    end
  end
  return bound
end

function S.pack(fmt, ...)
  if type(fmt) ~= "string" then fmt = to_str(fmt, 1, "string.pack") end
  charge_elements(select("#", ...))
  local bound = pack_bound(fmt, { ... })
  if bound > MAX_STRING then raise("string.pack: result too large", 2) end
  charge_bytes(bound)
  return finish("string.pack", pcall(call_c, s_pack, fmt, ...))
end

function S.packsize(fmt)
  if type(fmt) ~= "string" then fmt = to_str(fmt, 1, "string.packsize") end
  charge_bytes(#fmt)
  return finish("string.packsize", pcall(call_c, s_packsize, fmt))
end

function S.unpack(fmt, data, pos)
  if type(fmt) ~= "string" then fmt = to_str(fmt, 1, "string.unpack") end
  if type(data) ~= "string" then data = to_str(data, 2, "string.unpack") end
  pos = opt_int(pos, 3, "string.unpack", 1)
  charge_bytes(#fmt)
  local start = start_pos(pos, #data)
  return finish("string.unpack", pcall(function(...)
    local results = t_pack(s_unpack(...))
    local consumed = results[results.n] - start
    charge_bytes(consumed)
    charge_elements(results.n)
    return t_unpack(results, 1, results.n)
  end, fmt, data, pos))
end

-- table ---------------------------------------------------------------------------------------

local T = {}

--- Length the real library would use (`#t`, honouring __len), computed here so its cost can
--- be charged before C loops over it. Non-tables go to the protected slow path (nil).
local function length_of(t)
  if raw_getmetatable(t) == nil then return rawlen(t), false end
  local len = #t
  if math_type(len) ~= "integer" then
    local x = len
    if type(x) == "string" then x = tonumber(x) end
    x = math_type(x) and tointeger(x)
    if not x then raise("object length is not an integer", 3) end
    len = x
  end
  return len, true
end

local function too_many(fname, count)
  raise(s_format("%s: range of %.0f elements is too large (limit %d)", fname, count, MAX_ELEMENTS), 3)
end

local function insert_slow(nargs, t, pos, v)
  if type(t) ~= "table" then arg_error(1, "table.insert", "table", t, 2) end
  local len, meta = length_of(t)
  if nargs ~= 2 and nargs ~= 3 then raise("wrong number of arguments to 'table.insert'", 2) end
  local e = len + 1 -- wraps like luaL_intop
  if nargs == 2 then
    v, pos = pos, e
  else
    pos = to_int(pos, 2, "table.insert")
    if not m_ult(pos - 1, e) then bad(2, "table.insert", "position out of bounds", 2) end
  end
  local shift = e - pos
  if shift > MAX_ELEMENTS then too_many("table.insert", shift) end
  charge_elements(shift)
  if not meta then
    if nargs == 2 then return t_insert(t, v) end
    return t_insert(t, pos, v)
  end
  -- With metamethods: C's move honours __index/__newindex but never calls __len again.
  if shift > 0 then t_move(t, pos, e - 1, pos + 1) end
  t_move({ v }, 1, 1, pos, t)
end

function T.insert(t, ...)
  local nargs = select("#", ...) + 1
  if nargs == 2 and raw_getmetatable(t) == nil and type(t) == "table" then
    t[#t + 1] = ... -- what C does for a plain table (raw length, raw set), without the C call
    return
  end
  return insert_slow(nargs, t, ...)
end

function T.remove(t, pos)
  if type(t) ~= "table" then arg_error(1, "table.remove", "table", t, 2) end
  local size, meta = length_of(t)
  if pos == nil then pos = size else pos = to_int(pos, 2, "table.remove") end
  if pos ~= size and m_ult(size, pos - 1) then bad(2, "table.remove", "position out of bounds", 2) end
  local shift = size - pos
  if shift > MAX_ELEMENTS then too_many("table.remove", shift) end
  if shift > FREE_ELEMENTS then charge(shift) end
  if not meta then return t_remove(t, pos) end
  local result = t_unpack(t, pos, pos)
  if shift > 0 then t_move(t, pos + 1, size, pos) end
  t_move({}, 1, 1, size > pos and size or pos, t)
  return result
end

function T.move(a1, f, e, t, a2)
  if math_type(f) ~= "integer" or math_type(e) ~= "integer" or math_type(t) ~= "integer" then
    f = to_int(f, 2, "table.move")
    e = to_int(e, 3, "table.move")
    t = to_int(t, 4, "table.move")
  end
  if e >= f then
    if f <= 0 and e >= maxinteger + f then bad(3, "table.move", "too many elements to move", 2) end
    local count = e - f + 1
    if t > maxinteger - count + 1 then bad(4, "table.move", "destination wrap around", 2) end
    if count > MAX_ELEMENTS then too_many("table.move", count) end
    if count > FREE_ELEMENTS then charge(count) end
  end
  if type(a1) == "table" and (a2 == nil or type(a2) == "table") then return t_move(a1, f, e, t, a2) end
  return finish("table.move", pcall(call_c, t_move, a1, f, e, t, a2))
end

function T.concat(t, sep, i, j)
  if type(t) ~= "table" then return finish("table.concat", pcall(call_c, t_concat, t, sep, i, j)) end
  if sep ~= nil and type(sep) ~= "string" then sep = to_str(sep, 2, "table.concat") end
  i = opt_int(i, 3, "table.concat", 1)
  local meta = raw_getmetatable(t) ~= nil
  if j == nil then
    j = length_of(t)
  else
    j = to_int(j, 4, "table.concat")
  end
  if i > j then return "" end
  local count = j - i + 1
  if count > MAX_ELEMENTS or count <= 0 then too_many("table.concat", (j + 0.0) - i + 1) end
  -- Read every value once here (the loop is Lua: the hook counts it), so the copy's size is
  -- known and charged before C builds the result. With metamethods the values read are
  -- concatenated from a plain copy, so __index runs once per element, as in C.
  local bytes, copy = (count - 1) * (sep and #sep or 0), meta and {} or nil
  for k = i, j do
    local v = t[k]
    local tv = type(v)
    if tv == "string" then bytes = bytes + #v
    elseif tv == "number" then bytes = bytes + 24
    else
      raise(s_format("invalid value (%s) at index %d in table for 'table.concat'", tv, k), 2)
    end
    if copy then copy[k - i + 1] = v end
  end
  if bytes > MAX_STRING then raise("table.concat: result too large", 2) end
  if bytes > FREE_BYTES then charge(bytes // BYTES_PER_UNIT) end
  if copy then return t_concat(copy, sep, 1, count) end
  return t_concat(t, sep, i, j)
end

function T.unpack(t, i, j)
  if type(t) ~= "table" or raw_getmetatable(t) ~= nil or (i ~= nil and math_type(i) ~= "integer")
    or (j ~= nil and math_type(j) ~= "integer") then
    i = opt_int(i, 2, "table.unpack", 1)
    if j == nil then
      local tt = type(t)
      if tt == "table" then j = length_of(t)
      elseif tt == "string" then j = #t
      else arg_error(1, "table.unpack", "table", t, 2) end
    else
      j = to_int(j, 3, "table.unpack")
    end
  else
    i = i or 1
    j = j or rawlen(t)
  end
  if i > j then return end
  local count = j - i + 1
  if count >= 1000000 or count <= 0 then raise("too many results to unpack", 2) end
  if count > FREE_ELEMENTS then
    charge(count)
    -- near the stack's limit C decides (and its error is rewritten)
    if count > 100000 then return finish("table.unpack", pcall(call_c, t_unpack, t, i, j)) end
  end
  return t_unpack(t, i, j)
end

function T.pack(...)
  local n = select("#", ...)
  if n > FREE_ELEMENTS then charge(n) end
  return t_pack(...)
end

-- sort: n log2 n comparisons; a comparison of two strings by `<` costs up to the shorter
-- one's length (strcoll), so string elements multiply by the longest string's bytes // 16.
-- Tables with __index/__newindex/__len are refused (C would read and write through them
-- and trust __len); copy such a table into a plain one to sort it.
function T.sort(t, comp)
  if type(t) ~= "table" then arg_error(1, "table.sort", "table", t, 2) end
  local mt = raw_getmetatable(t)
  if mt ~= nil and (rawget(mt, "__index") ~= nil or rawget(mt, "__newindex") ~= nil or rawget(mt, "__len") ~= nil) then
    raise("table.sort: cannot sort a table with __index, __newindex or __len metamethods; " ..
      "copy it into a plain table first", 2)
  end
  local n = rawlen(t)
  if n < 2 then return end
  if n >= 0x7fffffff then bad(1, "table.sort", "array too big", 2) end
  if comp ~= nil and type(comp) ~= "function" then arg_error(2, "table.sort", "function", comp, 2) end
  local compares = n * (floor(log(n, 2)) + 2.0) -- (float: no wrap-around below)
  if compares > FREE_ELEMENTS then charge(floor(compares)) end
  if not comp then
    local longest = 0
    for k = 1, n do
      local v = rawget(t, k)
      if type(v) == "string" and #v > longest then longest = #v end
    end
    if longest > FREE_ELEMENTS then charge(floor(compares * (longest // BYTES_PER_UNIT))) end
  end
  return finish("table.sort", pcall(call_c, t_sort, t, comp))
end

-- utf8 --------------------------------------------------------------------------------------

local U = { charpattern = utf8.charpattern }

U.char = char_maker("utf8.char", 0x7FFFFFFF, u_char)

function U.codepoint(s, i, j, lax)
  if type(s) ~= "string" then s = to_str(s, 1, "utf8.codepoint") end
  i = opt_int(i, 2, "utf8.codepoint", 1)
  local l = #s
  local posi = i >= 0 and i or (-i > l and 0 or l + i + 1)
  j = opt_int(j, 3, "utf8.codepoint", posi)
  local pose = j >= 0 and j or (-j > l and 0 or l + j + 1)
  -- (C checks the bounds first; only a valid slice is counted here)
  if posi >= 1 and pose <= l and posi <= pose then
    if pose - posi >= 1000000 then raise("string slice too long", 2) end
    charge_elements(pose - posi + 1)
  end
  return finish("utf8.codepoint", pcall(call_c, u_codepoint, s, i, j, lax))
end

function U.len(s, i, j, lax)
  if type(s) ~= "string" then s = to_str(s, 1, "utf8.len") end
  if #s > FREE_BYTES then charge(#s // BYTES_PER_UNIT) end
  return finish("utf8.len", pcall(call_c, u_len, s, i, j, lax))
end

function U.offset(s, n, i)
  if type(s) ~= "string" then s = to_str(s, 1, "utf8.offset") end
  if n ~= 1 and #s > FREE_BYTES then charge(#s // BYTES_PER_UNIT) end
  return finish("utf8.offset", pcall(call_c, u_offset, s, n, i))
end

function U.codes(s, lax)
  if type(s) ~= "string" then s = to_str(s, 1, "utf8.codes") end
  return finish("utf8.codes", pcall(call_c, u_codes, s, lax))
end

-- math -----------------------------------------------------------------------------------------

local MATH = { pi = math.pi, huge = huge, maxinteger = maxinteger, mininteger = mininteger }

--- A one-number math function whose C version can only fail on its argument's type.
local function math1(name, f)
  local fname = "math." .. name
  return function(x)
    if type(x) ~= "number" then x = to_num(x, 1, fname) end
    return f(x)
  end
end

for _, name in ipairs({ "abs", "ceil", "floor", "sqrt", "sin", "cos", "tan", "asin", "acos", "exp", "rad", "deg" }) do
  MATH[name] = math1(name, math[name])
end

local m_atan, m_log, m_fmod, m_modf, m_max, m_min = math.atan, math.log, math.fmod, math.modf, math.max, math.min
local m_random, m_ult = math.random, math.ult

MATH.modf = math1("modf", m_modf)

function MATH.atan(y, x)
  if type(y) ~= "number" then y = to_num(y, 1, "math.atan") end
  if x ~= nil and type(x) ~= "number" then x = to_num(x, 2, "math.atan") end
  return m_atan(y, x)
end

function MATH.log(x, base)
  if type(x) ~= "number" then x = to_num(x, 1, "math.log") end
  if base ~= nil and type(base) ~= "number" then base = to_num(base, 2, "math.log") end
  return m_log(x, base)
end

function MATH.fmod(a, b)
  if type(a) ~= "number" then to_num(a, 1, "math.fmod") end
  if type(b) ~= "number" then to_num(b, 2, "math.fmod") end
  if b == 0 and math_type(a) == "integer" and math_type(b) == "integer" then
    bad(2, "math.fmod", "zero", 2)
  end
  return m_fmod(a, b)
end

-- math.max/min compare with `<` (any comparable values; a failed comparison raises without
-- a position, as in C). Many arguments are charged; a nil third argument makes C stop at
-- once, so the common two-argument call checks nothing else.
local function minmax(fname, f, ...)
  local n = select("#", ...)
  if n == 0 then bad(1, fname, "value expected", 2) end
  if n > FREE_ELEMENTS then charge(n) end
  return f(...)
end

function MATH.max(...)
  local _, y, z = ...
  if y ~= nil and z == nil then return m_max(...) end
  return minmax("math.max", m_max, ...)
end

function MATH.min(...)
  local _, y, z = ...
  if y ~= nil and z == nil then return m_min(...) end
  return minmax("math.min", m_min, ...)
end

function MATH.random(m, n)
  if m == nil then return m_random() end
  if math_type(m) ~= "integer" then m = to_int(m, 1, "math.random") end
  if n == nil then
    if m < 1 and m ~= 0 then bad(1, "math.random", "interval is empty", 2) end
    return m_random(m)
  end
  if math_type(n) ~= "integer" then n = to_int(n, 2, "math.random") end
  if m > n then bad(1, "math.random", "interval is empty", 2) end
  return m_random(m, n)
end

function MATH.tointeger(...)
  if select("#", ...) == 0 then bad(1, "math.tointeger", "value expected", 2) end
  return tointeger((...))
end

function MATH.type(...)
  if select("#", ...) == 0 then bad(1, "math.type", "value expected", 2) end
  return math_type((...))
end

function MATH.ult(a, b)
  if math_type(a) ~= "integer" then a = to_int(a, 1, "math.ult") end
  if math_type(b) ~= "integer" then b = to_int(b, 2, "math.ult") end
  return m_ult(a, b)
end

-- load ----------------------------------------------------------------------------------------
-- Lua's parser is linear in its input except where it walks lists (measured on Lua 5.4.6 in
-- wasm, ~2.5 ns per list step):
--   * jump lists: every `and`, `or`, `not` and comparison in one expression appends to a
--     list by walking it (luaK_concat): an expression with k of them costs ~k^2;
--   * an if statement's escape list: each `elseif`/`else` walks it: ~e^2 per if;
--   * labels and pending gotos (and `break`s) of one function are matched pairwise;
--   * name resolution scans the active locals (at most 200) and the upvalues (at most 255)
--     of every enclosing function until it finds the name: a global read inside 40 nested
--     functions of 199 locals each costs ~16000 steps.
-- compile_work() bounds each of these with a small lexer (strings, long brackets and
-- comments skipped exactly as llex.c does, so nothing can hide in them): segments of jump
-- tokens between statement keywords (a nested function's tokens count in its own frame),
-- elseif/else per if, labels plus gotos per function, and for each name the sum over the
-- enclosing functions of min(200, locals declared so far) + min(255, distinct names used).
-- Sources past MAX_COMPILE_WORK units are refused; the rest are charged work // 4. The
-- lexer itself is Lua code, counted by the watchdog.
local KEYWORDS = {}
for w in s_gmatch("and break do else elseif end false for function goto if in local nil not or " ..
  "repeat return then true until while", "%a+") do KEYWORDS[w] = true end
local STATEMENT = { ["if"] = true, ["then"] = true, ["elseif"] = true, ["else"] = true, ["end"] = true,
  ["do"] = true, ["while"] = true, ["for"] = true, ["repeat"] = true, ["until"] = true, ["local"] = true,
  ["return"] = true, ["goto"] = true, ["break"] = true, ["in"] = true } -- (a function may sit inside an expression)
local JUMP_WORD = { ["and"] = true, ["or"] = true, ["not"] = true }
local JUMP_OP = { ["=="] = true, ["~="] = true, ["<="] = true, [">="] = true, ["<"] = true, [">"] = true }
local TWO_CHAR_OPS = { ["=="] = true, ["~="] = true, ["<="] = true, [">="] = true, ["::"] = true,
  [".."] = true, ["//"] = true, ["<<"] = true, [">>"] = true }

local function new_frame()
  return { locals = 0, names = {}, distinct = 0, seg = 0, labels = 0, gotos = 0 }
end

--- Compile-work units for Lua source `src` (see above): 4 per byte plus the list walks.
local function compile_work(src)
  local n = #src
  local work = 4 * n
  local frames, depth = { new_frame() }, 1
  local blocks, nblocks = {}, 0 -- open blocks: { kind = "function"|"do"|"if"|"repeat", escapes }
  local cur = frames[1]
  local pending_local, await_params, in_params, prev = false, false, false, nil
  local pos = 1
  local function end_segment()
    work = work + cur.seg * cur.seg
    cur.seg = 0
  end
  local function close_frame()
    end_segment()
    local lg = cur.labels + cur.gotos
    work = work + lg * lg
  end
  while true do
    pos = s_find(src, "[^ \t\r\n\f\v]", pos)
    if not pos then break end
    local c = s_byte(src, pos)
    local token
    if (c >= 97 and c <= 122) or (c >= 65 and c <= 90) or c == 95 then -- name or keyword
      local _, e = s_find(src, "^[%w_]*", pos + 1)
      token = s_sub(src, pos, e)
      pos = e + 1
      if KEYWORDS[token] then
        if STATEMENT[token] then end_segment() end
        if JUMP_WORD[token] then cur.seg = cur.seg + 1 end
        if token == "function" then
          if prev == "local" then pending_local = "one" else pending_local = false end
          nblocks = nblocks + 1
          blocks[nblocks] = { kind = "function" }
          depth = depth + 1
          cur = new_frame()
          frames[depth] = cur
          await_params = true
        elseif token == "do" or token == "repeat" then
          nblocks = nblocks + 1
          blocks[nblocks] = { kind = token }
          pending_local = false
        elseif token == "if" then
          nblocks = nblocks + 1
          blocks[nblocks] = { kind = "if", escapes = 0 }
        elseif token == "elseif" or token == "else" then
          local b = blocks[nblocks]
          if b and b.kind == "if" then b.escapes = b.escapes + 1 end
        elseif token == "end" or token == "until" then
          local b = blocks[nblocks]
          if b then
            blocks[nblocks] = nil
            nblocks = nblocks - 1
            if b.kind == "if" then work = work + b.escapes * b.escapes
            elseif b.kind == "function" and depth > 1 then
              close_frame()
              frames[depth] = nil
              depth = depth - 1
              cur = frames[depth]
            end
          end
        elseif token == "goto" or token == "break" then
          cur.gotos = cur.gotos + 1
        elseif token == "local" then
          pending_local = true
        elseif token == "for" then
          pending_local = true
          cur.locals = cur.locals + 3 -- the loop's hidden control variables
        elseif token == "in" then
          pending_local = false
        end
      elseif prev ~= "." and prev ~= ":" and prev ~= "::" and prev ~= "goto" then
        if pending_local or in_params then
          cur.locals = cur.locals + 1
          if pending_local == "one" then pending_local = false end
        end
        -- Resolution: each enclosing function's locals and upvalues may be scanned.
        for l = depth, 1, -1 do
          local f = frames[l]
          if not f.names[token] then
            f.names[token] = true
            f.distinct = f.distinct + 1
          end
          work = work + (f.locals < 200 and f.locals or 200) + (f.distinct < 255 and f.distinct or 255)
        end
      end
    elseif c >= 48 and c <= 57 or (c == 46 and (s_byte(src, pos + 1) or 0) >= 48 and (s_byte(src, pos + 1) or 0) <= 57) then
      -- numeral (greedier than llex's: a longer malformed numeral is an error there anyway)
      repeat
        local _, e = s_find(src, "^[%w_%.]*", pos)
        pos = e + 1
        local last, sign = s_byte(src, e), s_byte(src, pos)
        local more = (sign == 43 or sign == 45) and (last == 101 or last == 69 or last == 112 or last == 80)
        if more then pos = pos + 1 end
      until not more
      token = "0"
    elseif c == 34 or c == 39 then -- short string
      local class = c == 34 and '[\\\r\n"]' or "[\\\r\n']"
      local i = pos + 1
      while true do
        local at = s_find(src, class, i)
        if not at then return work end -- unfinished string: the parser stops here
        local d = s_byte(src, at)
        if d == c then pos = at + 1 break end
        if d ~= 92 then return work end -- newline in a string: the parser stops here
        local e = s_byte(src, at + 1)
        if e == 13 or e == 10 then -- escaped line break (\r\n and \n\r count as one)
          local f = s_byte(src, at + 2)
          i = at + ((f == 13 or f == 10) and f ~= e and 3 or 2)
        elseif e == 122 then -- \z skips the whitespace after it, line breaks included
          local _, ws = s_find(src, "^[ \t\r\n\f\v]*", at + 2)
          i = ws + 1
        else
          i = at + 2
        end
      end
      token = "string"
    elseif c == 45 and s_byte(src, pos + 1) == 45 then -- comment
      local level = s_match(src, "^%[(=*)%[", pos + 2)
      if level then
        local _, close = s_find(src, "]" .. level .. "]", pos + 4 + #level, true)
        if not close then return work end
        pos = close + 1
      else
        pos = s_find(src, "[\r\n]", pos + 2) or n + 1
      end
      token = nil
    elseif c == 91 and s_match(src, "^%[=*%[", pos) then -- long string
      local level = s_match(src, "^%[(=*)%[", pos)
      local _, close = s_find(src, "]" .. level .. "]", pos + 2 + #level, true)
      if not close then return work end
      pos = close + 1
      token = "string"
    else -- operator
      local two = s_sub(src, pos, pos + 1)
      if TWO_CHAR_OPS[two] then token = two else token = s_sub(src, pos, pos) end
      pos = pos + #token
      if JUMP_OP[token] then cur.seg = cur.seg + 1
      elseif token == "::" then cur.labels = cur.labels + 1
      elseif token == ";" then end_segment()
      elseif token == "=" then pending_local = false
      elseif token == "(" then
        if await_params then in_params, await_params = true, false end
      elseif token == ")" then in_params = false
      end
    end
    if token then prev = token end
  end
  for l = depth, 1, -1 do
    cur = frames[l]
    close_frame()
  end
  for b = 1, nblocks do
    local e = blocks[b].escapes
    if e then work = work + e * e end
  end
  return work
end
M.compile_work = compile_work

local function make_load(env)
  return function(chunk, chunkname, mode, chunk_env)
    if type(chunk) == "function" then
      local parts, size = {}, 0
      while true do
        local piece = chunk()
        if piece == nil or piece == "" then break end
        if type(piece) ~= "string" then return nil, "reader function must return a string" end
        size = size + #piece
        if size > MAX_SOURCE then
          return nil, s_format("load: source too large (more than %d bytes)", MAX_SOURCE)
        end
        parts[#parts + 1] = piece
      end
      chunk = t_concat(parts)
    elseif type(chunk) ~= "string" then
      arg_error(1, "load", "string or function", chunk, 2)
    end
    if chunkname ~= nil and type(chunkname) ~= "string" then
      arg_error(2, "load", "string", chunkname, 2)
    end
    if mode ~= nil and mode ~= "t" then
      return nil, "load: binary chunks are not allowed (mode must be \"t\")"
    end
    local size = #chunk
    if size > MAX_SOURCE then
      return nil, s_format("load: source too large (%d bytes, limit %d)", size, MAX_SOURCE)
    end
    if size > FREE_BYTES then
      local work = compile_work(chunk)
      if work > MAX_COMPILE_WORK then
        return nil, s_format("load: source too costly to compile (about %.0e parser steps, limit %.0e): " ..
          "long chains of and/or/comparisons or elseif, many labels and gotos, or names resolved through " ..
          "deeply nested functions with many locals; split it into smaller chunks", work, MAX_COMPILE_WORK)
      end
      charge(work // 4)
    end
    return raw_load(chunk, M.chunkname(chunkname or "=(load)"), "t", chunk_env or env)
  end
end

-- base ------------------------------------------------------------------------------------------
-- Optional wrappers for base functions whose C work grows with their input.

local BASE = {}

--- select(k, ...) copies every argument after k: a loop over a long vararg list with select
--- is quadratic in C. Charged per value it returns once past FREE_ELEMENTS.
function BASE.select(k, ...)
  local n = select("#", ...)
  if k == "#" then return n end
  if math_type(k) ~= "integer" then
    k = to_int(k, 1, "select")
  end
  if k < 0 then
    k = n + k + 1 -- (no negation: -mininteger wraps around)
    if k < 1 then bad(1, "select", "index out of range", 2) end
  elseif k == 0 then
    bad(1, "select", "index out of range", 2)
  end
  if n - k > FREE_ELEMENTS then charge(n - k) end
  return select(k, ...)
end

--- tonumber scans its whole string (strtod, or the digits in a base): charged by length.
local raw_tonumber = tonumber
function BASE.tonumber(v, base)
  if type(v) == "string" and #v > FREE_BYTES then charge(#v // BYTES_PER_UNIT) end
  if base == nil then return raw_tonumber(v) end
  return finish("tonumber", pcall(call_c, raw_tonumber, v, base))
end

-- String arithmetic ---------------------------------------------------------------------------
-- The string metatable's __add.. __unm (lstrlib's `arith`) convert numeric strings with a
-- full scan (strtod): `("1"):rep(3e7) + 0` is one VM instruction and 30 MB of C. These
-- replacements charge by the strings' lengths and otherwise do what lstrlib does: numbers or
-- whole-string numerals are combined with the operator; otherwise the second operand's own
-- metamethod is tried, else "attempt to add a 'string' with a 'table'".

local STRING_META = {}

local function numeral(v)
  if type(v) == "number" then return v end
  if type(v) == "string" then
    if #v > FREE_BYTES then charge(#v // BYTES_PER_UNIT) end
    return tonumber(v)
  end
  return nil
end

local ARITH = {
  __add = function(x, y) return x + y end, __sub = function(x, y) return x - y end,
  __mul = function(x, y) return x * y end, __div = function(x, y) return x / y end,
  __pow = function(x, y) return x ^ y end, __unm = function(x) return -x end,
  __mod = function(x, y)
    if y == 0 and math_type(x) == "integer" and math_type(y) == "integer" then error("attempt to perform 'n%0'", 0) end
    return x % y
  end,
  __idiv = function(x, y)
    if y == 0 and math_type(x) == "integer" and math_type(y) == "integer" then error("attempt to divide by zero", 0) end
    return x // y
  end,
}

for event, op in next, ARITH do
  local verb = s_sub(event, 3)
  STRING_META[event] = function(a, b)
    local x, y = numeral(a), numeral(b)
    if x and y then return op(x, y) end
    if type(b) ~= "string" then
      local mt = raw_getmetatable(b)
      local handler = mt and rawget(mt, event)
      if handler ~= nil then return handler(a, b) end
    end
    raise(s_format("attempt to %s a '%s' with a '%s'", verb, type(a), type(b)), 2)
  end
end

-- Public ----------------------------------------------------------------------------------------

--- Builds the safe libraries. `charge_fn(n)` adds n instruction-equivalents to the running
--- callback's budget (it may raise the watchdog's abort). Returns plain tables (the sandbox
--- makes them read-only): { string, table, utf8, math, base = { select, tonumber },
--- string_meta = { __add, __sub, __mul, __div, __mod, __pow, __idiv, __unm },
--- make_load = function(env) -> load }. The string table is also meant for the string
--- metatable's __index, and string_meta's functions for its arithmetic fields.
function M.build(charge_fn)
  charge = charge_fn
  local str = {}
  for k, v in next, S do str[k] = v end
  local tab = {}
  for k, v in next, T do tab[k] = v end
  local u = {}
  for k, v in next, U do u[k] = v end
  local m = {}
  for k, v in next, MATH do m[k] = v end
  local base = {}
  for k, v in next, BASE do base[k] = v end
  local meta = {}
  for k, v in next, STRING_META do meta[k] = v end
  return { string = str, table = tab, utf8 = u, math = m, base = base, string_meta = meta,
           make_load = make_load }
end

--- Worst-case matching steps of pattern `p` on a subject (`many`: gsub/gmatch;
--- `gmatch_mode`: '^' is a plain character). `subject`: a byte count (the structural bound)
--- or the subject string (the smaller of that and the subject-aware bound). For tests.
function M.pattern_steps(p, subject, many, gmatch_mode)
  local info = parse_pattern(p, gmatch_mode)
  if type(subject) ~= "string" then return pattern_steps(info, subject, many) end
  local steps = pattern_steps(info, #subject, many)
  if info.lead then
    local refined = pattern_steps(info, #subject, many, subject)
    if refined < steps then steps = refined end
  end
  return steps
end

return M
