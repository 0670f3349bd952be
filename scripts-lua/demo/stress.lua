-- The stress scene: `count` drifters bouncing around the arena, each one a scripted entity.
local M = {}

function M.run(count)
  for _ = 1, count do
    entities.spawn("demo.drifter", {
      x = 20 + math.random() * 760, y = 20 + math.random() * 560, sprite = "drifter",
      vx = (math.random() - 0.5) * 240, vy = (math.random() - 0.5) * 240, spin = (math.random() - 0.5) * 6,
    })
  end
  events.emit("banner", count .. " scripted entities", 3)
end

return M
