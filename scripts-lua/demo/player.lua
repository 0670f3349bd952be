-- The player's ship: left/right (arrows or A/D) move it, fire (Space) shoots while held.
local SPEED, WIDTH, FIRE_EVERY = 320, 800, 0.15

return {
  init = function(self, props)
    self.cooldown = 0
    self.invulnerable = 0
    self.shielded = false -- set by the shield zone (a trigger area in the map)
  end,

  update = function(self, dt)
    local dx = 0
    if input.down("left") then dx = dx - 1 end
    if input.down("right") then dx = dx + 1 end
    self.x = math.max(20, math.min(WIDTH - 20, self.x + dx * SPEED * dt))

    self.cooldown = self.cooldown - dt
    if input.down("fire") and self.cooldown <= 0 then
      self.cooldown = FIRE_EVERY
      entities.spawn("demo.bullet", { x = self.x, y = self.y - 20, sprite = "bullet", tags = { "bullet" } })
    end

    self.tint = self.shielded and 0x9fd8ff or 0xffffff
    if self.invulnerable > 0 then
      self.invulnerable = self.invulnerable - dt
      self.alpha = (self.invulnerable > 0 and time.frame() // 4 % 2 == 0) and 0.3 or 1
    end
  end,

  on_event = function(self, name)
    if name == "player_hit" then self.invulnerable = 1.5 end
  end,
}
