-- moonstep timer queue (Lua side): where due work waits for its step. See scheduler.lua for
-- how the scheduler drains it, and docs/scheduling.md for the order.
--
-- Work due in step s sits in bucket `buckets[s]`, kept as columns: entry i has due key
-- `b.due[i]`, sequence `b.seq[i]`, and either a one-shot timer's callback and owner
-- (`b.fn[i]`, `b.own[i]`) or a queued record (`b.ent[i]`: a task wake, an interval, deferred
-- work past its pass limit), the other column holding false. A one-shot timer is nothing
-- but its cells: firing one reads two arrays and allocates, writes and releases nothing, and
-- the whole bucket is dropped after its drain. Clearing a one-shot timer blanks its
-- callback and owner cells (`b.live` counts the callbacks still set). An idle step costs one
-- table lookup whatever the number of pending entries.
--
-- A one-shot timer's id names its place: every bucket gets a number `b.no` (never reused) and
-- every entry an arrival number in its bucket, so the id is 2 * (b.no * ARRIVALS + arrival)
-- (even; the slot store's ids are odd). Until a bucket is sorted or compacted an entry's
-- position is its arrival number; after that `b.at[arrival]` gives the position,
-- `b.arr[position]` the arrival, and `b.arrivals` counts arrivals.
--
-- Due times are keys in units of 1/(1000*hz) seconds: step k starts at key k*1000.
local rt = ...

local M = {}

local math_ceil = math.ceil
local table_sort = table.sort
local EPS = 1e-9
M.EPS = EPS -- tolerance for float due keys (a key within EPS of a step start is due then)

-- Queued records carry a `state`: what they are while pending, and what became of them.
local CANCELLED <const>, WAKE <const>, DEFERRED <const>, INTERVAL <const> = 0, 2, 3, 5
M.CANCELLED, M.WAKE, M.DEFERRED, M.INTERVAL = CANCELLED, WAKE, DEFERRED, INTERVAL

local ARRIVALS <const> = 1 << 21
--- The error a one-shot timer gets when its step's bucket cannot name another entry.
M.STEP_FULL = string.format("too many timers and waits due in one step (at most %d)", ARRIVALS - 1)

-- The step being run (the scheduler's frame; see M.set_frame).
local cur_frame = 0
local seq = 0
local buckets = {}
local bucket_by_no = {}
local next_bno = 0
local oneshots = 0 -- one-shot timers pending (counted as live slots)
-- reached(b): how far the drain of bucket `b` got, or nil if `b` is not being drained; set by
-- the scheduler, which runs the drain (see M.set_drain_probe).
local reached = function() return nil end

-- Clock and order ---------------------------------------------------------------------------

--- Tells the queue which step is being run (the scheduler calls it at each step's start).
function M.set_frame(frame)
  cur_frame = frame
end

--- Gives the queue `probe(b)`: how many entries of bucket `b` its drain has reached, or nil
--- if `b` is not being drained.
function M.set_drain_probe(probe)
  reached = probe
end

--- Next creation sequence number (ties between equal due times break by it).
function M.next_seq()
  seq = seq + 1
  return seq
end

--- Step in which work due at `key` runs: the first step whose start is at or after `key`,
--- and never the current one.
local function step_for(key)
  local s = math_ceil(key / 1000 - EPS)
  local soonest = cur_frame + 1
  if s < soonest then return soonest end
  return s
end
M.step_for = step_for

-- Buckets (private) ---------------------------------------------------------------------------

local function new_bucket(s)
  next_bno = next_bno + 1
  local b = { n = 0, sorted = true, dead = 0, no = next_bno, step = s, arrivals = 0, live = 0,
              fn = {}, own = {}, due = {}, seq = {}, ent = {}, arr = false, at = false, site = false }
  buckets[s] = b
  bucket_by_no[next_bno] = b
  return b
end

--- The bucket of the step that work due at key `due` runs in (made if there is none).
--- (step_for inlined: a task waits through here, see push.)
local function bucket_for(due)
  local s = math_ceil(due / 1000 - EPS)
  if s <= cur_frame then s = cur_frame + 1 end
  return buckets[s] or new_bucket(s)
end

--- Appends to bucket `b` an entry due at key `due` with sequence `sq`: a one-shot timer
--- (`fn`, `own`; `ent` false) or a queued record (`ent`; `fn` false). Returns its position.
--- (A task waits through here: few registers and calls keep its coroutine within Lua's
--- initial stack, which saves 640 bytes per waiting task; see task.memory in the bench.)
local function push(b, due, sq, fn, own, ent)
  local n = b.n + 1
  if n > 1 and b.sorted then
    local last = b.due[n - 1]
    if last > due or (last == due and b.seq[n - 1] > sq) then b.sorted = false end
  end
  -- The columns grow first and the count last: out of memory half way, the bucket is as it
  -- was (an entry past b.n is never read).
  b.due[n], b.seq[n], b.fn[n], b.own[n], b.ent[n] = due, sq, fn, own, ent
  local arr = b.arr
  if arr then -- reordered before: arrivals are counted apart from positions
    local a = b.arrivals + 1
    arr[n], b.at[a] = a, n
    b.arrivals = a
  end
  b.n = n
  return n
end

--- The id of the one-shot timer at position i of bucket `b`.
local function id_at(b, i)
  local arr = b.arr
  return (b.no * ARRIVALS + (arr and arr[i] or i)) * 2
end

--- Reorders bucket `b`'s columns so that entry i comes from old position `from[i]`.
local function permute(b, from)
  local n = b.n
  for _, column in ipairs({ "fn", "own", "due", "seq", "ent" }) do
    local old, new = b[column], {}
    for i = 1, n do new[i] = old[from[i]] end
    b[column] = new
  end
  local site = b.site
  if site then
    local new = {}
    for i = 1, n do new[i] = site[from[i]] end
    b.site = new
  end
  local arr, new_arr, at = b.arr, {}, {}
  for i = 1, n do
    local a = arr and arr[from[i]] or from[i]
    new_arr[i], at[a] = a, i
  end
  b.arr, b.at = new_arr, at
end

--- Sorts bucket `b` by (due key, sequence).
local function sort_bucket(b)
  local dues, seqs = b.due, b.seq
  local from = {}
  for i = 1, b.n do from[i] = i end
  if not b.arr then b.arrivals = b.n end
  table_sort(from, function(x, y)
    local dx, dy = dues[x], dues[y]
    if dx ~= dy then return dx < dy end
    return seqs[x] < seqs[y]
  end)
  permute(b, from)
  b.sorted = true
end

local function drop_bucket(b)
  if buckets[b.step] == b then buckets[b.step] = nil end
  bucket_by_no[b.no] = nil
end

--- Notes that an entry of bucket `b` died; a pending bucket more than half dead is compacted
--- (order kept), so cancelled far-future work does not hold memory until its step.
local function bucket_entry_dead(b)
  if b.step <= cur_frame + 1 then return end -- drained now or next step: not worth it
  local dead = b.dead + 1
  b.dead = dead
  local n = b.n
  if dead * 2 <= n then return end
  local from = {}
  local fns, ents = b.fn, b.ent
  for i = 1, n do
    local e = ents[i]
    if fns[i] or (e and e.state ~= CANCELLED) then from[#from + 1] = i end
  end
  if not b.arr then b.arrivals = n end
  b.n, b.dead = #from, 0
  if b.n == 0 then drop_bucket(b) else permute(b, from) end
end

-- Queueing ------------------------------------------------------------------------------------

--- Queues record `e` (fields `due`, `seq`, `state`) for the step its due key lands on.
function M.enqueue(e)
  local due = e.due
  return push(bucket_for(due), due, e.seq, false, false, e)
end

--- Notes that queued record `e` was cancelled (its entry is skipped when its step comes).
function M.record_cancelled(e)
  if e.due <= cur_frame * 1000 then return end -- due in the step being drained or the next
  local b = buckets[step_for(e.due)]
  if b then bucket_entry_dead(b) end
end

-- One-shot timers ------------------------------------------------------------------------------

--- Bucket and position of pending one-shot timer `id`, or nil (unknown, cleared or fired).
local function locate(id)
  local x = id // 2
  local b = bucket_by_no[x // ARRIVALS]
  if not b then return nil end
  local a = x % ARRIVALS
  local p = a
  if b.at then p = b.at[a] elseif a > b.n then return nil end
  if not p or not b.fn[p] then return nil end
  local done = reached(b)
  if done and p <= done then return nil end -- fired in this drain
  return b, p
end

--- Creates a one-shot timer calling `fn()` at key `due`, owned by `owner`. Returns its id,
--- or nil if its step's bucket cannot name another entry (see M.STEP_FULL).
function M.oneshot_new(fn, due, owner)
  local b = bucket_for(due)
  if (b.arr and b.arrivals or b.n) >= ARRIVALS - 1 then return nil end
  seq = seq + 1
  local n = push(b, due, seq, fn, owner, false) -- (owner may be nil: a hole is harmless)
  b.live = b.live + 1
  oneshots = oneshots + 1
  local id = id_at(b, n)
  if owner then rt.owner_add(owner, id) end
  local site_of = rt.site_of
  if site_of then
    local site = b.site or {}
    b.site = site
    site[n] = site_of()
  end
  return id
end

--- True if one-shot timer `id` is pending.
function M.oneshot_live(id)
  return locate(id) ~= nil
end

--- Cancels one-shot timer `id`; with `check`, only if `owner` owns it. True if it was pending.
function M.oneshot_cancel(id, check, owner)
  local b, p = locate(id)
  if not b then return false end
  if check and b.own[p] ~= owner then return false end
  b.fn[p], b.own[p] = false, nil
  if b.site then b.site[p] = nil end
  b.live = b.live - 1
  oneshots = oneshots - 1
  bucket_entry_dead(b) -- (ignores the bucket being drained: its step is the current one)
  return true
end

--- Number of one-shot timers pending.
function M.oneshot_count()
  return oneshots
end

--- Calls `visit(id, owner, step, site, due, seq)` for each pending one-shot timer (between
--- steps), in no particular order.
function M.each_oneshot(visit)
  for step, b in pairs(buckets) do
    local fns, owns, site, dues, seqs = b.fn, b.own, b.site, b.due, b.seq
    for i = 1, b.n do
      if fns[i] then visit(id_at(b, i), owns[i], step, site and site[i] or nil, dues[i], seqs[i]) end
    end
  end
end

-- The drain ------------------------------------------------------------------------------------

--- Takes the bucket of step `step` out of the queue to be drained (sorted by due key, then
--- sequence); nil if nothing is due then.
function M.take(step)
  local b = buckets[step]
  if not b then return nil end
  buckets[step] = nil
  if not b.sorted then sort_bucket(b) end
  return b
end

--- Ends the drain of bucket `b`: it leaves the queue with every one-shot timer it fired.
function M.drained(b)
  bucket_by_no[b.no] = nil
  oneshots = oneshots - b.live
end

M.id_at = id_at

rt.critical_module(M) -- the queue's bookkeeping is never cut by the watchdog

return M
