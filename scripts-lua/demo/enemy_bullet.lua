-- A hostile shot: flies straight; hitting the player costs a life.
local hazard = require("demo.hazard")

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
    hazard.hit_player(self, 14, 16)
  end,
}
