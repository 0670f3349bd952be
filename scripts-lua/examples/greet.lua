-- A module: required by hello.lua (modules load once and are shared).
local M = {}

--- Returns a greeting for `name`.
function M.hello(name)
  return ("hello, %s!"):format(name)
end

return M
