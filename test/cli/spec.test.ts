import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cliHelper';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'moonstep-spec-'));
  for (const [name, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  return dir;
}

const root = new URL('../..', import.meta.url).pathname;

describe('moonstep test', () => {
  it('passes the project\'s own Lua specs (the demo\'s behaviours)', async () => {
    const r = await cli('test', `${root}/scripts-lua/spec`, '--root', `${root}/scripts-lua`, '--assets', `${root}/assets/sprites`);
    expect(r.stdout).toMatch(/\n9 passed, 0 failed\n$/);
    expect(r.code).toBe(0);
  });

  it('runs every *_spec.lua below a folder, each test in a fresh runtime, with step(n) and press/release', async () => {
    const dir = folder({
      'counter.lua': 'return { init = function(self) self.n = 0 end, update = function(self) self.n = self.n + 1 end }',
      'specs/counter_spec.lua': `
        describe("A counter", function()
          it("counts steps", function()
            local c = entities.spawn("counter", { name = "c" })
            step(5)
            expect(c.n).to_be(5)
            expect(time.frame()).to_be(5)
          end)
          it("starts from a fresh runtime", function()
            expect(entities.count()).to_be(0)
            expect(time.frame()).to_be(0)
          end)
        end)`,
      'specs/nested/input_spec.lua': `
        it("sees pressed for one step, then down", function()
          press("jump")
          step(1)
          expect(input.pressed("jump")).to_be(true)
          step(1)
          expect(input.pressed("jump")).to_be(false)
          expect(input.down("jump")).to_be(true)
          release("jump")
          step(1)
          expect(input.released("jump")).to_be(true)
          expect({ 1, { 2 } }).to_equal({ 1, { 2 } })
          expect("hello").to_contain("ell")
          expect(function() error("nope") end).to_fail("nope")
          expect(1).never.to_be(2)
          expect(0.1 + 0.2).to_be_close(0.3, 1e-12)
        end)`,
    });
    const r = await cli('test', join(dir, 'specs'), '--root', dir);
    expect(r.stdout).toBe(
      'counter_spec.lua\n  ✓ A counter > counts steps\n  ✓ A counter > starts from a fresh runtime\n' +
        'nested/input_spec.lua\n  ✓ sees pressed for one step, then down\n\n3 passed, 0 failed\n',
    );
    expect(r.code).toBe(0);
  });

  it('reports each failure with file:line, and exits 1', async () => {
    const dir = folder({
      'bad_spec.lua': `
it("compares", function()
  expect(1 + 1).to_be(3)
  print("not reached")
end)
it("errors", function()
  local t = nil
  return t.field
end)
it("fails in a timer it started", function()
  print("started") setTimeout(function() error("late") end, 0)
  step(2)
end)
it("never finishes", function()
  task.wait(1e9)
end)
it("passes", function() end)`,
    });
    const r = await cli('test', dir, '--max-steps', '100');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  ✗ compares\n      bad_spec.lua:3: expected: 3, got 2\n');
    expect(r.stdout).toContain("  ✗ errors\n      bad_spec.lua:8: attempt to index a nil value (local 't')\n");
    expect(r.stdout).toContain('  ✗ fails in a timer it started\n      1 error(s) in callbacks during the test\n      error: bad_spec.lua:11: late\n      print: started\n');
    expect(r.stdout).toContain('  ✗ never finishes\n      did not finish within 100 steps (still waiting at bad_spec.lua:15)\n');
    expect(r.stdout).toContain('  ✓ passes\n');
    expect(r.stdout).toMatch(/1 passed, 4 failed\n$/);
  });

  it('reports a spec file with no tests (a stub, an empty describe, a top-level wait) as having none, without crashing', async () => {
    const dir = folder({
      'empty_spec.lua': '-- TODO\n',
      'describe_spec.lua': 'describe("nothing yet", function() end)',
      'step_spec.lua': 'step(5)\nit("after a wait", function() end)',
      'wait_spec.lua': 'task.wait(1)',
      'events_spec.lua': 'events.wait("never")',
      'ok_spec.lua': 'it("passes", function() end)',
    });
    const r = await cli('test', dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('empty_spec.lua\n  (no tests: it(name, fn) registers one');
    expect(r.stdout.match(/\(no tests/g)).toHaveLength(5);
    expect(r.stdout).toMatch(/\n1 passed, 0 failed\n$/);
    expect(r.code).toBe(0);
  });

  it('finishes level.load on the same step as moonstep run does (the step after it was called)', async () => {
    const dir = folder({
      'crate.lua': 'return { init = function(self) print("crate init", time.frame()) end }',
      'levels/hall.json': '{ "entities": [ { "script": "crate" } ] }',
      'main.lua': 'task.spawn(function() local list = level.load("hall") print("loaded", #list, time.frame()) end)',
      'specs/level_spec.lua': `it("loads", function()
        local list = level.load("hall")
        print("loaded", #list, time.frame())
        expect(time.frame()).to_be(1)
      end)`,
    });
    const run = await cli('run', join(dir, 'main.lua'), '--frames', '5', '--levels', join(dir, 'levels'));
    expect(run.stdout).toBe('crate init\t1\nloaded\t1\t1\n');
    const test = await cli('test', join(dir, 'specs'), '--root', dir, '--levels', join(dir, 'levels'));
    expect(test.stdout).toContain('✓ loads');
  });

  it('explains failures: nested tables and where they differ, a colon call, identity vs contents, repeats', async () => {
    const dir = folder({
      'msg_spec.lua': `
it("nested", function() expect({ a = 1, b = { c = 2, d = { 1, 2 } } }).to_equal({ a = 1, b = { c = 2, d = { 1, 3 } } }) end)
it("colon", function() expect(1):to_be(1) end)
it("identity", function() expect({ 1 }).to_be({ 1 }) end)
it("repeats", function()
  setInterval(function() error("again", 0) end, 0)
  step(10)
end)
it("waits in a helper", function()
  local function wait_for_door() events.wait("door") end
  wait_for_door()
end)`,
    });
    const r = await cli('test', dir, '--max-steps', '50');
    expect(r.stdout).toContain(
      '  ✗ nested\n      msg_spec.lua:2: expected: { a = 1, b = { c = 2, d = { 1, 3 } } } (deep), got { a = 1, b = { c = 2, d = { 1, 2 } } }; ' +
        'first difference at .b.d[2]: expected 3, got 2\n',
    );
    expect(r.stdout).toContain('  ✗ colon\n      msg_spec.lua:3: matchers are called with a dot: expect(x).to_be(...), not expect(x):to_be(...)\n');
    expect(r.stdout).toContain(
      '  ✗ identity\n      msg_spec.lua:4: expected: { 1 }, got { 1 } (two different tables: to_be compares identity; use to_equal to compare contents)\n',
    );
    expect(r.stdout).toContain('  ✗ repeats\n      10 error(s) in callbacks during the test\n      error: again\n      … and 9 more times\n');
    expect(r.stdout).toContain('  ✗ waits in a helper\n      did not finish within 50 steps (still waiting at msg_spec.lua:10)\n');
  });

  it('lists the warnings of a file\'s tests once each (a misspelled hook)', async () => {
    const dir = folder({
      'bat.lua': 'return { udpate = function(self) self.y = self.y - 1 end }',
      'bat_spec.lua': `
it("flies up", function() local b = entities.spawn("bat", { y = 10 }) step(2) expect(b.y).to_be(8) end)
it("spawns", function() entities.spawn("bat") end)`,
    });
    const r = await cli('test', dir);
    expect(r.stdout).toContain("  warning: bat.lua: 'udpate' is not a hook, so it never runs (did you mean 'update'?)\n");
    expect(r.stdout.match(/warning: bat.lua/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/1 passed, 1 failed\n1 warning\(s\): see 'warning:' lines above\n$/);
    expect((await cli('test', dir, '--no-hints')).stdout).not.toContain('warning');
  });

  it('reports a spec file that does not load', async () => {
    const dir = folder({ 'broken_spec.lua': 'it("x", function() end' });
    const r = await cli('test', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ (loading the file)');
    expect(r.stdout).toContain('broken_spec.lua:1:');
  });

  it('explains a missing root folder before printing anything, in one line', async () => {
    const dir = folder({ 'a_spec.lua': 'it("x", function() end)' });
    const r = await cli('test', dir, '--root', '/no/such/dir');
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'moonstep: --root: no such directory: /no/such/dir\n' });
  });

  it('runs the documented command for a mod without sprites or levels folders, with a note', async () => {
    const dir = folder({ 'specs/a_spec.lua': 'it("x", function() end)', 'scripts/bat.lua': 'return {}' });
    const r = await cli('test', join(dir, 'specs'), '--root', join(dir, 'scripts'), '--assets', join(dir, 'assets/sprites'), '--levels', join(dir, 'assets/levels'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a_spec.lua\n  ✓ x\n\n1 passed, 0 failed\n');
    expect(r.stderr).toContain('running without assets');
    expect(r.stderr).toContain('running without levels');
  });

  it('explains bad usage', async () => {
    expect((await cli('test')).code).toBe(2);
    expect((await cli('test', '/no/such/dir')).stderr).toContain('no such file or directory');
    expect((await cli('test', folder({ 'a.lua': '' }))).stderr).toContain('no *_spec.lua files');
  });
});
