-- The player's shot: flies up and hits the first enemy it touches.
local SPEED = 640

return {
  update = function(self, dt)
    self.y = self.y - SPEED * dt
    if self.y < -20 then
      self:destroy()
      return
    end
    for _, enemy in ipairs(entities.all("enemy")) do
      local r = enemy.radius or 14
      if math.abs(enemy.x - self.x) < r and math.abs(enemy.y - self.y) < r + 6 then
        enemy:send("hit", 1)
        self:destroy()
        return
      end
    end
  end,
}
