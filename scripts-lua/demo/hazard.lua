-- Shared by everything hostile: touching the player costs them a life (unless they are
-- shielded or still blinking from the last hit), and uses the hazard up.
local M = {}

--- If `self` is within reach of the player, emits "player_hit", destroys `self` and returns true.
function M.hit_player(self, reach_x, reach_y)
  local player = entities.find("player")
  if player and player.invulnerable <= 0 and not player.shielded
      and math.abs(player.x - self.x) < reach_x and math.abs(player.y - self.y) < reach_y then
    events.emit("player_hit")
    self:destroy()
    return true
  end
  return false
end

return M
