// Model check of the timer queue: a script makes random timers, intervals and waits (from the
// main chunk and from callbacks), clears random ids (pending, fired, its own, junk) and waits
// inside callbacks. A small reference model in TypeScript, written from docs/scheduling.md,
// predicts every firing: its step and its place in the step's (due time, creation sequence)
// order, and what each clear returns.
import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

const HZ = 60;
const EPS = 1e-9;

const SCRIPT = `
local created, ids, tag = 0, {}, 0
local CAP = 1500
local DELAYS = { -5, 0, 1, 5, 16, 17, 33, 50, 100, 250, 1000, 2.5, 16.67, 500 }
local PERIODS = { 7, 16, 17, 50, 100, 0 }
local WAITS = { 0, 0.01, 0.05, 0.1, 0.5 }
local JUNK = { -4, 0.5, "x", 2^53 + 1, 0 }
local act

local function callback(id_box)
  return function()
    print("F", id_box[1], time.frame())
    act(true)
  end
end

function act(in_callback)
  for _ = 1, math.random(0, 3) do
    local r = math.random()
    if r < 0.45 and created < CAP then
      created = created + 1
      local box = {}
      if math.random() < 0.15 then
        local ms = PERIODS[math.random(#PERIODS)]
        box[1] = setInterval(callback(box), ms)
        print("C", box[1], "i", ms, time.frame())
      else
        local ms = DELAYS[math.random(#DELAYS)]
        box[1] = setTimeout(callback(box), ms)
        print("C", box[1], "t", ms, time.frame())
      end
      ids[#ids + 1] = box[1]
    elseif r < 0.8 and #ids > 0 then
      local id = ids[math.random(#ids)]
      local clear = math.random() < 0.5 and clearTimeout or clearInterval
      print("X", id, tostring(clear(id)), time.frame())
    elseif r < 0.85 then
      local junk = JUNK[math.random(#JUNK)]
      print("J", tostring(clearTimeout(junk)), time.frame())
    elseif r < 0.95 and in_callback then
      tag = tag + 1
      local my, s = tag, WAITS[math.random(#WAITS)]
      print("W", my, s, time.frame())
      task.wait(s)
      print("R", my, time.frame())
    end
  end
end

for _ = 1, 40 do act(false) end
`;

interface Entry { id: string; kind: 'timer' | 'interval' | 'wake'; due: number; seq: number; step: number; period: number; base: number; k: number }

/** Replays the script's log against the model; returns the number of firings checked and
 *  the numbers of timers and waits the model still holds. */
function check(lines: string[]) {
  const pending = new Map<string, Entry>();
  let seq = 0;
  let fired = 0;
  const stepFor = (due: number, frame: number) => Math.max(Math.ceil(due / 1000 - EPS), frame + 1);
  const next = (): Entry | undefined => {
    let best: Entry | undefined;
    for (const e of pending.values()) {
      if (!best || e.step < best.step || (e.step === best.step && (e.due < best.due || (e.due === best.due && e.seq < best.seq)))) best = e;
    }
    return best;
  };
  const expectNext = (key: string, frame: number, line: string) => {
    const e = next();
    expect(e ? `${e.id} in step ${e.step}` : 'nothing', line).toBe(`${key} in step ${frame}`);
    return e!;
  };
  for (const line of lines) {
    const [op, a, b, c, d] = line.split('\t');
    if (op === 'C') {
      const frame = Number(d);
      const ms = Number(c);
      const base = frame * 1000;
      if (b === 't') {
        const key = ms * HZ;
        const due = base + (key > 0 ? key : 0);
        pending.set(a!, { id: a!, kind: 'timer', due, seq: ++seq, step: stepFor(due, frame), period: 0, base, k: 0 });
      } else {
        const period = Math.max(0, ms * HZ);
        const due = base + period;
        pending.set(a!, { id: a!, kind: 'interval', due, seq: ++seq, step: stepFor(due, frame), period, base, k: 1 });
      }
    } else if (op === 'F') {
      const frame = Number(b);
      const e = expectNext(a!, frame, line);
      fired++;
      if (e.kind === 'interval') {
        let k = e.k + 1;
        if (e.period > 0) k = Math.max(k, Math.floor((frame * 1000 - e.base) / e.period + EPS) + 1);
        e.k = k;
        e.due = e.base + k * e.period;
        e.step = stepFor(e.due, frame);
      } else {
        pending.delete(a!);
      }
    } else if (op === 'X') {
      const e = pending.get(a!);
      expect(b, `${line}: clear result`).toBe(String(e !== undefined && e.kind !== 'wake'));
      if (e) pending.delete(a!);
    } else if (op === 'J') {
      expect(a, `${line}: junk id`).toBe('false');
    } else if (op === 'W') {
      const frame = Number(c);
      const seconds = Number(b);
      const due = frame * 1000 + (seconds > 0 ? seconds * 1000 * HZ : 0);
      pending.set(`w${a}`, { id: `w${a}`, kind: 'wake', due, seq: ++seq, step: stepFor(due, frame), period: 0, base: 0, k: 0 });
    } else if (op === 'R') {
      expectNext(`w${a}`, Number(b), line);
      pending.delete(`w${a}`);
    } else if (op === 'END') {
      const frame = Number(a);
      const late = [...pending.values()].filter((e) => e.step <= frame).map((e) => e.id);
      expect(late, `after step ${frame}`).toEqual([]);
    } else {
      throw new Error(`unexpected line ${line}`);
    }
  }
  const left = [...pending.values()];
  return { fired, timers: left.filter((e) => e.kind !== 'wake').length, waits: left.filter((e) => e.kind === 'wake').length };
}

describe('Timer queue against a reference model', () => {
  for (const seed of [1, 7, 42]) {
    it(`fires in the documented order, with the documented clear results (seed ${seed})`, async () => {
      const { rt, run, prints, errors } = await start({ seed, hz: HZ });
      const before = rt.stats().liveSlots;
      run(SCRIPT, 'model.lua');
      for (let i = 0; i < 400; i++) {
        rt.step();
        prints.push(`END\t${rt.stats().frame}`);
      }
      expect(errors).toEqual([]);
      const model = check(prints);
      expect(model.fired).toBeGreaterThan(1000);
      const stats = rt.stats();
      expect([stats.pendingTimers, stats.waitingTasks]).toEqual([model.timers, model.waits]);
      // Everything that fired or was cleared gave its slot back.
      expect(stats.liveSlots).toBe(before + model.timers + model.waits);
    });
  }
});
