// Entity benchmarks (issue 4): 10,000 entities whose update moves them, against a plain Lua
// loop calling the same update function on the same `self` tables in the same VM; and the
// cost of moving their changed view state to the host (Lua pack + one transfer + JS decode).
const MOVE = `return function(self, dt)
  self.x = self.x + self.vx * dt
  self.y = self.y + self.vy * dt
end`;
const MOVER = `local move = require("benchmove")
return {
  init = function(self, props) self.vx, self.vy = props.vx, props.vy end,
  update = move,
}`;

export default async function ({ createRuntime, MapScriptLoader, measure }) {
  const rows = [];
  const n = 10000;
  const steps = 20;
  const rt = await createRuntime({
    instructionBudget: Infinity,
    memoryLimitBytes: 1 << 30,
    scriptRoots: [new MapScriptLoader({ 'benchmove.lua': MOVE, 'mover.lua': MOVER })],
  });
  rt.on('error', (e) => console.error('bench script error:', e.message));
  rt.runSource(`for i = 1, ${n} do entities.spawn("mover", { x = i, y = 0, vx = 1 + i % 7, vy = 2 }) end`, 'spawn.lua');
  rt.step();

  // entity.update: steps with 10k updates, vs a plain loop of the same calls. The two are
  // timed alternately, 11 times, and the median of the pairwise ratios is reported (robust
  // against drift in machine speed during the run).
  const emptyRt = await createRuntime({ instructionBudget: Infinity });
  const time = (fn) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  const runSteps = () => { for (let i = 0; i < steps; i++) rt.step(); };
  const runEmpty = () => { for (let i = 0; i < steps; i++) emptyRt.step(); };
  const runPlain = () => rt.runSource(
    `local move, list, dt = require("benchmove"), entities.all(), 1 / 60
     for s = 1, ${steps} do for i = 1, #list do move(list[i], dt) end end`, 'plain.lua');
  const pairs = [];
  for (let r = 0; r < 13; r++) {
    const stepMs = time(runSteps) - time(runEmpty);
    const plainMs = time(runPlain);
    if (r >= 2) pairs.push({ stepMs, plainMs, ratio: stepMs / plainMs });
  }
  emptyRt.close();
  pairs.sort((a, b) => a.ratio - b.ratio);
  const mid = pairs[Math.floor(pairs.length / 2)];
  const updateNs = (mid.stepMs * 1e6) / (steps * n);
  const plainNs = (mid.plainMs * 1e6) / (steps * n);
  const stepMs = await measure(runSteps);
  rows.push({ name: 'entity.update', ratio: mid.ratio, target: 2, ns_per_update: updateNs, ns_per_plain_call: plainNs,
    note: 'update moves x and y (two validated view writes); baseline calls the same function on the same self tables' });

  // entity.sync: the same steps with view sync on, each followed by syncViews() (as the pixi
  // view does every frame): extra cost per changed entity, vs one plain update call.
  rt.enableViewSync();
  rt.syncViews();
  const syncMs = await measure(() => {
    for (let i = 0; i < steps; i++) {
      rt.step();
      rt.syncViews();
    }
  });
  const syncNs = ((syncMs - stepMs) * 1e6) / (steps * n);
  rows.push({ name: 'entity.sync', ratio: syncNs / plainNs, ns_per_changed_entity: syncNs, bytes_per_moved_record: 29,
    note: 'ratio = sync cost per moved entity in plain update calls (x, y, rotation: a 29-byte record; 70 when other fields change); one transfer per frame' });

  // entity.memory: bytes of Lua memory per live entity (record, self, view, owner).
  rt.collectGarbage();
  const before = rt.stats().luaMemoryBytes;
  rt.runSource(`for i = 1, ${n} do entities.spawn("mover", { vx = 1, vy = 1 }) end`, 'more.lua');
  rt.collectGarbage();
  const perEntity = (rt.stats().luaMemoryBytes - before) / n;
  rows.push({ name: 'entity.memory', ratio: perEntity / 1024, bytes_per_entity: perEntity, note: 'ratio = KiB per live entity' });
  rt.close();
  return rows;
}
