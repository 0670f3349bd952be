---@meta moonstep
-- Editor annotations for moonstep's Lua API (LuaLS / EmmyLua). Not loaded at run time.
-- Point your editor at this folder (see scripts-lua/.luarc.json).

-- Timers (browser convention, milliseconds) -------------------------------------------------

---Calls `fn(...)` once, in the first step at least `ms` milliseconds of game time from now.
---`nil`, 0 or a negative delay means the next step. Returns the timer's id.
---@param fn function
---@param ms? number
---@param ... any arguments passed to `fn`
---@return integer id
function setTimeout(fn, ms, ...) end

---Calls `fn(...)` at start + k·ms for k = 1, 2, … exactly (no drift), at most once per step.
---@param fn function
---@param ms? number
---@param ... any arguments passed to `fn`
---@return integer id
function setInterval(fn, ms, ...) end

---Cancels a timer or interval of the calling script. Nil, unknown and foreign ids are ignored.
---@param id integer?
---@return boolean cancelled
function clearTimeout(id) end

---Same as `clearTimeout`.
---@param id integer?
---@return boolean cancelled
function clearInterval(id) end

-- time -----------------------------------------------------------------------------------------

---Game time.
time = {}

---Game seconds at the start of the current step (0 before the first step).
---@return number seconds
function time.now() end

---Steps run so far (0 while the main chunk first runs).
---@return integer
function time.frame() end

---The fixed step length in seconds (1/hz).
---@return number seconds
function time.dt() end

---`os` holds only game-time clocks in moonstep.
os = {}

---Game seconds (same as `time.now()`).
---@return number
function os.clock() end

---Whole game seconds.
---@return integer
function os.time() end

-- task -----------------------------------------------------------------------------------------

---A task: a coroutine run by the scheduler.
---@class Task
---@field status "running"|"suspended"|"dead"|"cancelled"|"errored"
---@field id integer

---Coroutine tasks on game time (seconds), with Roblox's names.
task = {}

---Runs `fn(...)` (or resumes a coroutine) now, until its first wait.
---@param fn function|thread
---@param ... any
---@return Task
function task.spawn(fn, ...) end

---Runs `fn(...)` in the deferred phase of this step (first in, first out).
---@param fn function|thread
---@param ... any
---@return Task
function task.defer(fn, ...) end

---Starts `fn(...)` after `seconds` of game time.
---@param seconds number?
---@param fn function|thread
---@param ... any
---@return Task
function task.delay(seconds, fn, ...) end

---Suspends the current task for `seconds` (default: until the next step).
---@param seconds? number
---@return number waited game seconds actually waited
function task.wait(seconds) end

---Suspends the current task for `n` steps (at least one).
---@param n? integer
---@return number waited game seconds actually waited
function task.wait_frames(n) end

---Checks `predicate()` now and then once per step until it holds or the timeout passes.
---@param predicate fun(): boolean
---@param timeout_seconds? number
---@return boolean ok false if the timeout passed first
function task.wait_until(predicate, timeout_seconds) end

---Cancels a task; true if it was still live. A running task stops at its next wait.
---@param task Task|thread
---@return boolean cancelled
function task.cancel(task) end

---Waits until a task finishes and returns its results (raises its error if it failed).
---@param task Task
---@return any ...
function task.await(task) end

-- events ---------------------------------------------------------------------------------------

---A subscription made with `events.on` or `events.once`.
---@class Connection
---@field connected boolean
local Connection = {}

---Unsubscribes. Returns true the first time.
---@return boolean
function Connection:disconnect() end

---Named events between scripts, and between scripts and the host.
events = {}

---Calls `fn(...)` on every emit of `name`, each call in its own task.
---@param name string
---@param fn fun(...: any)
---@return Connection
function events.on(name, fn) end

---Like `events.on`, for the first emit only.
---@param name string
---@param fn fun(...: any)
---@return Connection
function events.once(name, fn) end

---Runs the handlers of `name` now; the host hears it (as `lua:<name>`) after the step.
---@param name string
---@param ... any
function events.emit(name, ...) end

---Suspends the current task until `name` is emitted; returns its values, or nothing on timeout.
---@param name string
---@param timeout_seconds? number
---@return any ...
function events.wait(name, timeout_seconds) end
