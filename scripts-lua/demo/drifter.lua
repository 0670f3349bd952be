-- A drifter for the stress scene: moves, spins and bounces off the arena's edges.
return {
  init = function(self, props)
    self.vx, self.vy, self.spin = props.vx, props.vy, props.spin
  end,
  update = function(self, dt)
    local x, y = self.x + self.vx * dt, self.y + self.vy * dt
    if x < 8 or x > 792 then self.vx = -self.vx end
    if y < 8 or y > 592 then self.vy = -self.vy end
    self.x, self.y = x, y
    self.rotation = self.rotation + self.spin * dt
  end,
}
