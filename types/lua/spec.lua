---@meta
-- Editor annotations for the spec API of `moonstep test` (only in *_spec.lua files).

---An expectation made by `expect(actual)`; call its matchers with a dot: `expect(x).to_be(3)`.
---@class Expectation
---@field never Expectation the same matchers, negated
---@field to_be fun(expected: any) equal by `==`
---@field to_equal fun(expected: any) equal, comparing tables deeply
---@field to_be_truthy fun()
---@field to_be_falsy fun()
---@field to_be_nil fun()
---@field to_be_close fun(expected: number, epsilon?: number)
---@field to_contain fun(item: any) a substring, or a value of a table
---@field to_fail fun(pattern?: string) calling the actual value (a function) raises an error

---Groups tests under a name.
---@param name string
---@param fn fun()
function describe(name, fn) end

---A test. Its body runs in a task (it may wait) in a fresh runtime.
---@param name string
---@param fn fun()
function it(name, fn) end

---@param actual any
---@return Expectation
function expect(actual) end

---Lets `n` whole steps run (default 1); returns at the end of the last one.
---@param n? integer
function step(n) end

---The action goes down from the next step (as if the host's input changed).
---@param action string
function press(action) end

---The action goes up from the next step.
---@param action string
function release(action) end
