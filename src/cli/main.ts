import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createRuntime, LuaSyntaxError, type LuaRuntimeError, type ReplayLog, type RuntimeOptions } from '../index';
import { FsScriptLoader } from '../node/FsScriptLoader';
import { fsAssetLoader, levelsFromDirectory, manifestFromDirectory } from '../node/FsAssets';
import { runSpecFile, settleHostCalls } from '../spec/SpecRunner';

/** Where the CLI writes. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Exit codes: 0 ok, 1 a script error occurred, 2 bad usage or a missing file. */
export const EXIT_OK = 0;
export const EXIT_SCRIPT_ERROR = 1;
export const EXIT_USAGE = 2;

export const USAGE = `Usage: moonstep run <file.lua> [options]
       moonstep test <dir or file_spec.lua> [options]

moonstep run: runs a Lua script as the main chunk of a headless moonstep runtime, for a number of fixed steps.
Scripts next to the file can be required. Standard output carries what the script prints;
errors go to standard error as 'error: file:line: message', with a traceback.

Options:
  --frames N        steps to run (default 600)
  --hz H            steps per second (default 60)
  --seed S          seed of math.random (default 1)
  --event S:NAME[:JSON]
                    send event NAME (payload: a JSON array of values, or one JSON value)
                    to the scripts before step S; repeatable
  --input S:ACTION[:N]
                    press input action ACTION before step S and release it N steps later
                    (default 1: a tap); repeatable
  --events          print the events scripts send to the game (events.emit) as
                    'event: NAME VALUES...' (values as JSON), among the prints
  --trace FILE      write every callback and resume as JSON lines to FILE
  --digest          print a digest of the trace to standard error at the end
  --no-hints        turn off the warnings about likely mistakes (a misspelled hook or view
                    field, an unknown input action, a final that waits)
  --record FILE     write the host inputs of the run (a replay log) to FILE
  --replay FILE     take the host inputs from a replay log instead of --event and --input
  --root DIR        another script root for require and entities.spawn (repeatable); the
                    script's own folder is always the first
  --assets DIR      images below DIR are assets (named by file name), for sprites and assets.load
  --levels DIR      level.load(name) reads DIR/name.json or DIR/name.tmj (a Tiled map)
                    (optional: a folder that is not there is skipped, with a note)
  -h, --help        show this help

moonstep test: runs every *_spec.lua file below the directory (or the one file), each test
(it) in a fresh runtime, and reports file:line for each failure. Spec files use describe,
it, expect(x).to_be(y) and friends, step(n) to let n steps run, press/release(action).

Options:
  --root DIR        as for run; the spec directory is always the first root
  --assets DIR, --levels DIR   as for run
  --max-steps N     steps a test may take before it fails as unfinished (default 36000)
  --no-hints        as for run

Exit code: 0 when no script error occurred (run) or every test passed (test), 1 otherwise,
2 on bad usage or a missing file.
`;

interface RunOptions {
  file: string;
  frames: number;
  hz: number;
  seed: number;
  events: Array<{ step: number; name: string; payload: unknown[] }>;
  inputs: Array<{ step: number; action: string; steps: number }>;
  printEvents: boolean;
  trace?: string;
  digest: boolean;
  hints: boolean;
  record?: string;
  replay?: string;
  assets?: string;
  levels?: string;
  roots: string[];
}

class UsageError extends Error {}
/** A usage error about a file or folder that is not there: said in one line, without the usage. */
class MissingPathError extends UsageError {}

/**
 * Parses `args` with node's parseArgs (strict: unknown options, missing values and extra
 * positionals are usage errors). Returns the option values and the one positional.
 */
function parseCommandArgs<T extends ParseArgsConfig['options']>(args: string[], options: T, what: string) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [target, extra] = parsed.positionals;
  if (target === undefined) throw new UsageError(`missing the ${what}`);
  if (extra !== undefined) throw new UsageError(`one ${what} at a time (got '${target}' and '${extra}')`);
  return { values: parsed.values, target };
}

/** `text` as an integer ≥ `min`, or a usage error naming `flag`. */
function integerOption(text: string | undefined, flag: string, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min} (got '${text}')`);
  return n;
}

/** One --event value, STEP:NAME[:JSON]. */
function parseEvent(text: string): { step: number; name: string; payload: unknown[] } {
  const m = /^(\d+):([^:]+)(?::(.*))?$/.exec(text);
  if (!m) throw new UsageError(`--event takes STEP:NAME[:JSON] (got '${text}')`);
  let payload: unknown[] = [];
  if (m[3] !== undefined) {
    try {
      const parsed: unknown = JSON.parse(m[3]);
      payload = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      throw new UsageError(`--event payload is not JSON: ${m[3]}`);
    }
  }
  return { step: Number(m[1]), name: m[2]!, payload };
}

/** One --input value, STEP:ACTION[:N]. */
function parseInput(text: string): { step: number; action: string; steps: number } {
  const m = /^(\d+):([^:]+)(?::(\d+))?$/.exec(text);
  if (!m || (m[3] !== undefined && Number(m[3]) < 1)) throw new UsageError(`--input takes STEP:ACTION[:N] with N ≥ 1 (got '${text}')`);
  return { step: Number(m[1]), action: m[2]!, steps: m[3] === undefined ? 1 : Number(m[3]) };
}

/** Each --root must be a folder. */
function checkRoots(roots: string[]): void {
  for (const dir of roots) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MissingPathError(`--root: no such directory: ${dir}`);
  }
}

function parseRunArgs(args: string[]): RunOptions {
  const { values, target } = parseCommandArgs(args, {
    frames: { type: 'string' },
    hz: { type: 'string' },
    seed: { type: 'string' },
    event: { type: 'string', multiple: true },
    input: { type: 'string', multiple: true },
    events: { type: 'boolean' },
    trace: { type: 'string' },
    digest: { type: 'boolean' },
    'no-hints': { type: 'boolean' },
    record: { type: 'string' },
    replay: { type: 'string' },
    assets: { type: 'string' },
    levels: { type: 'string' },
    root: { type: 'string', multiple: true },
  }, 'script');
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isFinite(seed)) throw new UsageError(`--seed must be a number (got '${values.seed}')`);
  return {
    file: target,
    frames: integerOption(values.frames, '--frames', 0, 600),
    hz: integerOption(values.hz, '--hz', 1, 60),
    seed,
    events: (values.event ?? []).map(parseEvent),
    inputs: (values.input ?? []).map(parseInput),
    printEvents: values.events ?? false,
    trace: values.trace,
    digest: values.digest ?? false,
    hints: !values['no-hints'],
    record: values.record,
    replay: values.replay,
    assets: values.assets,
    levels: values.levels,
    roots: values.root ?? [],
  };
}

/** `error: file:line: message`, then the traceback (the scripts' frames only), as the docs show. */
function formatError(error: LuaRuntimeError): string {
  const where = `${error.chunk}:${error.line}:`;
  const head = error.message.startsWith(where) || error.line === 0 ? error.message : `${where} ${error.message}`;
  return error.traceback ? `error: ${head}\n${error.traceback}\n` : `error: ${head}\n`;
}

async function run(options: RunOptions, io: CliIO): Promise<number> {
  const file = resolve(options.file);
  if (!existsSync(file) || !statSync(file).isFile()) {
    io.stderr(`moonstep: no such file: ${options.file}\n`);
    return EXIT_USAGE;
  }
  let replayLog: ReplayLog | undefined;
  if (options.replay) {
    try {
      replayLog = JSON.parse(readFileSync(options.replay, 'utf8')) as ReplayLog;
    } catch (error) {
      io.stderr(`moonstep: cannot read replay log ${options.replay}: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  const tracing = options.trace !== undefined || options.digest;
  checkRoots(options.roots);
  const world = worldOptions(options, io);
  const runtime = await createRuntime({
    hz: options.hz,
    seed: options.seed,
    warnMistakes: options.hints,
    trace: tracing,
    scriptRoots: [new FsScriptLoader(dirname(file)), ...options.roots.map((r) => new FsScriptLoader(r))],
    ...world,
  });
  let scriptErrors = 0;
  runtime.on('print', (text) => io.stdout(`${text}\n`));
  runtime.on('warning', (message) => io.stderr(`moonstep: warning: ${message}\n`));
  if (options.printEvents) {
    runtime.on('luaEvent', (name, values) => io.stdout(`event: ${[name, ...values.map((v) => JSON.stringify(v))].join(' ')}\n`));
  }
  runtime.on('error', (error) => {
    scriptErrors++;
    io.stderr(formatError(error));
  });
  try {
    if (replayLog) runtime.replay(replayLog);
    if (options.record) runtime.record();
    try {
      runtime.runSource(readFileSync(file, 'utf8'), basename(file));
    } catch (error) {
      if (error instanceof LuaSyntaxError) {
        io.stderr(`error: ${error.message}\n`);
        return EXIT_SCRIPT_ERROR;
      }
      throw error;
    }
    for (let step = 1; step <= options.frames; step++) {
      // Let host promises (host functions, asset and level loads) settle before each step, as
      // `moonstep test` does: a load started in step k is applied at the start of step k + 1.
      if (runtime.pendingHostCallCount > 0) await settleHostCalls();
      if (!replayLog) {
        for (const event of options.events) if (event.step === step) runtime.emit(event.name, ...event.payload);
        for (const input of options.inputs) {
          if (input.step === step) runtime.input.press(input.action);
          if (input.step + input.steps === step) runtime.input.release(input.action);
        }
      }
      runtime.step();
    }
    if (options.trace) {
      writeFileSync(options.trace, runtime.trace.map((r) => JSON.stringify(r)).join('\n') + (runtime.trace.length ? '\n' : ''));
    }
    if (options.digest) {
      const { digest, records } = runtime.traceDigest();
      io.stderr(`trace digest: ${digest} (${records} records)\n`);
    }
    if (options.record) writeFileSync(options.record, JSON.stringify(runtime.stopRecording()) + '\n');
  } finally {
    runtime.close();
  }
  return scriptErrors > 0 ? EXIT_SCRIPT_ERROR : EXIT_OK;
}

/**
 * Assets and levels from directories (run and test). A folder that is not there is optional:
 * a mod without sprites or levels runs with the documented command, and a note says so.
 */
function worldOptions(options: { assets?: string; levels?: string }, io: CliIO): Partial<RuntimeOptions> {
  const out: Partial<RuntimeOptions> = {};
  const present = (flag: 'assets' | 'levels') => {
    const dir = options[flag];
    if (dir === undefined) return undefined;
    if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
    io.stderr(`moonstep: note: --${flag} ${dir}: no such directory; running without ${flag === 'assets' ? 'assets' : 'levels'}\n`);
    return undefined;
  };
  const assets = present('assets');
  const levels = present('levels');
  if (assets) {
    out.assets = manifestFromDirectory(assets);
    out.assetLoader = fsAssetLoader(assets);
  }
  if (levels) out.levels = levelsFromDirectory(levels);
  return out;
}

interface TestOptions {
  target: string;
  roots: string[];
  assets?: string;
  levels?: string;
  maxSteps: number;
  hints: boolean;
}

function parseTestArgs(args: string[]): TestOptions {
  const { values, target } = parseCommandArgs(args, {
    root: { type: 'string', multiple: true },
    assets: { type: 'string' },
    levels: { type: 'string' },
    'max-steps': { type: 'string' },
    'no-hints': { type: 'boolean' },
  }, 'directory (or spec file)');
  return {
    target,
    roots: values.root ?? [],
    assets: values.assets,
    levels: values.levels,
    maxSteps: integerOption(values['max-steps'], '--max-steps', 1, 36_000),
    hints: !values['no-hints'],
  };
}

/** Each distinct text with how often it occurs, in order of first occurrence. */
function countRepeats(texts: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

function findSpecs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findSpecs(full));
    else if (name.endsWith('_spec.lua')) out.push(full);
  }
  return out;
}

async function test(options: TestOptions, io: CliIO): Promise<number> {
  const target = resolve(options.target);
  if (!existsSync(target)) {
    io.stderr(`moonstep: no such file or directory: ${options.target}\n`);
    return EXIT_USAGE;
  }
  const isDir = statSync(target).isDirectory();
  const root = isDir ? target : dirname(target);
  const files = isDir ? findSpecs(target) : [target];
  if (files.length === 0) {
    io.stderr(`moonstep: no *_spec.lua files below ${options.target}\n`);
    return EXIT_USAGE;
  }
  checkRoots(options.roots);
  const world = worldOptions(options, io); // before any output
  const scriptRoots = [new FsScriptLoader(root), ...options.roots.map((r) => new FsScriptLoader(r))];
  let passed = 0;
  let failed = 0;
  let warned = 0;
  for (const file of files) {
    const rel = relative(root, file);
    const moduleName = rel.slice(0, -'.lua'.length).split(sep).join('.');
    io.stdout(`${rel.split(sep).join('/')}\n`);
    const results = await runSpecFile(moduleName, { scriptRoots, maxSteps: options.maxSteps, warnMistakes: options.hints, ...world });
    if (results.length === 0) {
      io.stdout('  (no tests: it(name, fn) registers one, and must run while the file loads, before any wait)\n');
    }
    for (const r of results) {
      if (r.passed) {
        passed++;
        io.stdout(`  ✓ ${r.name}\n`);
      } else {
        failed++;
        io.stdout(`  ✗ ${r.name}\n      ${r.message ?? 'failed'}\n`);
        for (const [e, times] of countRepeats(r.errors)) {
          io.stdout(`      error: ${e}\n`);
          if (times > 1) io.stdout(`      … and ${times - 1} more time${times > 2 ? 's' : ''}\n`);
        }
        for (const p of r.prints.slice(0, 20)) io.stdout(`      print: ${p}\n`);
        if (r.prints.length > 20) io.stdout(`      (${r.prints.length - 20} more prints)\n`);
      }
    }
    // Each test runs in a fresh runtime, so the same warning may come from every test: once per file.
    for (const w of new Set(results.flatMap((r) => r.warnings))) {
      warned++;
      io.stdout(`  warning: ${w}\n`);
    }
  }
  io.stdout(`\n${passed} passed, ${failed} failed\n`);
  if (warned > 0) io.stdout(`${warned} warning(s): see 'warning:' lines above\n`);
  return failed > 0 ? EXIT_SCRIPT_ERROR : EXIT_OK;
}

/**
 * The `moonstep` command: `moonstep run <file.lua> [options]` or `moonstep test <dir>`.
 * Returns the exit code.
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout)(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  try {
    if (command === 'run') {
      if (rest.includes('-h') || rest.includes('--help')) {
        io.stdout(USAGE);
        return EXIT_OK;
      }
      return await run(parseRunArgs(rest), io);
    }
    if (command === 'test') {
      if (rest.includes('-h') || rest.includes('--help')) {
        io.stdout(USAGE);
        return EXIT_OK;
      }
      return await test(parseTestArgs(rest), io);
    }
    throw new UsageError(`unknown command '${command}'`);
  } catch (error) {
    if (error instanceof MissingPathError) {
      io.stderr(`moonstep: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      io.stderr(`moonstep: ${error.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
