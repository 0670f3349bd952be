import { createRuntime, MapScriptLoader } from '../src/index';

/** A behaviour the determinism scenes spawn and destroy: moves randomly, dies after a random life. */
export const WALKER = `return {
  init = function(self, props)
    task.wait(props.life)
    print("walker done", self.id, time.frame(), self.x)
    self:destroy()
  end,
  update = function(self, dt) self.x = self.x + math.random() * dt end,
  on_event = function(self, name, n) if name == "ping" then print("walker heard", self.id, n) end end,
  final = function(self) print("final", self.id, time.frame()) end,
}`;


/** A scene exercising timers, intervals, waits, events, defers, random numbers and entities. */
export const DETERMINISM_SCENE = `
setInterval(function() print("tick", time.frame(), math.random(1, 1000)) end, 250)
setInterval(function() print("fast", time.frame()) end, 7)
for i = 1, 20 do setTimeout(function() print("timeout", i, time.frame()) end, i * 37) end
for i = 1, 5 do
  task.spawn(function()
    while true do
      local waited = task.wait(math.random() * 0.5)
      print("task", i, time.frame(), waited)
      if math.random() < 0.1 then return end
    end
  end)
end
events.on("ping", function(n)
  print("ping", n, time.frame())
  task.defer(function() print("deferred", n, time.frame()) end)
  if n % 3 == 0 then events.emit("lua-side", n) end
end)
events.on("lua-side", function(n) task.wait(0.1) print("lua-side", n, time.frame()) end)
setInterval(function() entities.spawn("walker", { x = math.random(0, 100), life = math.random() * 2 }) end, 300)
`;

/**
 * Runs the scene for `steps` steps (pinging every 97th step) and returns the trace digest
 * over trace records and prints. Runs the same in Node and in the browser.
 */
export async function determinismDigest(steps: number, seed: number): Promise<string> {
  const rt = await createRuntime({ seed, trace: true, scriptRoots: [new MapScriptLoader({ 'walker.lua': WALKER })] });
  const prints: string[] = [];
  rt.on('print', (t) => prints.push(t));
  rt.on('step', (frame) => frame % 97 === 0 && rt.emit('ping', frame));
  rt.runSource(DETERMINISM_SCENE, 'scene.lua');
  for (let i = 0; i < steps; i++) rt.step();
  const { digest, records } = rt.traceDigest();
  rt.close();
  return `${digest}:${records}:${prints.length}:${prints.join('|').length}`;
}
