import { beforeAll, describe, expect, it } from 'vitest';
import { makeLibs, type LibsState } from './libsHarness';
import { COUNTING_MATCHER } from './libsMatcher.lua';

// The safe libraries (src/vm/libs.lua) in a bare Lua state: `charge` only counts (see
// libsHarness.ts), so every cost assertion is about counts, never wall time.
let libs: LibsState;
beforeAll(async () => {
  libs = await makeLibs();
});

/** Runs Lua in the safe environment and returns its first result (throws on error). */
function lua(source: string): unknown {
  const r = libs.run(source);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Runs Lua that must fail; returns the error message. */
function luaError(source: string): string {
  const r = libs.run(source);
  if (r.ok) throw new Error(`expected an error from: ${source}`);
  return r.error!;
}

// Lua helpers for comparisons: the outcome of a call as text (results, or the error with
// its position and the function's name normalized away).
const COMPARE = `
local RS = RAW.string
local function ser(r, from)
  local out = {}
  for i = from, r.n do
    local v = r[i]
    if type(v) == "string" then out[#out + 1] = RS.format("%q", v)
    elseif type(v) == "function" then out[#out + 1] = "function"
    elseif type(v) == "table" then
      local parts = {}
      for k = 1, RAW.table.unpack and #v or 0 do parts[k] = tostring(v[k]) end
      out[#out + 1] = "{" .. RAW.table.concat(parts, ",") .. "}"
    else out[#out + 1] = tostring(v) .. (RAW.math.type(v) == "float" and "f" or "") end
  end
  return RAW.table.concat(out, ",")
end
function outcome(f, ...)
  local r = RAW.table.pack(pcall(f, ...))
  if r[1] then return "ok:" .. ser(r, 2) end
  local msg = tostring(r[2])
  msg = RS.gsub(msg, "^[^:]*:%d+: ", "")
  msg = RS.gsub(msg, "to '[%w%.%?]+'", "to '?'")
  msg = RS.gsub(msg, "no value", "nil")
  msg = RS.gsub(msg, "for '[%w%.]+'", "for '?'")
  msg = RS.gsub(msg, "got no value", "got nil")
  return "err:" .. msg
end
-- Compares safe and raw on a list of { "lib.fn", args... }; returns the mismatches.
function compare_calls(calls)
  local bad = {}
  for _, c in ipairs(calls) do
    local lib, fn = RS.match(c[1], "^(%w+)%.(%w+)$")
    local a, b = outcome(SAFE[lib][fn], RAW.table.unpack(c, 2, c.n or #c)), outcome(RAW[lib][fn], RAW.table.unpack(c, 2, c.n or #c))
    if a ~= b then bad[#bad + 1] = c[1] .. ": safe " .. a .. " | raw " .. b end
  end
  return bad
end
`;

describe('The safe libraries (libs.lua)', () => {
  it('offer the real libraries\' names (no string.dump, no math.randomseed), each function a wrapper', () => {
    const r = lua(`
      local out = {}
      local function keys(t)
        local list = {}
        for k in pairs(t) do list[#list + 1] = k end
        RAW.table.sort(list)
        return RAW.table.concat(list, ",")
      end
      local real_C = {}
      for _, lib in ipairs({ "string", "table", "utf8", "math" }) do
        for _, f in pairs(RAW[lib]) do if type(f) == "function" then real_C[f] = true end end
      end
      for _, lib in ipairs({ "string", "table", "utf8", "math" }) do
        local expected = {}
        for k, v in pairs(RAW[lib]) do if k ~= "dump" and k ~= "randomseed" then expected[k] = v end end
        out[lib] = keys(SAFE[lib]) == keys(expected)
        for k, v in pairs(SAFE[lib]) do
          if real_C[v] then out[lib] = "raw C function exposed: " .. lib .. "." .. k end
        end
      end
      return out
    `);
    expect(r).toEqual({ string: true, table: true, utf8: true, math: true });
  });

  it('read no global after build (every function it calls was captured at load)', () => {
    const leaks = lua(`
      local strict, leaks = false, {}
      local env = setmetatable({}, {
        __index = function(_, k)
          if strict then leaks[#leaks + 1] = tostring(k) end
          return _G[k]
        end,
        __newindex = function(_, k) leaks[#leaks + 1] = "write " .. tostring(k) end,
      })
      local M2 = RAW.load(LIBS_SOURCE, "=moonstep/libs.lua", "t", env)(RT)
      local L = M2.build(function() end)
      strict = true
      local s, big = "hello world", RAW.string.rep("ab,", 2000)
      local function try(f, ...) pcall(f, ...) end
      for _, p in ipairs({ "o", "(o)", "^h", "%w+", "[^,]+,", "%b()", "%f[%a]", "(a)%1", "[", "(", ")" }) do
        try(L.string.find, s, p) try(L.string.find, big, p) try(L.string.match, s, p) try(L.string.gsub, s, p, "%0")
        try(L.string.gsub, s, p, function(x) return x end) try(L.string.gsub, s, p, {}) try(L.string.gmatch, s, p)
      end
      try(L.string.find, s, "o", 1, true) try(L.string.find, big, "b,a", 1, true)
      for _, f in pairs(L.string) do try(f) try(f, s) try(f, s, 1) try(f, 1, 2, 3) try(f, {}) try(f, big, 1, -1) end
      try(L.string.format, "%d %s %q %5.2f", 1, "x", "y", 2.5) try(L.string.format, "%d", "x") try(L.string.format, "%s", setmetatable({}, { __tostring = function() return "t" end }))
      try(L.string.pack, "i4 s1", 1, "x") try(L.string.unpack, "i4", "abcd") try(L.string.rep, "x", 3, ",") try(L.string.rep, "x", 2^40)
      local t = {}
      for _, f in pairs(L.table) do try(f) try(f, t) try(f, t, 1) try(f, t, 1, 2) try(f, nil) try(f, {3, 1, 2}, 1, 3, 1) end
      local proxy = setmetatable({}, { __index = function() return "v" end, __len = function() return 3 end, __newindex = function() end })
      try(L.table.insert, proxy, "x") try(L.table.insert, proxy, 1, "x") try(L.table.remove, proxy) try(L.table.concat, proxy) try(L.table.unpack, proxy)
      try(L.table.sort, {3, 2, 1}) try(L.table.sort, {"b", "a"}) try(L.table.sort, {3, 2, 1}, function(a, b) return a > b end) try(L.table.sort, proxy)
      for _, f in pairs(L.utf8) do if type(f) == "function" then try(f) try(f, "häll€") try(f, "häll€", 1, -1) try(f, 72, 228) try(f, "\\xff") end end
      for _, f in pairs(L.math) do if type(f) == "function" then try(f) try(f, 1) try(f, 1, 2) try(f, "3") try(f, {}) try(f, 0/0) try(f, 2, 1) end end
      for _, f in pairs(L.base) do try(f, 1, 2, 3) try(f, "#", 1) try(f, -1, 1) try(f, "ff", 16) try(f, {}) end
      for _, f in pairs(L.string_meta) do try(f, "1", 2) try(f, "x", {}) try(f, "7", 0) end
      local load = L.make_load({})
      try(load, "return 1") try(load, RAW.string.rep("local a = 1 if a then a = 2 end ", 200)) try(load, 42) try(load, "x", "n", "b")
      try(load, function() return nil end)
      return leaks
    `);
    expect(leaks).toEqual({});
  });

  describe('behave like the real libraries on ordinary calls', () => {
    it('string functions', () => {
      const mismatches = lua(`${COMPARE}
        local big = RAW.string.rep("ab,", 600)
        return compare_calls({
          {"string.len", "abc"}, {"string.len", ""}, {"string.len", 123}, {"string.len", nil},
          {"string.sub", "hello", 2}, {"string.sub", "hello", 2, 3}, {"string.sub", "hello", -3}, {"string.sub", "hello", -100, 100},
          {"string.sub", "hello", 0}, {"string.sub", "hello", "2", "3"}, {"string.sub", "hello", 2.0}, {"string.sub", "hello", 2.5},
          {"string.sub", 12345, 2, 3}, {"string.sub", big, 10, 2000}, {"string.sub", "x"}, {"string.sub", "x", math.mininteger, math.maxinteger},
          {"string.upper", "aBc1"}, {"string.lower", "AbC"}, {"string.upper", 12}, {"string.reverse", "abc"}, {"string.reverse", big},
          {"string.rep", "ab", 3}, {"string.rep", "ab", 3, ","}, {"string.rep", "ab", 0}, {"string.rep", "ab", -1}, {"string.rep", "", 5},
          {"string.rep", "x", 2.0}, {"string.rep", "x", "3"}, {"string.rep", 5, 2}, {"string.rep", "x", 1.5}, {"string.rep", "x"},
          {"string.rep", "", 5, "-"}, {"string.rep", "ab", 1, ","},
          {"string.byte", "abc"}, {"string.byte", "abc", 2}, {"string.byte", "abc", 1, -1}, {"string.byte", "abc", -1}, {"string.byte", "abc", 10},
          {"string.byte", "abc", 0}, {"string.byte", "abc", 3, 1}, {"string.byte", "", 1}, {"string.byte", "abc", "2"}, {"string.byte", 123, 1, 2},
          {"string.char"}, {"string.char", 65}, {"string.char", 65, 66, 67}, {"string.char", 256}, {"string.char", -1}, {"string.char", "65"}, {"string.char", 65.0}, {"string.char", 65.5},
          {"string.format", "%d", 1}, {"string.format", "%5.2f|%-5d|%x|%X|%o", 3.14159, 42, 255, 255, 8}, {"string.format", "%s %s", "a", 1},
          {"string.format", "%q", 'a\\n"b\\0'}, {"string.format", "%q", 1/3}, {"string.format", "%q", math.mininteger}, {"string.format", "%q", {}},
          {"string.format", "%10s|%-10s|%.2s", "abc", "de", "xyz"}, {"string.format", "%c%c", 72, 105}, {"string.format", "%i", 3.0},
          {"string.format", "%d", 3.5}, {"string.format", "%d", "7"}, {"string.format", "%d"}, {"string.format", "%y", 1}, {"string.format", "%", 1},
          {"string.format", "%5q", "x"}, {"string.format", "%#x", 255}, {"string.format", "%+d % d", 5, 5}, {"string.format", "%05d", 42},
          {"string.format", "%123d", 1}, {"string.format", "%.123f", 1}, {"string.format", "%#d", 1}, {"string.format", "%a", 1.0},
          {"string.format", "%e|%E|%g|%G", 1e10, 1e10, 1e10, 1e-10}, {"string.format", "%s", nil}, {"string.format", "%s", true},
          {"string.format", "%.3s", "a\\0b"}, {"string.format", "%s", "a\\0b"}, {"string.format", "%%"}, {"string.format", "%5.1s|", "abc"},
          {"string.format", "%s", setmetatable({}, {__tostring = function() return "T" end})},
          {"string.format", "%s", setmetatable({}, {__tostring = function() return 1 end})},
          {"string.format", "%s", setmetatable({}, {__name = "Thing"})}, {"string.format", 42}, {"string.format"},
          {"string.format", "%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18},
          {"string.find", "hello", "l"}, {"string.find", "hello", "l", 4}, {"string.find", "hello", "xyz"}, {"string.find", "hello", ""},
          {"string.find", "hello", "", 10}, {"string.find", "hello", "l+"}, {"string.find", "a.b", ".", 1, true}, {"string.find", "a+b", "+", 1, true},
          {"string.find", "hello", "(h)(e)"}, {"string.find", "hello", "()ll()"}, {"string.find", "hello", "^h"}, {"string.find", "hello", "o$"},
          {"string.find", "hello", "[", 1}, {"string.find", "hello", "%"}, {"string.find", "hello", "(l"}, {"string.find", "hello", "l)"},
          {"string.find", "THE (quick) fox", "%b()"}, {"string.find", "THE (quick) fox", "%f[%a]%a+"}, {"string.find", "abab", "(ab)%1"},
          {"string.find", "hello", "%2"}, {"string.find", "hello", "%f"}, {"string.find", "hello", "%b"}, {"string.find", 123, 2},
          {"string.find", "hello", "l", -2}, {"string.find", "hello", "l", "2"}, {"string.find", "hello", "l", 1.5}, {"string.find", nil, "x"},
          {"string.find", big, ",", 100}, {"string.find", big, "b,a", 1, true},
          {"string.match", "key=value", "(%w+)=(%w+)"}, {"string.match", "  trim  ", "^%s*(.-)%s*$"}, {"string.match", "abc", "()b()"},
          {"string.match", "hello", ".-"}, {"string.match", "x", "(()"}, {"string.match", "abc", "b", -2}, {"string.match", big, "(%a+),"},
          {"string.gsub", "hello world", "o", "0"}, {"string.gsub", "hello world", "(%w+)", "<%1>"}, {"string.gsub", "abc", "", "-"},
          {"string.gsub", "abc", "%w", "%0%0", 2}, {"string.gsub", "abc", "%w", {a = "A", b = true}}, {"string.gsub", "abc", "%w", function(c) if c == "b" then return nil end return c:upper() end},
          {"string.gsub", "abc", "%w", "%2"}, {"string.gsub", "abc", "%w", "%"}, {"string.gsub", "abc", "%w", "%x"}, {"string.gsub", "abc", "(%w)", "%1%1"},
          {"string.gsub", "abc", "%w", 5}, {"string.gsub", "abc", "%w", true}, {"string.gsub", "abc", "%w", function() return {} end},
          {"string.gsub", "abc", "^%w", "X"}, {"string.gsub", "abc", "%w", "X", 1.0}, {"string.gsub", "abc", "%w", "X", "2"}, {"string.gsub", "abc", "()", "%1"},
          {"string.gsub", big, ",", ";"}, {"string.gsub", "a b", "%s", "%%"},
          {"string.pack", "i4", 100}, {"string.pack", ">I2 s1 z", 7, "ab", "cd"}, {"string.pack", "c5", "ab"}, {"string.pack", "i17", 1}, {"string.pack", "d n j", 1.5, 2, 3},
          {"string.packsize", "i4 i8"}, {"string.packsize", "s"}, {"string.unpack", "i4", RAW.string.pack("i4", 99)}, {"string.unpack", "z", "ab\\0cd"},
          {"string.unpack", "i4", "ab"}, {"string.unpack", "c2 c2", "abcd", 1}, {"string.unpack", "B", "abc", -1},
        })`);
      expect(mismatches).toEqual({});
    });

    it('table, utf8 and math functions', () => {
      const mismatches = lua(`${COMPARE}
        local mt = { __index = function(t, k) return "i" .. k end }
        return compare_calls({
          {"table.concat", {1, 2, 3}}, {"table.concat", {1, 2, 3}, ", "}, {"table.concat", {"a", "b", "c"}, "", 2, 3}, {"table.concat", {}},
          {"table.concat", {1, {}, 3}}, {"table.concat", {1, 2}, 3}, {"table.concat", {"a"}, "x", 1, 3}, {"table.concat", setmetatable({}, mt), "-", 1, 3},
          {"table.concat", nil}, {"table.concat", {1, 2}, {}}, {"table.concat", {1, 2.5, "x"}}, {"table.concat", {"a", "b"}, nil, "1", 2.0},
          {"table.unpack", {1, 2, 3}}, {"table.unpack", {1, 2, 3}, 2}, {"table.unpack", {1, 2, 3}, 2, 5}, {"table.unpack", {1, 2}, -1, 1},
          {"table.unpack", {}, 1, 0}, {"table.unpack", {1, 2}, "1", 2.0}, {"table.unpack", setmetatable({}, mt), 1, 2}, {"table.unpack", "abc"},
          {"table.unpack", {1}, 1.5}, {"table.unpack", {1, 2, 3}, math.mininteger, math.maxinteger},
          {"table.pack", 1, nil, 3}, {"table.pack"},
          {"table.move", {1, 2, 3}, 2, 1, 1}, {"table.move", {1}, 1, 1, "1"},
          {"table.move", nil, 1, 1, 1}, {"table.move", {}, 1, math.maxinteger, 2}, {"table.move", {}, -1, math.maxinteger, 1}, {"table.move", {1}, 1, 1, math.maxinteger},
          {"utf8.char", 72, 228, 8364, 128512}, {"utf8.char"}, {"utf8.char", -1}, {"utf8.char", 0x7FFFFFFF}, {"utf8.char", "65"},
          {"utf8.len", "häll€"}, {"utf8.len", "\\xff"}, {"utf8.len", "abc", 2}, {"utf8.len", "abc", 5}, {"utf8.len", "abc", 1, 10}, {"utf8.len", 123},
          {"utf8.codepoint", "häll€", 1, -1}, {"utf8.codepoint", "abc", 0}, {"utf8.codepoint", "\\xff"}, {"utf8.codepoint", "abc", 2}, {"utf8.codepoint", "abc", 3, 1},
          {"utf8.offset", "häll€", 3}, {"utf8.offset", "häll€", -1}, {"utf8.offset", "häll€", 0, 3}, {"utf8.offset", "häll€", 1, 3}, {"utf8.offset", "abc", 1, 10},
          {"utf8.codes", "abc"}, {"utf8.codes", "\\x80"},
          {"math.floor", 3.7}, {"math.floor", -3.5}, {"math.floor", 3}, {"math.floor", "3.7"}, {"math.floor", "x"}, {"math.floor", nil}, {"math.floor", 0/0},
          {"math.ceil", 3.2}, {"math.rad", 180}, {"math.deg", math.pi}, {"math.deg", "x"}, {"math.abs", math.mininteger}, {"math.abs", -2.5}, {"math.sqrt", 2}, {"math.sin", 1}, {"math.cos", 1}, {"math.tan", 1},
          {"math.asin", 0.5}, {"math.acos", 0.5}, {"math.exp", 1}, {"math.modf", 3.7}, {"math.modf", -math.huge}, {"math.modf", 5},
          {"math.atan", 1, 2}, {"math.atan", 1}, {"math.atan", 1, "x"}, {"math.log", 8, 2}, {"math.log", 100, 10}, {"math.log", 2.718281828459045},
          {"math.fmod", 7, 3}, {"math.fmod", -7, 3}, {"math.fmod", 7, 0}, {"math.fmod", 7.0, 0}, {"math.fmod", 7, "0"}, {"math.fmod", math.mininteger, -1},
          {"math.max", 1, 5, 3}, {"math.max", 1}, {"math.max"}, {"math.max", 1, "x"}, {"math.max", "10", 2}, {"math.max", 1, 2.5}, {"math.min", 3, 1, 2},
          {"math.min", 1, nil}, {"math.max", 0/0, 1},
          {"math.tointeger", 3.0}, {"math.tointeger", 3.5}, {"math.tointeger", "8"}, {"math.tointeger", {}}, {"math.tointeger"},
          {"math.type", 1}, {"math.type", 1.0}, {"math.type", "1"}, {"math.type"}, {"math.ult", 1, -1}, {"math.ult", 1.0, 2}, {"math.ult", 1.5, 2},
          {"math.random", 0.5}, {"math.random", 0, -1}, {"math.random", 2, 1}, {"math.random", 1, 1}, {"math.random", 5, 5}, {"math.random", "x"},
        })`);
      expect(mismatches).toEqual({});
    });

    it('table.insert, remove and sort modify tables as the real ones do', () => {
      const result = lua(`
        local function run(lib)
          local out = {}
          local t = {}
          for i = 1, 10 do lib.insert(t, i) end
          lib.insert(t, 1, "first")
          lib.insert(t, 5, "mid")
          lib.insert(t, #t + 1, "last")
          out[#out + 1] = RAW.table.concat(t, ",")
          out[#out + 1] = tostring(lib.remove(t))
          out[#out + 1] = tostring(lib.remove(t, 1))
          out[#out + 1] = tostring(lib.remove(t, #t + 1))
          out[#out + 1] = tostring(lib.remove({}))
          out[#out + 1] = tostring(lib.remove({}, 0))
          out[#out + 1] = RAW.table.concat(t, ",")
          local s = {5, 2, 8, 1, 9, 3}
          lib.sort(s)
          out[#out + 1] = RAW.table.concat(s, ",")
          lib.sort(s, function(a, b) return a > b end)
          out[#out + 1] = RAW.table.concat(s, ",")
          local words = {"pear", "apple", "fig"}
          lib.sort(words)
          out[#out + 1] = RAW.table.concat(words, ",")
          -- a proxy with __index/__newindex/__len, like the sandbox's read-only tables
          local real, log = {1, 2, 3}, {}
          local proxy = setmetatable({}, {
            __index = function(_, k) log[#log + 1] = "get" .. k return real[k] end,
            __newindex = function(_, k, v) log[#log + 1] = "set" .. k real[k] = v end,
            __len = function() log[#log + 1] = "len" return #real end,
          })
          lib.insert(proxy, "x")
          lib.insert(proxy, 1, "y")
          out[#out + 1] = tostring(lib.remove(proxy, 2))
          out[#out + 1] = RAW.table.concat(real, ",") .. " " .. RAW.table.concat(log, ",")
          for k = 1, #log do log[k] = nil end
          out[#out + 1] = lib.concat(proxy, "+") .. " " .. RAW.table.concat(log, ",")
          for k = 1, #log do log[k] = nil end
          out[#out + 1] = RAW.table.concat({lib.unpack(proxy)}, "+") .. " " .. RAW.table.concat(log, ",")
          return RAW.table.concat(out, " | ")
        end
        local a, b = run(SAFE.table), run(RAW.table)
        return a == b and "same" or ("safe: " .. a .. "\\nraw:  " .. b)
      `);
      expect(result).toBe('same');
    });
  });

  describe('bound pattern matching soundly', () => {
    const GENERATOR = `
      RAW.math.randomseed(7)
      local R = RAW.math.random
      local ATOMS = { "a", "b", ".", "%a", "%d", "[ab]", "[^a]", "%s", "x", "%%", "[%a_]", "%w", "[a-c]", "%p" }
      local QUANT = { "", "", "", "*", "+", "-", "?" }
      function random_pattern()
        local parts, open = {}, 0
        if R() < 0.25 then parts[1] = "^" end
        for _ = 1, R(1, 5) do
          local r = R()
          if r < 0.08 then parts[#parts + 1] = "(" open = open + 1
          elseif r < 0.14 and open > 0 then parts[#parts + 1] = ")" open = open - 1
          elseif r < 0.17 then parts[#parts + 1] = "()"
          elseif r < 0.20 then parts[#parts + 1] = "%b()"
          elseif r < 0.23 then parts[#parts + 1] = "%f[%a]"
          elseif r < 0.25 then parts[#parts + 1] = "%1"
          else parts[#parts + 1] = ATOMS[R(#ATOMS)] .. QUANT[R(#QUANT)] end
        end
        for _ = 1, open do parts[#parts + 1] = ")" end
        if R() < 0.25 then parts[#parts + 1] = "$" end
        return RAW.table.concat(parts)
      end
      local ALPHA = { "a", "a", "a", "b", " ", "(", ")", "x", "1", "_", "," }
      function random_subject()
        local r = R()
        if r < 0.15 then return RAW.string.rep("a", R(0, 60)) .. (R() < 0.5 and "b" or "") end
        if r < 0.2 then return RAW.string.rep("(", R(0, 30)) .. RAW.string.rep(")", R(0, 5)) end
        if r < 0.25 then return RAW.string.rep(" ", R(0, 40)) .. "a" .. RAW.string.rep(" ", R(0, 40)) .. "a" end
        local out = {}
        for i = 1, R(0, 30) do out[i] = ALPHA[R(#ALPHA)] end
        return RAW.table.concat(out)
      end
    `;

    it('never below the work of a step-counting port of the real matcher (3000 random cases)', () => {
      const result = lua(`${COUNTING_MATCHER}${GENERATOR}
        local M = LIBS_MODULE
        local checked, worst, problems = 0, 0, {}
        for _ = 1, 3000 do
          local p, s = random_pattern(), random_subject()
          for _, mode in ipairs({ "find", "gsub", "gmatch" }) do
            local steps = count_steps(s, p, mode)
            if steps then
              local bound = M.pattern_steps(p, s, mode ~= "find", mode == "gmatch")
              checked = checked + 1
              if steps > bound then problems[#problems + 1] = RAW.string.format("%s %q %q: %d steps > bound %d", mode, p, s, steps, bound) end
              if steps / bound > worst then worst = steps / bound end
            end
          end
        end
        return { checked = checked, problems = problems, worst = worst }
      `) as { checked: number; problems: string[] | Record<string, never>; worst: number };
      expect(result.problems).toEqual({});
      expect(result.checked).toBeGreaterThan(5000);
      expect(result.worst).toBeLessThanOrEqual(1);
    });

    it('never below the counted work on long runs, where constant factors show', () => {
      const problems = lua(`${COUNTING_MATCHER}
        local M = LIBS_MODULE
        local problems = {}
        local patterns = { "[^,]+,", "[^,]*,", "[^,]-,", "a+b", "%a+%d", "([^\\n]*)\\n", "[^,]+(),", "[^,]+()(),",
          "(a+)b", "a*$", "[^b]-()$", "%a-%d", "a+()b", "x?a+b", "(%w+)=(%w+)" }
        local subjects = { string.rep("a", 200), string.rep("a", 199) .. ",", string.rep("ab", 100), string.rep("a", 100) .. "\\n" .. string.rep("a", 100),
          string.rep("a=", 100), string.rep("aaaaaaaaa,", 20) }
        for _, p in ipairs(patterns) do
          for _, s in ipairs(subjects) do
            for _, mode in ipairs({ "find", "gsub", "gmatch" }) do
              local steps = count_steps(s, p, mode)
              if steps then
                local bound = M.pattern_steps(p, s, mode ~= "find", mode == "gmatch")
                local structural = M.pattern_steps(p, #s, mode ~= "find", mode == "gmatch")
                if steps > bound or steps > structural then
                  problems[#problems + 1] = RAW.string.format("%s %q on %d bytes: %d steps > bound %d / %d", mode, p, #s, steps, bound, structural)
                end
              end
            end
          end
        end
        return problems
      `);
      expect(problems).toEqual({});
    }, 120_000);

    it('and give the real results for every pattern they accept (2000 random cases)', () => {
      const result = lua(`${COMPARE}${GENERATOR}
        local function collect(f, ...)
          local out = {}
          for a, b, c in f(...) do
            out[#out + 1] = tostring(a) .. "/" .. tostring(b) .. "/" .. tostring(c)
            if #out > 100 then break end
          end
          return RAW.table.concat(out, "|")
        end
        local mismatches, accepted = {}, 0
        for _ = 1, 2000 do
          local p, s = random_pattern(), random_subject()
          local init = RAW.math.random(-3, 5)
          local cases = {
            { "find", SAFE.string.find, RAW.string.find, s, p },
            { "find init", SAFE.string.find, RAW.string.find, s, p, init },
            { "match", SAFE.string.match, RAW.string.match, s, p },
            { "gsub", SAFE.string.gsub, RAW.string.gsub, s, p, "<%0>" },
            { "gsub fn", SAFE.string.gsub, RAW.string.gsub, s, p, function(x) return x and "[" .. tostring(x) .. "]" end },
            { "gsub max", SAFE.string.gsub, RAW.string.gsub, s, p, "-", 2 },
          }
          for _, c in ipairs(cases) do
            local a, b = outcome(c[2], RAW.table.unpack(c, 4)), outcome(c[3], RAW.table.unpack(c, 4))
            if RAW.string.find(a, "too costly", 1, true) == nil then
              accepted = accepted + 1
              if a ~= b then mismatches[#mismatches + 1] = RAW.string.format("%s %q %q: safe %s | raw %s", c[1], p, s, a, b) end
            end
          end
          local a = outcome(collect, SAFE.string.gmatch, s, p)
          local b = outcome(collect, RAW.string.gmatch, s, p)
          if RAW.string.find(a, "too costly", 1, true) == nil and a ~= b then
            mismatches[#mismatches + 1] = RAW.string.format("gmatch %q %q: safe %s | raw %s", p, s, a, b)
          end
        end
        return { mismatches = mismatches, accepted = accepted }
      `) as { mismatches: string[] | Record<string, never>; accepted: number };
      expect(result.mismatches).toEqual({});
      expect(result.accepted).toBeGreaterThan(11000);
    });
  });

  describe('refuse or charge the attacks on C time', () => {
    // Each returns a table with what happened; \`charged()\` counts instruction-equivalents.
    it('charge plain string.find on a 30 MB subject per call', () => {
      const r = lua(`
        local s = string.rep("a", 3e7)
        reset_charge()
        for _ = 1, 10 do s:find("b", 1, true) end
        local plain = charged()
        reset_charge()
        for _ = 1, 10 do s:find("b") end -- no specials: the same plain search
        return { plain = plain, implicit = charged() }
      `) as { plain: number; implicit: number };
      expect(r.plain).toBeGreaterThanOrEqual(10 * (3e7 / 16));
      expect(r.implicit).toBe(r.plain);
    });

    it('charge the scan of a huge needle for special characters', () => {
      expect(lua('local p = string.rep("a", 3e6) reset_charge() string.find("b", p) return charged()')).toBeGreaterThanOrEqual(3e6 / 16);
    });

    it('refuse a plain find whose needle makes lmemfind quadratic', () => {
      expect(luaError('local s = string.rep("a", 1e6) local x = s:find(string.rep("a", 1e4) .. "b", 1, true)'))
        .toMatch(/^test\.lua:1: string\.find: plain search too costly/);
    });

    it('refuse unanchored patterns that retry a long scan at every start', () => {
      const cases = [
        ['string.find(s, "[^,]+,")', 'find'], ['string.match(s, "a*$")', 'match'], ['string.find(s, "%w+$")', 'find'],
        ['string.gmatch(s, "^(a*)b")', 'gmatch'], ['string.gsub(s, "a-b", "")', 'gsub'], ['string.find(s, ".-b")', 'find'],
        ['string.find(s, "(a*)*b")', 'find'], ['string.find(s, "%ba)")', 'find'],
        ['string.find(s, string.rep("a?", 30) .. string.rep("a", 30))', 'find'],
      ];
      for (const [call, fname] of cases) {
        const message = luaError(`local s = string.rep("a", 1e6)\nlocal x = ${call}`);
        expect(message, call).toMatch(new RegExp(`^test\\.lua:2: string\\.${fname}: pattern too costly for a 1000000-byte subject`));
      }
      // the 30-byte backtracking bomb too
      expect(luaError('string.find(string.rep("a", 30), string.rep("a?", 30) .. string.rep("a", 30))')).toMatch(/pattern too costly/);
    });

    it('accept a pattern led by a repetition when the subject\'s runs are short (lines of a text)', () => {
      const r = lua(`
        local text = string.rep("a line of text, of moderate length\\n", 3000)
        local n = 0
        for line in text:gmatch("([^\\n]*)\\n") do n = n + 1 end
        local fields = select(2, string.rep("abc,", 30000):gsub("[^,]+,", "x"))
        local one_line = select(2, pcall(string.gmatch, string.rep("a", 1e5), "([^\\n]*)\\n"))
        return { n = n, fields = fields, one_line = one_line }
      `) as Record<string, unknown>;
      expect(r.n).toBe(3000);
      expect(r.fields).toBe(30000);
      expect(r.one_line).toMatch(/pattern too costly for a 100000-byte subject/);
    });

    it('accept and charge linear patterns on the same subject, and anchored ones', () => {
      const r = lua(`
        local s = string.rep("a", 1e6) .. ","
        reset_charge()
        local n = 0
        for w in s:gmatch("[^,]+") do n = n + 1 end
        local gmatch_charge = charged()
        local a = s:find("^(a*),")
        local b = select(2, s:gsub("%w+", "x"))
        return { n = n, a = a, b = b, gmatch_charge = gmatch_charge, total = charged() }
      `) as Record<string, number>;
      expect(r).toMatchObject({ n: 1, a: 1, b: 1 });
      expect(r.gmatch_charge).toBeGreaterThan(1e6 / 4);
      expect(r.total).toBeGreaterThan(r.gmatch_charge!);
    });

    it('never let a range count wrap around (integer overflow)', () => {
      expect(luaError('local x = table.concat({}, "", math.mininteger, math.maxinteger)')).toMatch(/^test\.lua:1: table\.concat: range of \d+ elements is too large/);
      expect(luaError('local x = SAFE.base.select(math.mininteger, 1, 2)')).toBe("test.lua:1: bad argument #1 to 'select' (index out of range)");
      expect(luaError('local x = table.unpack({}, math.mininteger, math.maxinteger)')).toBe('test.lua:1: too many results to unpack');
    });

    it('never let the bound wrap around on a huge subject (integer overflow)', () => {
      expect(lua(`
        local M = LIBS_MODULE
        local n = (1 << 31) - 1 -- an integer, as #s is
        return M.pattern_steps("a*a*a*b", n, true, false) > 5e7 and M.pattern_steps("(.-)%1", n, true, false) > 5e7
          and M.pattern_steps(string.rep("[ab]-", 40) .. "c", n, false, false) > 5e7
      `)).toBe(true);
    });

    it('treat ^ in gmatch as a plain character (Lua 5.4 does not anchor gmatch)', () => {
      expect(lua('local n = 0 for x in ("^a^a"):gmatch("^a") do n = n + 1 end return n')).toBe(2);
      expect(lua('return LIBS_MODULE.pattern_steps("^a*b", 1000, true, true) > LIBS_MODULE.pattern_steps("^a*b", 1000, true, false)')).toBe(true);
    });

    it('charge table.insert/remove by the elements they shift and refuse a lying __len', () => {
      const r = lua(`
        local out = {}
        local liar = setmetatable({}, { __len = function() return 2^62 end })
        out.insert = select(2, pcall(table.insert, liar, 1, "x"))
        out.remove = select(2, pcall(table.remove, liar, 1))
        out.sort = select(2, pcall(table.sort, liar))
        out.concat = select(2, pcall(table.concat, liar))
        out.unpack = select(2, pcall(table.unpack, liar))
        -- a plain table whose border is 2^61 (t[1], t[2], t[4], ... set)
        local sparse = {}
        for k = 61, 0, -1 do sparse[1 << k] = k end
        out.border = #sparse
        out.sparse_insert = select(2, pcall(table.insert, sparse, 1, "x"))
        out.sparse_sort = select(2, pcall(table.sort, sparse))
        local t = {}
        for i = 1, 10000 do t[i] = i end
        reset_charge()
        table.insert(t, 1, 0)
        out.shift_charge = charged()
        reset_charge()
        table.insert(t, 0)
        table.remove(t)
        out.append_charge = charged()
        return out
      `) as Record<string, unknown>;
      expect(r.insert).toMatch(/table\.insert: range of 4611686018427387904 elements is too large/);
      expect(r.remove).toMatch(/table\.remove: range of \d+ elements is too large/);
      expect(r.sort).toMatch(/cannot sort a table with __index, __newindex or __len/);
      expect(r.concat).toMatch(/table\.concat: range of \d+ elements is too large/);
      expect(r.unpack).toMatch(/too many results to unpack/);
      expect(r.border).toBe(2 ** 61);
      expect(r.sparse_insert).toMatch(/is too large/);
      expect(r.sparse_sort).toMatch(/bad argument #1 to 'table\.sort' \(array too big\)/);
      expect(r.shift_charge).toBe(10000);
      expect(r.append_charge).toBe(0);
    });

    it('charge table.sort by n log n comparisons, times the string length for strings', () => {
      const r = lua(`
        local t, u = {}, {}
        local long = string.rep("x", 4096)
        for i = 1, 1000 do t[i] = -i u[i] = long .. i end
        reset_charge() table.sort(t) local numbers = charged()
        reset_charge() table.sort(u) local strings = charged()
        return { numbers = numbers, strings = strings, sorted = t[1] == -1000 and u[1] < u[2] }
      `) as Record<string, unknown>;
      expect(r.numbers).toBe(1000 * 11);
      expect(r.strings).toBeGreaterThan(1000 * 11 * 256);
      expect(r.sorted).toBe(true);
    });

    it('stop a sort whose string comparisons would run for seconds before C starts', () => {
      const message = luaError(`
        local t = {}
        for i = 1, 64 do t[i] = string.rep("x", 1e6) .. i end
        set_limit(1e7)
        local ok, e = pcall(table.sort, t)
        set_limit(nil)
        error(e, 0)`);
      expect(message).toBe('budget exceeded');
    });

    it('refuse quadratic-to-compile sources in load and charge big ones', () => {
      const r = lua(`
        local out = {}
        out.or_chain = select(2, load("return a" .. (" or a"):rep(2e5)))
        out.and_chain = select(2, load("return a" .. (" and a"):rep(1e4)))
        local labels = {}
        for i = 1, 2e4 do labels[i] = "::l" .. i .. "::" end
        out.labels = select(2, load(table.concat(labels, " ")))
        out.gotos = select(2, load(string.rep("goto x ", 2e4) .. "::x::"))
        out.elseif_chain = select(2, load("if a then" .. (" elseif a then"):rep(1e4) .. " end"))
        out.huge = select(2, load(string.rep(" ", 2e6)))
        -- an or-chain whose links are separated by nested functions (their statements must not
        -- end the outer expression's count)
        out.nested_or = select(2, load("return a" .. (" or (function() if x then return 1 end end)()"):rep(6000)))
        -- names resolved through 40 nested functions of 199 locals each
        local locals = {}
        for i = 1, 199 do locals[i] = "l" .. i end
        local decl = "local " .. table.concat(locals, ",") .. " = 1 "
        out.deep_names = select(2, load(string.rep("return function() " .. decl, 40) .. string.rep("x=x ", 5e4) .. string.rep(" end", 40)))
        -- chains hidden in strings and comments are not code: accepted
        out.in_strings = load("local s = '" .. string.rep(" or a", 2e4) .. "' --[==[" .. string.rep(" or a", 2e4) .. "]==] return s") ~= nil
        out.z_escape = load("local s = 'a\\z\n  b' return s" .. string.rep(" or a", 6000)) == nil
        out.work_or = LIBS_MODULE.compile_work("return a" .. (" or a"):rep(1000))
        out.work_plain = LIBS_MODULE.compile_work("return a" .. (" + a"):rep(1000))
        local legit = {}
        for i = 1, 2000 do legit[i] = ("do local v = %d if v > 3 and v < 9 then t[v] = v end end"):format(i) end
        local src = "local t = {}\\n" .. table.concat(legit, "\\n")
        reset_charge()
        out.legit_ok = load(src) ~= nil
        out.legit_charge = charged()
        out.legit_size = #src
        reset_charge()
        out.small_ok = load("return 1 + 1")() == 2
        out.small_charge = charged()
        return out
      `) as Record<string, unknown>;
      expect(r.or_chain).toMatch(/source too costly to compile/);
      expect(r.and_chain).toMatch(/source too costly to compile/);
      expect(r.elseif_chain).toMatch(/source too costly to compile/);
      expect(r.labels).toMatch(/source too costly to compile/);
      expect(r.gotos).toMatch(/source too costly to compile/);
      expect(r.huge).toMatch(/source too large/);
      expect(r.nested_or).toMatch(/source too costly to compile/);
      expect(r.deep_names).toMatch(/source too costly to compile/);
      expect(r.in_strings).toBe(true);
      expect(r.z_escape).toBe(true);
      expect(r.work_or as number).toBeGreaterThan(1000 * 1000);
      expect(r.work_plain as number).toBeLessThan(1000 * 100);
      expect(r.legit_ok).toBe(true);
      expect(r.legit_charge).toBeGreaterThanOrEqual((r.legit_size as number) / 4);
      expect(r.small_ok).toBe(true);
      expect(r.small_charge).toBe(0);
    });

    it('make an empty string.rep instantly and refuse an impossible one', () => {
      expect(lua('return #string.rep("", 2^53) + #("").rep("", 1e18, "")')).toBe(0);
      expect(luaError('local x = string.rep("ab", 2^40)')).toBe('test.lua:1: resulting string too large');
      expect(lua('reset_charge() local s = string.rep("ab", 1e6, ",") return charged()')).toBe(Math.floor((2e6 + 1e6 - 1) / 16));
    });

    it('charge copies and scans of big strings in every function', () => {
      const r = lua(`
        local s = string.rep("a", 1e6)
        local out = {}
        local function cost(f, ...) reset_charge() f(...) return charged() end
        out.upper = cost(string.upper, s)
        out.lower = cost(string.lower, s)
        out.reverse = cost(string.reverse, s)
        out.sub = cost(string.sub, s, 1, -1)
        out.sub_small = cost(string.sub, s, 1, 10)
        out.format = cost(string.format, "%s", s)
        out.format_q = cost(string.format, "%q", s)
        out.format_tostring = cost(string.format, "%s", setmetatable({}, { __tostring = function() return s end }))
        out.byte = cost(string.byte, s, 1, 5000)
        out.utf8_len = cost(utf8.len, s)
        out.utf8_offset = cost(utf8.offset, s, -1)
        out.codepoint = cost(utf8.codepoint, s, 1, 5000)
        out.concat = cost(table.concat, { s, s, s })
        out.gsub_fn = cost(string.gsub, string.rep("x", 100), "x", function() return s end)
        out.gsub_tbl = cost(string.gsub, string.rep("x", 100), "x", { x = s })
        out.gsub_str = cost(string.gsub, string.rep("x", 1000), "x", string.rep("y", 1000))
        out.pack = cost(string.pack, "c1000000", "")
        out.pack_s = cost(string.pack, "s4", s)
        out.unpack = cost(string.unpack, "c1000000", s)
        out.unpack_small = cost(string.unpack, "c1", s)
        out.table_unpack = cost(table.unpack, {}, 1, 5000)
        out.move = cost(table.move, {}, 1, 1e6, 2)
        out.char = cost(string.char, table.unpack((function() local t = {} for i = 1, 5000 do t[i] = 65 end return t end)()))
        return out
      `) as Record<string, number>;
      const MB = 1e6 / 16;
      expect(r.upper).toBe(MB);
      expect(r.lower).toBe(MB);
      expect(r.reverse).toBe(MB);
      expect(r.sub).toBe(MB);
      expect(r.sub_small).toBe(0);
      expect(r.format).toBeGreaterThanOrEqual(MB);
      expect(r.format_q).toBeGreaterThanOrEqual(4 * MB);
      expect(r.format_tostring).toBeGreaterThanOrEqual(MB);
      expect(r.byte).toBe(5000);
      expect(r.utf8_len).toBe(MB);
      expect(r.utf8_offset).toBe(MB);
      expect(r.codepoint).toBe(5000);
      expect(r.concat).toBeGreaterThanOrEqual(3 * MB);
      expect(r.gsub_fn).toBeGreaterThanOrEqual(100 * MB - 100);
      expect(r.gsub_tbl).toBeGreaterThanOrEqual(100 * MB - 100);
      expect(r.gsub_str).toBeGreaterThanOrEqual((1000 * 1000) / 16);
      expect(r.pack).toBeGreaterThanOrEqual(MB);
      expect(r.pack_s).toBeGreaterThanOrEqual(MB);
      expect(r.unpack).toBeGreaterThanOrEqual(MB);
      expect(r.unpack_small).toBe(0);
      expect(r.table_unpack).toBe(5000);
      expect(r.move).toBe(1e6);
      expect(r.char).toBeGreaterThanOrEqual(5000);
    });

    it('refuse a table.move range past the element limit', () => {
      expect(luaError('table.move({}, 1, 2^50, 1)')).toMatch(/^test\.lua:1: table\.move: range of \d+ elements is too large/);
    });
  });

  describe('report bad arguments at the caller\'s line with the public name', () => {
    const CASES: Array<[string, string]> = [
      ['string.rep()', "bad argument #1 to 'string.rep' (string expected, got nil)"],
      ['string.rep("x")', "bad argument #2 to 'string.rep' (number expected, got nil)"],
      ['string.rep("x", 1.5)', "bad argument #2 to 'string.rep' (number has no integer representation)"],
      ['string.sub()', "bad argument #1 to 'string.sub' (string expected, got nil)"],
      ['string.find("x", {})', "bad argument #2 to 'string.find' (string expected, got table)"],
      ['string.find("x", "[")', 'malformed pattern (missing \']\')'],
      ['string.find("abc", "(a")', 'unfinished capture'],
      ['string.gsub("x", "x", "%2")', 'invalid capture index %2'],
      ['string.gsub("x", "x")', "bad argument #3 to 'string.gsub' (string/function/table expected, got nil)"],
      ['string.gsub("x", "x", function() return {} end)', 'invalid replacement value (a table)'],
      ['string.gmatch(nil, "x")', "bad argument #1 to 'string.gmatch' (string expected, got nil)"],
      ['string.format("%d", "x")', "bad argument #2 to 'string.format' (number expected, got string)"],
      ['string.format("%d", 1.5)', "bad argument #2 to 'string.format' (number has no integer representation)"],
      ['string.format("%y", 1)', "invalid conversion '%y' to 'format'"],
      ['string.format("%d")', "bad argument #2 to 'string.format' (no value)"],
      ['string.format("%q", {})', "bad argument #2 to 'string.format' (value has no literal form)"],
      ['string.char(256)', "bad argument #1 to 'string.char' (value out of range)"],
      ['string.byte("x", {})', "bad argument #2 to 'string.byte' (number expected, got table)"],
      ['string.pack("i17", 1)', "integral size (17) out of limits [1,16]"],
      ['string.unpack("i4", "ab")', "bad argument #2 to 'string.unpack' (data string too short)"],
      ['table.insert(nil, 1)', "bad argument #1 to 'table.insert' (table expected, got nil)"],
      ['table.insert({}, 5, 1)', "bad argument #2 to 'table.insert' (position out of bounds)"],
      ['table.insert({}, 1, 2, 3)', "wrong number of arguments to 'table.insert'"],
      ['table.remove({}, 5)', "bad argument #2 to 'table.remove' (position out of bounds)"],
      ['table.concat({{}})', "invalid value (table) at index 1 in table for 'table.concat'"],
      ['table.concat(nil)', "bad argument #1 to 'table.concat' (table expected, got nil)"],
      ['table.unpack(nil)', "bad argument #1 to 'table.unpack' (table expected, got nil)"],
      ['table.sort({3, 1, 2}, 5)', "bad argument #2 to 'table.sort' (function expected, got integer)"],
      ['table.sort({3, 1, 2, 5, 4}, function() return true end)', "invalid order function for sorting"],
      ['table.move(nil, 1, 1, 1)', "bad argument #1 to 'table.move' (table expected, got nil)"],
      ['table.move({}, "x", 1, 1)', "bad argument #2 to 'table.move' (number expected, got string)"],
      ['utf8.char(-1)', "bad argument #1 to 'utf8.char' (value out of range)"],
      ['utf8.codepoint("\\xff")', 'invalid UTF-8 code'],
      ['utf8.len("abc", 5)', "bad argument #2 to 'utf8.len' (initial position out of bounds)"],
      ['utf8.offset("abc", 1, 10)', "bad argument #3 to 'utf8.offset' (position out of bounds)"],
      ['math.floor("x")', "bad argument #1 to 'math.floor' (number expected, got string)"],
      ['math.random(2, 1)', "bad argument #1 to 'math.random' (interval is empty)"],
      ['math.fmod(1, 0)', "bad argument #2 to 'math.fmod' (zero)"],
      ['math.max()', "bad argument #1 to 'math.max' (value expected)"],
      ['math.tointeger()', "bad argument #1 to 'math.tointeger' (value expected)"],
      ['load(42)', "bad argument #1 to 'load' (string or function expected, got integer)"],
      ['("x"):rep({})', "bad argument #2 to 'string.rep' (number expected, got table)"],
    ];
    for (const [call, message] of CASES) {
      it(call, () => {
        expect(luaError(`local a = 1\nlocal x = ${call}\nreturn x`)).toBe(`test.lua:2: ${message}`);
      });
    }

    it('and never name libs.lua in any error of the equivalence corpus', () => {
      const leaks = lua(`
        local leaks = {}
        local calls = {
          function() return string.rep() end, function() return string.find("a", "%") end,
          function() return table.sort({1, "x"}) end, function() return string.format("%s", setmetatable({}, { __tostring = function() return 1 end })) end,
          function() return utf8.codes("\\x80") end, function() return string.gsub("abc", "(", "") end,
          function() return table.unpack({}, 1, 1e7) end, function() return string.rep("x", -1, {}) end,
        }
        for i, f in ipairs(calls) do
          local ok, e = pcall(f)
          if not ok and tostring(e):find("libs.lua", 1, true) then leaks[#leaks + 1] = i .. ": " .. tostring(e) end
        end
        return leaks
      `);
      expect(leaks).toEqual({});
    });
  });

  describe('hold up against a stranger\'s mod', () => {
    it('charge a pattern by the width of a huge class (and keep the guard\'s own work small)', () => {
      const r = lua(`
        local class = "[" .. string.rep("a", 1e6) .. "]+b"
        reset_charge()
        local found = string.find("xyz", class)
        return { found = found == nil, charge = charged() }
      `) as { found: boolean; charge: number };
      expect(r.found).toBe(true);
      expect(r.charge).toBeGreaterThan(1e6 / 4);
    });

    it('let a sort comparator fail or try to yield without breaking the table', () => {
      const r = lua(`
        local t = {5, 3, 1, 4, 2}
        local out = {}
        out.yield = select(2, coroutine.resume(coroutine.create(function()
          table.sort(t, function(a, b) coroutine.yield() return a < b end)
        end)))
        out.error = select(2, pcall(table.sort, t, function(a, b) error("comparator says no") end))
        local n = 0
        for _, v in ipairs(t) do n = n + v end
        out.intact = n == 15 and #t == 5
        -- a comparator that sorts the same table again, and one that grows it
        out.nested = pcall(table.sort, t, function(a, b) table.sort(t) return a < b end)
        out.grow = pcall(table.sort, t, function(a, b) t[#t + 1] = 0 return a < b end)
        return out
      `) as Record<string, unknown>;
      expect(r.yield).toMatch(/attempt to yield across a C-call boundary/);
      expect(r.error).toMatch(/^test\.lua:\d+: comparator says no$/);
      expect(r.intact).toBe(true);
      expect(typeof r.nested).toBe('boolean');
      expect(typeof r.grow).toBe('boolean');
    });

    it('refuse to sort through a metatable hidden behind __metatable', () => {
      expect(luaError(`local t = setmetatable({3, 1, 2}, { __metatable = false, __index = function() return 0 end })
        table.sort(t)`)).toMatch(/^test\.lua:2: table\.sort: cannot sort a table with __index/);
    });

    it('handle NaN, huge and negative numbers as the real library does', () => {
      const mismatches = lua(`${COMPARE}
        local nan, huge = 0/0, math.huge
        return compare_calls({
          {"string.rep", "x", nan}, {"string.rep", "x", huge}, {"string.rep", "x", 2^63}, {"string.rep", "x", -2^63},
          {"string.sub", "abc", nan}, {"string.sub", "abc", -2^63, 2^53}, {"string.sub", "abc", math.mininteger, -1},
          {"string.byte", "abc", -2^63}, {"string.byte", "abc", 1, 2^62}, {"string.byte", "abc", -1, -3},
          {"string.char", nan}, {"string.format", "%d", nan}, {"string.format", "%f %g %a", nan, huge, -huge}, {"string.format", "%q", nan},
          {"string.find", "abc", "b", nan}, {"string.find", "abc", "b", -2^63}, {"string.find", "abc", "b", 2^62},
          {"table.unpack", {1, 2, 3}, -5, -1}, {"table.unpack", {1}, nan}, {"table.concat", {1, 2}, "", -1, 0},
          {"table.move", {1}, nan, 1, 1},
          {"utf8.char", nan}, {"utf8.char", huge}, {"utf8.codepoint", "abc", -2^63}, {"utf8.offset", "abc", -2^62},
          {"math.floor", nan}, {"math.ceil", -huge}, {"math.fmod", nan, 1}, {"math.fmod", 1, nan}, {"math.abs", -0.0},
          {"math.max", nan, 1}, {"math.min", 1, nan}, {"math.tointeger", 2^63}, {"math.ult", 1, nan}, {"math.random", 1, nan},
          {"math.random", math.maxinteger, math.maxinteger},
        })`);
      expect(mismatches).toEqual({});
      expect(luaError('local t = {} table.insert(t, 0/0, 1)')).toBe("test.lua:1: bad argument #2 to 'table.insert' (number has no integer representation)");
      expect(luaError('local t = {1} table.insert(t, -1, 1)')).toBe("test.lua:1: bad argument #2 to 'table.insert' (position out of bounds)");
      expect(luaError('local t = {1} table.remove(t, -1)')).toBe("test.lua:1: bad argument #2 to 'table.remove' (position out of bounds)");
    });

    it('survive __len tricks: floats, numeric strings, non-numbers, yields', () => {
      const r = lua(`
        local function with_len(v) return setmetatable({}, { __len = function() return v end }) end
        local out = {}
        out.float = pcall(table.insert, with_len(3.0), "x")
        out.string = pcall(table.insert, with_len("3"), "x")
        out.fraction = select(2, pcall(table.insert, with_len(3.5), "x"))
        out.nan = select(2, pcall(table.insert, with_len(0/0), "x"))
        out.none = select(2, pcall(table.remove, with_len(nil)))
        out.negative = pcall(table.remove, with_len(-5))
        local co = coroutine.wrap(function()
          local t = setmetatable({}, { __len = function() coroutine.yield("paused") return 0 end })
          table.insert(t, "v")
          return rawget(t, 1)
        end)
        out.paused = co()
        out.resumed = co()
        return out
      `) as Record<string, unknown>;
      expect(r.float).toBe(true);
      expect(r.string).toBe(true);
      expect(r.fraction).toMatch(/object length is not an integer/);
      expect(r.nan).toMatch(/object length is not an integer/);
      expect(r.none).toMatch(/object length is not an integer/);
      expect(r.negative).toBe(true);
      expect(r.paused).toBe('paused');
      expect(r.resumed).toBe('v');
    });

    it('charge select over a long vararg list and tonumber over a long string', () => {
      const r = lua(`
        local select, tonumber = SAFE.base.select, SAFE.base.tonumber
        local t = {}
        for i = 1, 10000 do t[i] = i end
        reset_charge()
        local x = select(2, table.unpack(t))
        local after_unpack = charged()
        local n = select("#", table.unpack(t))
        local digits = string.rep("1", 1e5)
        reset_charge()
        local v = tonumber(digits)
        return { x = x, n = n, after_unpack = after_unpack, tonumber_charge = charged(),
                 last = select(-1, 1, 2, 3), bad = select(2, pcall(select, 0, 1)),
                 base = select(2, pcall(tonumber, "10", 99)), ok = tonumber("ff", 16) }
      `) as Record<string, unknown>;
      expect(r.x).toBe(2);
      expect(r.n).toBe(10000);
      expect(r.after_unpack).toBeGreaterThanOrEqual(10000 + 9998);
      expect(r.tonumber_charge).toBe(Math.floor(1e5 / 16));
      expect(r.last).toBe(3);
      expect(r.bad).toMatch(/bad argument #1 to 'select' \(index out of range\)/);
      expect(r.base).toMatch(/bad argument #2 to 'tonumber' \(base out of range\)/);
      expect(r.ok).toBe(255);
    });

    it('keep its pattern and format caches from pinning big strings', () => {
      const r = lua(`
        local before = collectgarbage("count")
        for i = 1, 520 do
          local p = string.rep("a", 2e4) .. i
          string.format(p .. "%d", 1)
          if i <= 200 then string.match("x", p .. "$") end
        end
        collectgarbage() collectgarbage()
        return collectgarbage("count") - before
      `) as number;
      expect(r).toBeLessThan(2 * 1024); // KiB: pinned, they would hold 520 x 20 KB + 200 x 20 KB
    });

    it('charge gsub through a table whose __index returns a huge string', () => {
      const r = lua(`
        local big = string.rep("z", 1e5)
        local t = setmetatable({}, { __index = function() return big end })
        reset_charge()
        local s = string.gsub(string.rep("x", 200), "x", t)
        return { len = #s, charge = charged() }
      `) as { len: number; charge: number };
      expect(r.len).toBe(200 * 1e5);
      expect(r.charge).toBeGreaterThanOrEqual((200 * 1e5) / 16 - 200);
    });
  });

  describe('replace the string metatable\'s arithmetic', () => {
    it('with the same results and errors', () => {
      const mismatches = lua(`${COMPARE}
        local raw_mt, safe = debug_getmetatable(""), SAFE.string_meta
        local bad = {}
        local withadd = setmetatable({}, { __add = function(a, b) return "added" end })
        local cases = {
          {"__add", "10", 1}, {"__add", "10", "0x10"}, {"__sub", "1.5", "0.5"}, {"__mul", "3", "4"}, {"__div", "7", "2"},
          {"__mod", "7", "3"}, {"__mod", "7", 0}, {"__mod", "7.0", 0}, {"__idiv", "7", "2"}, {"__idiv", "7", "0"},
          {"__pow", "2", "10"}, {"__unm", "5", "5"}, {"__add", "x", 1}, {"__add", "1", "x"}, {"__add", "1", {}},
          {"__add", "1", withadd}, {"__add", " 10 ", 1}, {"__add", "10\\0", 1}, {"__sub", "1e308", "-1e308"},
        }
        for _, c in ipairs(cases) do
          local a = outcome(safe[c[1]], c[2], c[3])
          local b = outcome(raw_mt[c[1]], c[2], c[3])
          if a ~= b then bad[#bad + 1] = c[1] .. " " .. tostring(c[2]) .. ": safe " .. a .. " | raw " .. b end
        end
        return bad
      `);
      expect(mismatches).toEqual({});
    });

    it('charged by the length of the numerals', () => {
      expect(lua('local s = string.rep("1", 1e6) reset_charge() SAFE.string_meta.__add(s, 0) return charged()')).toBe(1e6 / 16);
      expect(lua('local s = string.rep("1", 1e6) reset_charge() math.floor(s) return charged()')).toBe(1e6 / 16);
    });
  });
});
