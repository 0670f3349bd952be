import { beforeAll, describe, expect, it } from 'vitest';
import { makeLibs, type LibsState } from './libsHarness';

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
          {"table.unpack", {1}, 1.5}, {"table.unpack", nil}, {"table.unpack", {1, 2, 3}, math.mininteger, math.maxinteger},
          {"table.pack", 1, nil, 3}, {"table.pack"},
          {"table.move", {1, 2, 3}, 2, 1, 1}, {"table.move", {1}, 1, 1, "1"},
          {"table.move", nil, 1, 1, 1}, {"table.move", {}, 1, math.maxinteger, 2}, {"table.move", {}, -1, math.maxinteger, 1}, {"table.move", {1}, 1, 1, math.maxinteger},
          {"utf8.char", 72, 228, 8364, 128512}, {"utf8.char"}, {"utf8.char", -1}, {"utf8.char", 0x7FFFFFFF}, {"utf8.char", "65"},
          {"utf8.len", "häll€"}, {"utf8.len", "\\xff"}, {"utf8.len", "abc", 2}, {"utf8.len", "abc", 5}, {"utf8.len", "abc", 1, 10}, {"utf8.len", 123},
          {"utf8.codepoint", "häll€", 1, -1}, {"utf8.codepoint", "abc", 0}, {"utf8.codepoint", "\\xff"}, {"utf8.codepoint", "abc", 2}, {"utf8.codepoint", "abc", 3, 1},
          {"utf8.offset", "häll€", 3}, {"utf8.offset", "häll€", -1}, {"utf8.offset", "häll€", 0, 3}, {"utf8.offset", "häll€", 1, 3}, {"utf8.offset", "abc", 1, 10},
          {"utf8.codes", "abc"}, {"utf8.codes", "\\x80"},
          {"math.floor", 3.7}, {"math.floor", -3.5}, {"math.floor", 3}, {"math.floor", "3.7"}, {"math.floor", "x"}, {"math.floor", nil}, {"math.floor", 0/0},
          {"math.ceil", 3.2}, {"math.abs", math.mininteger}, {"math.abs", -2.5}, {"math.sqrt", 2}, {"math.sin", 1}, {"math.cos", 1}, {"math.tan", 1},
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
});
