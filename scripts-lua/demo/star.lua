-- A background star: scrolls down at its own speed and wraps around.
return {
  init = function(self, props)
    self.speed = props.speed or 40
  end,
  update = function(self, dt)
    local y = self.y + self.speed * dt
    if y > 604 then y = -4 end
    self.y = y
  end,
}
