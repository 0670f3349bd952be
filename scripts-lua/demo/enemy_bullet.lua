-- A hostile shot: flies straight; hitting the player costs a life.
return {
  init = function(self, props)
    self.vx, self.vy = props.vx, props.vy
  end,

  update = function(self, dt)
    self.x = self.x + self.vx * dt
    self.y = self.y + self.vy * dt
    if self.x < -20 or self.x > 820 or self.y < -20 or self.y > 620 then
      self:destroy()
      return
    end
    local player = entities.find("player")
    if player and player.invulnerable <= 0 and not player.shielded and math.abs(player.x - self.x) < 14 and math.abs(player.y - self.y) < 16 then
      events.emit("player_hit")
      self:destroy()
    end
  end,
}
