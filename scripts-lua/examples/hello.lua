-- An example scene for the headless runner: `npm run example` runs it for 180 steps (3 s at 60 Hz).
-- Timers, tasks and events, each printing the step it ran on.
local greet = require("greet")

print(greet.hello("moonstep"), "(step " .. time.frame() .. ")")

-- A timer in milliseconds, browser style.
setTimeout(function()
  print("100 ms later: step", time.frame())
end, 100)

-- An interval that never drifts: exactly every 500 ms.
local beats = 0
local heartbeat = setInterval(function()
  beats = beats + 1
  print("heartbeat", beats, "at", time.now(), "s")
end, 500)

-- A task: straight-line code that waits on game time.
task.spawn(function()
  print("countdown starts")
  for n = 3, 1, -1 do
    print(n)
    task.wait(0.25)
  end
  print("liftoff at step", time.frame())
  events.emit("liftoff", time.now())
end)

-- Events between scripts.
events.on("liftoff", function(at)
  print("heard liftoff at", at, "s; stopping the heartbeat in 1 s")
  task.wait(1)
  clearInterval(heartbeat)
  print("heartbeat stopped after", beats, "beats")
end)
