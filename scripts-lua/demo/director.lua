-- The game's director: waves of enemies on timers, a boss with an entrance cutscene, score,
-- lives and game over, all through events. The page draws the HUD from the events it hears
-- ("hud", "banner", "boss_hp").
local M = {}

local WIDTH = 800
local state = { score = 0, lives = 3, wave = 0, over = false }
local PATTERNS = { "zigzag", "dive", "sweep" }

local function hud()
  events.emit("hud", state.score, state.lives, state.wave)
end

local function banner(text, seconds)
  events.emit("banner", text, seconds)
end

local function spawn_wave(wave)
  for i = 1, 6 + wave * 3 do
    entities.spawn("demo.enemy", {
      x = 60 + math.random() * (WIDTH - 120), y = -20, sprite = "enemy", tags = { "enemy" },
      pattern = PATTERNS[(i + wave) % #PATTERNS + 1], speed = 50 + wave * 12, hp = 1 + wave // 3,
    })
    task.wait(0.4)
  end
end

local function play()
  local round = 0
  while true do
    round = round + 1
    for _ = 1, 3 do
      state.wave = state.wave + 1
      hud()
      banner("WAVE " .. state.wave, 1.5)
      task.wait(1.5)
      spawn_wave(state.wave)
      task.wait_until(function() return #entities.all("enemy") == 0 end)
    end
    banner("WARNING: BOSS APPROACHING", 2.5)
    task.wait(2.5)
    entities.spawn("demo.boss", { x = WIDTH / 2, y = -60, sprite = "boss", tags = { "enemy", "boss" }, hp = 30 * round, z = 1 })
    events.wait("boss_defeated")
    state.score = state.score + 500
    hud()
    banner("BOSS DEFEATED", 2)
    task.wait(2)
  end
end

--- Loads the station map (player, shield zone and starfield) and runs the game, restarting after game over.
function M.run()
  level.load("station")
  local game

  local function start()
    state.score, state.lives, state.wave, state.over = 0, 3, 0, false
    hud()
    game = task.spawn(play)
  end

  events.on("enemy_killed", function(points)
    state.score = state.score + points
    hud()
  end)

  events.on("player_hit", function()
    if state.over then return end
    state.lives = state.lives - 1
    hud()
    if state.lives > 0 then return end
    state.over = true
    task.cancel(game)
    banner("GAME OVER - score " .. state.score, 3)
    for _, tag in ipairs({ "enemy", "hostile" }) do
      for _, e in ipairs(entities.all(tag)) do e:destroy() end
    end
    task.wait(3)
    start()
  end)

  start()
end

return M
