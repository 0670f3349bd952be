-- A shield zone, placed in the Tiled map as a rectangle: the player is shielded while inside
-- it, and for `seconds` after leaving (a trigger area: on_enter / on_exit).
return {
  init = function(self, props)
    self.seconds = props.seconds or 1
    self.alpha = 0.25
    self.scale_x, self.scale_y = self.width / 64, self.height / 64 -- the shield sprite is 64 px
  end,

  on_enter = function(self, other)
    if other.name ~= "player" then return end
    self.alpha = 0.5
    other.shielded = true
  end,

  on_exit = function(self, other)
    if other.name ~= "player" then return end
    self.alpha = 0.25
    task.wait(self.seconds)
    if other:is_alive() then other.shielded = false end
  end,
}
