import { describe, expect, it } from 'vitest';
import { makeLibs } from './libsHarness';

// Micro-benchmark of the safe libraries' common paths against the real C functions, in the
// same Lua state. Not part of the normal suite: MOONSTEP_BENCH=1 npx vitest run test/unit/libs.bench.test.ts
const N = 300_000;
const CASES: Array<[string, string]> = [
  ['("x"):upper()', 'local s = "x" for i = 1, N do local r = s:upper() end'],
  ['string.format("%d", 1)', 'local format = string.format for i = 1, N do local r = format("%d", 1) end'],
  ['table.insert(t, 1)', 'local insert = table.insert local t = {} for i = 1, N do insert(t, 1) end'],
  ['string.find(s, "b", 1, true)', 'local find, s = string.find, "aaaaaaab" for i = 1, N do local r = find(s, "b", 1, true) end'],
  ['string.find(s, "%d+")', 'local find, s = string.find, "abc 123" for i = 1, N do local r = find(s, "%d+") end'],
  ['string.sub(s, 2, 4)', 'local sub, s = string.sub, "abcdef" for i = 1, N do local r = sub(s, 2, 4) end'],
  ['string.byte(s, 2)', 'local byte, s = string.byte, "abcdef" for i = 1, N do local r = byte(s, 2) end'],
  ['math.floor(x)', 'local floor = math.floor for i = 1, N do local r = floor(i + 0.5) end'],
  ['math.max(a, b)', 'local max = math.max for i = 1, N do local r = max(i, 5) end'],
  ['table.concat(t3)', 'local concat, t = table.concat, {"a", "b", "c"} for i = 1, N do local r = concat(t) end'],
];

describe.skipIf(!process.env.MOONSTEP_BENCH)('libs.lua micro-benchmark', () => {
  it('reports ns per call, real library vs safe', async () => {
    const libs = await makeLibs();
    const once = (source: string): number => {
      const t = performance.now();
      const out = libs.run(source);
      if (!out.ok) throw new Error(out.error);
      return performance.now() - t;
    };
    // Interleaved runs, fastest of each: the machine is shared and noisy.
    const pair = (a: string, b: string): [number, number] => {
      let ta = Infinity;
      let tb = Infinity;
      for (let r = 0; r < 9; r++) {
        ta = Math.min(ta, once(a));
        tb = Math.min(tb, once(b));
      }
      return [ta, tb];
    };
    const [empty] = pair(`local N = ${N} for i = 1, N do local r = i end`, 'return 0');
    const rows: string[] = [];
    for (const [name, body] of CASES) {
      const [raw, safe] = pair(`local string, table, math = RAW.string, RAW.table, RAW.math
        debug.getmetatable("").__index = RAW.string
        local N = ${N} ${body}
        debug.getmetatable("").__index = SAFE.string`, `local N = ${N} ${body}`);
      const ns = (ms: number) => ((ms - empty) * 1e6) / N;
      rows.push(`${name.padEnd(32)} real ${ns(raw).toFixed(0).padStart(5)} ns   safe ${ns(safe).toFixed(0).padStart(5)} ns`);
    }
    console.log(rows.join('\n'));
    expect(rows).toHaveLength(CASES.length);
  }, 120_000);
});
