-- The demo's main script. Timers print the step they fire on; the browser tests read it.
print("demo main loaded", time.frame())

setTimeout(function() print("timeout 100ms", time.frame()) end, 100)
setTimeout(function() print("timeout 1000ms", time.frame()) end, 1000)

task.spawn(function()
  local waited = task.wait(0.5)
  print("waited", waited, time.frame())
end)
