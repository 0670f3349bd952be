-- A spark from an explosion: flies out and fades over a third of a second.
return {
  init = function(self, props)
    for i = 1, 20 do
      local dt = task.wait()
      self.x = self.x + props.vx * dt
      self.y = self.y + props.vy * dt
      self.alpha = 1 - i / 20
    end
    self:destroy()
  end,
}
