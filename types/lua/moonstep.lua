---@meta moonstep
-- Editor annotations for moonstep's Lua API (LuaLS / EmmyLua). Not loaded at run time.
-- Point your editor at this folder (see scripts-lua/.luarc.json).

-- Units: the browser-named globals (setTimeout, setInterval) take MILLISECONDS; everything
-- else (timers.*, task.*, events.wait, time.*) takes and returns SECONDS. Parameter names
-- carry the unit (`delay_ms`, `seconds`), so an editor shows it on hover.

-- Timers (browser convention, milliseconds) -------------------------------------------------

---Calls `fn(...)` once, in the first step at least `delay_ms` MILLISECONDS of game time from now.
---`nil`, 0 or a negative delay means the next step. Returns the timer's id.
---(In seconds: `timers.after(seconds, fn)`.)
---@param fn function
---@param delay_ms? number milliseconds (not seconds)
---@param ... any arguments passed to `fn`
---@return integer id
function setTimeout(fn, delay_ms, ...) end

---Calls `fn(...)` at start + k·interval_ms for k = 1, 2, … exactly (no drift), at most once per
---step. (In seconds: `timers.every(seconds, fn)`.)
---@param fn function
---@param interval_ms? number milliseconds (not seconds)
---@param ... any arguments passed to `fn`
---@return integer id
function setInterval(fn, interval_ms, ...) end

---Cancels a timer or interval of the calling script. Nil, unknown and foreign ids are ignored.
---@param id integer?
---@return boolean cancelled
function clearTimeout(id) end

---Same as `clearTimeout`.
---@param id integer?
---@return boolean cancelled
function clearInterval(id) end

-- timers (seconds) ---------------------------------------------------------------------------

---The same timers as setTimeout / setInterval, in seconds. Ids are shared: `timers.cancel`,
---`clearTimeout` and `clearInterval` cancel either kind.
timers = {}

---Calls `fn(...)` once, in the first step at least `seconds` of game time from now (0 or
---negative: the next step). Returns the timer's id.
---@param seconds number seconds (not milliseconds)
---@param fn function
---@param ... any arguments passed to `fn`
---@return integer id
function timers.after(seconds, fn, ...) end

---Calls `fn(...)` at start + k·seconds for k = 1, 2, … exactly (no drift), at most once per step
---(0 or negative: every step). Returns the timer's id.
---@param seconds number seconds (not milliseconds)
---@param fn function
---@param ... any arguments passed to `fn`
---@return integer id
function timers.every(seconds, fn, ...) end

---Cancels a timer of the calling script (either family); true if it was pending.
---@param id integer?
---@return boolean cancelled
function timers.cancel(id) end

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

---Starts `fn(...)` after `seconds` of game time (nil, 0 or negative: the next step).
---@param seconds number? seconds
---@param fn function|thread
---@param ... any
---@return Task
function task.delay(seconds, fn, ...) end

---Suspends the current task for `seconds` (default: until the next step).
---@param seconds? number seconds
---@return number waited game seconds actually waited
function task.wait(seconds) end

---Suspends the current task for `steps` steps (rounded up, at least one).
---@param steps? integer steps (not seconds)
---@return number waited game seconds actually waited
function task.wait_frames(steps) end

---Checks `predicate()` now and then once per step until it holds or the timeout passes.
---@param predicate fun(): boolean
---@param timeout_seconds? number seconds
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
---@param timeout_seconds? number seconds
---@return any ...
function events.wait(name, timeout_seconds) end

-- entities -------------------------------------------------------------------------------------

---A live entity: the `self` its behaviour's hooks receive, and the handle other scripts hold.
---Besides these fields, a script may store anything in it. After `destroy()` the reference
---is stale: only `id`, `name`, `script`, `is_alive()`, `is_enabled()` and `destroy()` still answer.
---@class Entity
---@field id integer read-only
---@field name string|nil read-only (from `props.name`)
---@field script string read-only behaviour script name
---@field x number position (finite)
---@field y number position (finite)
---@field rotation number radians
---@field scale_x number
---@field scale_y number
---@field alpha number 0 to 1
---@field z number draw order (higher draws on top)
---@field visible boolean
---@field tint integer colour 0x000000 to 0xFFFFFF
---@field sprite string|nil asset name from the host's manifest
---@field width number|nil size, when the level (or `props.width`) gives one: a trigger area's
---@field height number|nil
local Entity = {}

---Destroys the entity: cancels everything it scheduled, runs `final(self)`. False if it already was.
---@return boolean
function Entity:destroy() end

---True until the entity is destroyed (a disabled entity is still alive: see `is_enabled`).
---@return boolean
function Entity:is_alive() end

---False once destroyed, or disabled: an entity whose callback ran past the instruction budget
---stays alive (and counted by `entities.count()`) but gets no more callbacks.
---@return boolean
function Entity:is_enabled() end

---@param tag string
---@return boolean
function Entity:has_tag(tag) end

---Runs the entity's `on_event(self, name, ...)` now, in a task.
---@param name string
---@param ... any
function Entity:send(name, ...) end

---What a behaviour script returns: every hook is optional.
---@class Behaviour
---@field init? fun(self: Entity, props: table) runs in the step the entity spawns (may wait)
---@field update? fun(self: Entity, dt: number) once per step from the next step, in creation order
---@field final? fun(self: Entity) once, when the entity is destroyed (must not wait)
---@field on_event? fun(self: Entity, name: string, ...: any) every event (`events.emit`, the host, `entity:send`)
---@field on_reload? fun(self: Entity) after a hot reload (else `init` runs again)
---@field on_enter? fun(self: Entity, other: Entity) makes it a trigger area: `other` came inside its width × height
---@field on_exit? fun(self: Entity, other: Entity) `other` left the trigger area

---Props accepted by `entities.spawn`: these fields, plus anything the behaviour reads.
---@class SpawnProps
---@field name? string
---@field tags? string[]
---@field x? number
---@field y? number
---@field rotation? number
---@field scale_x? number
---@field scale_y? number
---@field alpha? number
---@field z? number
---@field visible? boolean
---@field tint? integer
---@field sprite? string
---@field width? number
---@field height? number

---Entities with Lua behaviours.
entities = {}

---Spawns an entity running behaviour `script` (resolved like `require`); `init(self, props)` runs now.
---@param script string
---@param props? SpawnProps|table
---@return Entity
function entities.spawn(script, props) end

---The oldest live entity named `name`.
---@param name string
---@return Entity|nil
function entities.find(name) end

---The live entity with id `id`.
---@param id integer
---@return Entity|nil
function entities.get(id) end

---Live entities in creation order (with `tag`, if given).
---@param tag? string
---@return Entity[]
function entities.all(tag) end

---Number of live entities.
---@return integer
function entities.count() end

-- input ---------------------------------------------------------------------------------------

---Actions the host maps keys to, as of the start of this step.
input = {}

---@param action string
---@return boolean held
function input.down(action) end

---@param action string
---@return boolean pressed went down since the previous step
function input.pressed(action) end

---@param action string
---@return boolean released went up since the previous step
function input.released(action) end

-- assets --------------------------------------------------------------------------------------

---@class AssetInfo
---@field name string
---@field width number
---@field height number

---Assets named in the host's manifest.
assets = {}

---Waits (in a task) until the asset(s) loaded. With a list, loads run in parallel and
---`on_progress(loaded, total, name)` runs as each finishes.
---@param names string|string[]
---@param on_progress? fun(loaded: integer, total: integer, name: string)
---@return AssetInfo|AssetInfo[]
function assets.load(names, on_progress) end

---True if the host's manifest names `name`.
---@param name string
---@return boolean
function assets.has(name) end

-- level ---------------------------------------------------------------------------------------

---Levels: JSON lists of entities the host provides.
level = {}

---Waits (in a task) for level `name` from the host, then spawns its entities in file order.
---A level with a missing script or a malformed field raises and spawns nothing.
---@param name string
---@return Entity[]
function level.load(name) end

---The live entity spawned from the Tiled object with this id (of the last map loaded that had
---one), or nil. (A Tiled property of type `object` already arrives in `props` as the entity.)
---@param tiled_id integer the object's id in Tiled
---@return Entity|nil
function level.entity(tiled_id) end
