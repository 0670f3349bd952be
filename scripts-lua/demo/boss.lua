-- The boss: an entrance cutscene, then attack phases in a loop until its hp runs out. The
-- whole fight is one coroutine in init; destroying the boss ends it.
local WIDTH = 800

local function ring(self, count, speed, offset)
  for i = 1, count do
    local a = i / count * math.pi * 2 + offset
    entities.spawn("demo.enemy_bullet", { x = self.x, y = self.y, sprite = "enemy_bullet", tags = { "hostile" },
      vx = math.cos(a) * speed, vy = math.sin(a) * speed })
  end
end

return {
  init = function(self, props)
    self.hp, self.max_hp, self.radius, self.entering = props.hp, props.hp, 44, true
    while self.y < 140 do self.y = self.y + 70 * task.wait() end -- glide in
    self.entering = false
    events.emit("boss_hp", self.hp, self.max_hp)
    local phase = 0
    while true do
      phase = phase + 1
      for r = 1, 3 do
        ring(self, 10 + phase * 2, 150, r * 0.25)
        task.wait(0.8)
      end
      local target = 120 + math.random() * (WIDTH - 240)
      local aimed = setInterval(function()
        local player = entities.find("player")
        if player then
          local dx, dy = player.x - self.x, player.y - self.y
          local len = math.sqrt(dx * dx + dy * dy)
          entities.spawn("demo.enemy_bullet", { x = self.x, y = self.y + 30, sprite = "enemy_bullet",
            tags = { "hostile" }, vx = dx / len * 260, vy = dy / len * 260 })
        end
      end, 350)
      while math.abs(self.x - target) > 2 do
        local dt = task.wait()
        self.x = self.x + math.max(-180 * dt, math.min(180 * dt, target - self.x))
      end
      clearInterval(aimed)
      task.wait(0.6)
    end
  end,

  update = function(self, dt)
    self.rotation = self.rotation + dt * 0.6
  end,

  on_event = function(self, name, damage)
    if name ~= "hit" or self.entering then return end
    self.hp = self.hp - damage
    self.tint = 0xffb0b0
    setTimeout(function() self.tint = 0xffffff end, 60)
    events.emit("boss_hp", math.max(0, self.hp), self.max_hp)
    if self.hp <= 0 then
      for _, shot in ipairs(entities.all("hostile")) do shot:destroy() end
      events.emit("boss_defeated")
      self:destroy()
    end
  end,
}
