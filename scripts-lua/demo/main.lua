-- The demo's main script. The page sends "start" with the mode once it has loaded the
-- assets: the arcade game, or the stress scene (?stress=N in the URL).
-- These timers print the step they fire on; the browser tests read them.
print("demo main loaded", time.frame())
setTimeout(function() print("timeout 100ms", time.frame()) end, 100)
setTimeout(function() print("timeout 1000ms", time.frame()) end, 1000)
task.spawn(function()
  local waited = task.wait(0.5)
  print("waited", waited, time.frame())
end)

local options = events.wait("start")
if options.mode == "stress" then
  require("demo.stress").run(options.count)
else
  require("demo.director").run()
end
