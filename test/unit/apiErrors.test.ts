import { describe, expect, it } from 'vitest';
import { start } from '../helpers';

describe('An API error caught with pcall', () => {
  it('names the script line, also when pcall calls the API directly', async () => {
    const { run, steps, take, errors } = await start({}, {});
    run(`task.spawn(function()
  local results = {}
  results[1] = select(2, pcall(task.wait, 0/0))
  results[2] = select(2, pcall(task.cancel, 42))
  results[3] = select(2, pcall(task.await, nil))
  results[4] = select(2, pcall(input.down, nil))
  results[5] = select(2, pcall(level.load, 5))
  results[6] = select(2, pcall(require, "nope"))
  results[7] = select(2, pcall(collectgarbage, "collect"))
  results[8] = select(2, pcall(setmetatable, {}, { __gc = print }))
  results[9] = select(2, pcall(setTimeout, nil))
  for _, err in ipairs(results) do print((err:match("^[^:]+:%d+"))) end
end)`, 'main.lua');
    steps(1);
    expect(take()).toEqual(['main.lua:3', 'main.lua:4', 'main.lua:5', 'main.lua:6', 'main.lua:7', 'main.lua:8', 'main.lua:9', 'main.lua:10', 'main.lua:11']);
    expect(errors).toEqual([]);
  });

  it('keeps a script\'s own error as it was raised, and gives a memory error the pcall\'s line', async () => {
    const { run, take } = await start({ memoryLimitBytes: 8 * 1024 * 1024 }, {});
    run(`print(pcall(error, "plain", 0))
print(pcall(function() error({ code = 1 }) end))
local ok, err = pcall(function() local t = {} for i = 1, 1e8 do t[i] = ("x"):rep(100) .. i end end)
print(err)`, 'main.lua');
    const out = take();
    expect(out[0]).toBe('false\tplain');
    expect(out[1]).toMatch(/^false\ttable: /);
    expect(out[2]).toBe('main.lua:3: not enough memory');
  });
});
