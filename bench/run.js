#!/usr/bin/env node
// moonstep benchmarks: `npm run bench` (table) or `npm run bench -- --json` (one JSON object
// on the last line: {"<bench name>": {"ratio": x, ...}}). Every figure is a ratio measured
// side by side in this process against a baseline in the same Lua VM, so machine speed and
// load cancel out. Each benchmark file bench/*.bench.js exports a default async function
// (api) => [{ name, ratio, target?, ...figures }].
import { readdirSync } from 'node:fs';
import { createRuntime, MapScriptLoader } from '../dist/node/index.js';

const json = process.argv.includes('--json');

/** Median of `repeat` timings of fn() (after `warmup` untimed runs), in milliseconds. */
async function measure(fn, { repeat = 7, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const api = { createRuntime, MapScriptLoader, measure };
const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.bench.js')).sort();
const results = {};
for (const file of files) {
  const mod = await import(new URL(file, import.meta.url).href);
  for (const row of await mod.default(api)) {
    const { name, ...rest } = row;
    results[name] = rest;
    if (!json) {
      const target = rest.target !== undefined ? `target ≤ ${rest.target}  ${rest.ratio <= rest.target ? 'met' : 'MISSED'}` : '';
      const extra = Object.entries(rest)
        .filter(([k]) => !['ratio', 'target', 'note'].includes(k))
        .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(1) : v}`)
        .join(' ');
      console.log(`${name.padEnd(26)} ratio ${rest.ratio.toFixed(2).padStart(6)}  ${target.padEnd(22)} ${extra}`);
      if (rest.note) console.log(`${''.padEnd(26)} ${rest.note}`);
    }
  }
}
if (json) console.log(JSON.stringify(results));
