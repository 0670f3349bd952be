import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cliHelper';

/** A temp folder holding the given scripts. */
function scripts(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'moonstep-cli-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return dir;
}

describe('The moonstep command', () => {
  it('prints exactly what the script prints, tab-separated, and exits 0', async () => {
    const dir = scripts({ 'main.lua': 'print("a", 1, nil, true)\nsetTimeout(function() print("t", time.frame()) end, 100)' });
    const r = await cli('run', join(dir, 'main.lua'), '--frames', '10');
    expect(r).toEqual({ code: 0, stdout: 'a\t1\tnil\ttrue\nt\t6\n', stderr: '' });
  });

  it('lets the script require modules next to it', async () => {
    const dir = scripts({ 'main.lua': 'print(require("lib").answer)', 'lib.lua': 'return { answer = 42 }' });
    expect((await cli('run', join(dir, 'main.lua'), '--frames', '1')).stdout).toBe('42\n');
  });

  it('runs the given number of frames at the given rate', async () => {
    const dir = scripts({ 'main.lua': 'setInterval(function() print(time.frame(), time.now()) end, 1000)' });
    const r = await cli('run', join(dir, 'main.lua'), '--frames', '90', '--hz', '30');
    expect(r.stdout).toBe('30\t1.0\n60\t2.0\n90\t3.0\n');
  });

  it('seeds math.random', async () => {
    const dir = scripts({ 'main.lua': 'print(math.random(1, 1e6))' });
    const a = await cli('run', join(dir, 'main.lua'), '--frames', '0', '--seed', '7');
    const b = await cli('run', join(dir, 'main.lua'), '--frames', '0', '--seed', '7');
    const c = await cli('run', join(dir, 'main.lua'), '--frames', '0', '--seed', '8');
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });

  it('reports script errors on stderr as error: file:line: message with the scripts\' traceback, and exits 1', async () => {
    const dir = scripts({ 'main.lua': 'print("before")\nsetTimeout(function()\n  error("boom")\nend, 0)\nsetTimeout(function() print("after") end, 0)' });
    const r = await cli('run', join(dir, 'main.lua'), '--frames', '2');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('before\nafter\n');
    expect(r.stderr).toBe('error: main.lua:3: boom\nstack traceback:\n\tmain.lua:3: in function\n'); // no engine frames, no engine names
  });

  it('exits 1 on a syntax error', async () => {
    const dir = scripts({ 'main.lua': 'print(' });
    const r = await cli('run', join(dir, 'main.lua'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: main\.lua:1: /);
  });

  it('exits 2 on a missing file, an unknown option or a bad value', async () => {
    expect((await cli('run', '/nonexistent/x.lua')).code).toBe(2);
    const dir = scripts({ 'main.lua': '' });
    for (const args of [['--bogus'], ['--frames', '-1'], ['--hz', 'x'], ['--frames']]) {
      const r = await cli('run', join(dir, 'main.lua'), ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Usage: moonstep run');
    }
    expect((await cli()).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
  });

  it('prints help with --help and exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--frames N');
  });

  it('writes the trace as JSON lines and a stable digest', async () => {
    const dir = scripts({ 'main.lua': 'print(setTimeout(function() end, 50))\ntask.spawn(function() task.wait(0.1) end)' });
    const trace = join(dir, 'trace.jsonl');
    const r1 = await cli('run', join(dir, 'main.lua'), '--frames', '10', '--trace', trace, '--digest');
    const timerId = Number(r1.stdout.trim());
    const records = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toEqual([
      { step: 0, kind: 'main', id: 0, owner: 'script:main.lua' },
      { step: 0, kind: 'task', id: 1, owner: 'script:main.lua' },
      { step: 3, kind: 'timer', id: timerId, owner: 'script:main.lua' },
      { step: 6, kind: 'task', id: 1, owner: 'script:main.lua' },
    ]);
    const r2 = await cli('run', join(dir, 'main.lua'), '--frames', '10', '--digest');
    expect(r1.stderr).toMatch(/^trace digest: [0-9a-f]{16} \(4 records\)\n$/);
    expect(r2.stderr).toBe(r1.stderr);
  });

  it('sends --event inputs, records them, and replays the run to the same digest', async () => {
    const dir = scripts({ 'main.lua': 'events.on("hit", function(n, who) print("hit", n, who, time.frame()) end)' });
    const log = join(dir, 'run.json');
    const live = await cli('run', join(dir, 'main.lua'), '--frames', '20', '--event', '5:hit:[3,"bat"]', '--event', '9:hit:7', '--record', log, '--digest');
    expect(live.stdout).toBe('hit\t3\tbat\t5\nhit\t7\tnil\t9\n');
    const replayed = await cli('run', join(dir, 'main.lua'), '--frames', '20', '--replay', log, '--digest');
    expect(replayed.stdout).toBe(live.stdout);
    expect(replayed.stderr).toBe(live.stderr);
  });

  it('runs as a real command through bin/moonstep.js', async () => {
    const dir = scripts({ 'main.lua': 'print("from the binary", time.frame())\nsetTimeout(function() error("late") end, 20)' });
    const bin = new URL('../../bin/moonstep.js', import.meta.url).pathname;
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'run', join(dir, 'main.lua'), '--frames', '3'], (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    expect(result.stdout).toBe('from the binary\t0\n');
    expect(result.stderr).toMatch(/^error: main\.lua:2: late\n/);
    expect(result.code).toBe(1);
  });
});

describe('moonstep run with a game world', () => {
  it('takes script roots, assets and levels from folders', async () => {
    const dir = scripts({ 'main.lua': 'local list = level.load("room") print(#list, list[1].name, list[1].sprite, assets.has("ship"), require("lib.util").n)' });
    const lib = scripts({ 'lamp.lua': 'return { init = function(self) print("lamp", self.x) end }' });
    mkdirSync(join(lib, 'lib'));
    writeFileSync(join(lib, 'lib', 'util.lua'), 'return { n = 7 }');
    const assets = scripts({});
    // A 1×1 PNG (its size is read from the header).
    writeFileSync(join(assets, 'ship.png'), Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
    const levels = scripts({ 'room.json': JSON.stringify({ entities: [{ script: 'lamp', name: 'l', x: 4, sprite: 'ship' }] }) });
    const r = await cli('run', join(dir, 'main.lua'), '--root', lib, '--assets', assets, '--levels', levels, '--frames', '3');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('lamp\t4\n1\tl\tship\ttrue\t7\n');
    expect(r.code).toBe(0);
  });

  it('explains a missing root folder in one line, without the usage', async () => {
    const dir = scripts({ 'main.lua': 'print("ran")' });
    const r = await cli('run', join(dir, 'main.lua'), '--root', '/no/such/dir');
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'moonstep: --root: no such directory: /no/such/dir\n' });
  });

  it('runs without assets or levels when their folder is not there, and says so', async () => {
    const dir = scripts({ 'main.lua': 'print("ran", assets.has("ship"))' });
    const r = await cli('run', join(dir, 'main.lua'), '--frames', '1', '--assets', '/no/such/sprites', '--levels', '/no/such/levels');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ran\tfalse\n');
    expect(r.stderr).toBe(
      'moonstep: note: --assets /no/such/sprites: no such directory; running without assets\n' +
        'moonstep: note: --levels /no/such/levels: no such directory; running without levels\n',
    );
  });

  it('presses input actions with --input STEP:ACTION[:N] (a tap by default)', async () => {
    const dir = scripts({
      'main.lua': `setInterval(function()
  if input.pressed("jump") then print("pressed", time.frame()) end
  if input.released("jump") then print("released", time.frame()) end
  if input.pressed("fire") then print("fire", time.frame()) end
end, 0)`,
    });
    const r = await cli('run', join(dir, 'main.lua'), '--frames', '12', '--input', '3:jump', '--input', '5:fire:4', '--input', '8:jump:2');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('pressed\t3\nreleased\t4\nfire\t5\npressed\t8\nreleased\t10\n');
    const bad = await cli('run', join(dir, 'main.lua'), '--input', 'jump');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--input takes STEP:ACTION[:N] with N ≥ 1 (got 'jump')");
  });

  it('warns of likely mistakes on stderr, unless --no-hints', async () => {
    const dir = scripts({ 'main.lua': 'entities.spawn("bat")', 'bat.lua': 'return { udpate = function() end }' });
    const r = await cli('run', join(dir, 'main.lua'), '--frames', '1');
    expect(r.stderr).toBe("moonstep: warning: bat.lua: 'udpate' is not a hook, so it never runs (did you mean 'update'?)\n");
    expect((await cli('run', join(dir, 'main.lua'), '--frames', '1', '--no-hints')).stderr).toBe('');
  });

  it('prints the events scripts send to the game with --events', async () => {
    const dir = scripts({
      'main.lua': `setTimeout(function() events.emit("score", 10, "bat", { combo = 2 }) print("after") events.emit("done") end, 20)`,
    });
    const r = await cli('run', join(dir, 'main.lua'), '--frames', '3', '--events');
    expect(r.stdout).toBe('event: score 10 "bat" {"combo":2}\nafter\nevent: done\n');
    const quiet = await cli('run', join(dir, 'main.lua'), '--frames', '3');
    expect(quiet.stdout).toBe('after\n');
  });
});
