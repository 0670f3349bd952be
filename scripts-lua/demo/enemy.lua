-- An enemy. Its flight pattern is straight-line code with task.wait in init: the scheduler
-- resumes it every step, and destroying the enemy ends it.
local hazard = require("demo.hazard")
local WIDTH, HEIGHT = 800, 600

local patterns = {}

function patterns.zigzag(self)
  local dir = self.x < WIDTH / 2 and 1 or -1
  while true do
    local t = 0
    while t < 0.9 do
      local dt = task.wait()
      t = t + dt
      self.x = math.max(20, math.min(WIDTH - 20, self.x + dir * self.speed * 1.5 * dt))
      self.y = self.y + self.speed * 0.6 * dt
    end
    dir = -dir
  end
end

function patterns.dive(self)
  while self.y < 120 do self.y = self.y + self.speed * task.wait() end
  task.wait(0.5) -- take aim
  local player = entities.find("player")
  local tx, ty = player and player.x or self.x, HEIGHT
  local dx, dy = tx - self.x, ty - self.y
  local len = math.sqrt(dx * dx + dy * dy)
  while true do
    local dt = task.wait()
    self.x = self.x + dx / len * self.speed * 3 * dt
    self.y = self.y + dy / len * self.speed * 3 * dt
  end
end

function patterns.sweep(self)
  local x0, t = math.max(140, math.min(WIDTH - 140, self.x)), 0
  setInterval(function()
    local player = entities.find("player")
    if not player or self.y < 0 then return end
    local dx, dy = player.x - self.x, player.y - self.y
    local len = math.sqrt(dx * dx + dy * dy)
    entities.spawn("demo.enemy_bullet", { x = self.x, y = self.y + 10, sprite = "enemy_bullet", tags = { "hostile" },
      vx = dx / len * 200, vy = dy / len * 200 })
  end, 1600)
  while true do
    local dt = task.wait()
    t = t + dt
    self.x = x0 + math.sin(t * 2) * 120
    self.y = self.y + self.speed * 0.5 * dt
  end
end

return {
  init = function(self, props)
    self.hp, self.speed, self.radius = props.hp or 1, props.speed or 60, 14
    patterns[props.pattern or "zigzag"](self)
  end,

  update = function(self, dt)
    if self.y > HEIGHT + 40 then
      self:destroy()
      return
    end
    hazard.hit_player(self, 22, 22)
  end,

  on_event = function(self, name, damage)
    if name ~= "hit" then return end
    self.hp = self.hp - damage
    self.tint = 0xff9090
    setTimeout(function() self.tint = 0xffffff end, 80)
    if self.hp <= 0 then
      events.emit("enemy_killed", 10)
      for i = 1, 5 do
        local a = i / 5 * math.pi * 2
        entities.spawn("demo.spark", { x = self.x, y = self.y, sprite = "spark", vx = math.cos(a) * 90, vy = math.sin(a) * 90 })
      end
      self:destroy()
    end
  end,
}
