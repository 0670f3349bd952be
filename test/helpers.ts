import { afterEach } from 'vitest';
import { createRuntime, MapScriptLoader, type LuaRuntimeError, type RuntimeOptions } from '../src/index';
import type { Runtime } from '../src/runtime/Runtime';

const open: Runtime[] = [];
afterEach(() => {
  for (const rt of open.splice(0)) rt.close();
});

/** A runtime whose prints and errors are collected; closed after each test. */
export async function start(options: RuntimeOptions = {}, modules: Record<string, string> = {}) {
  const rt = await createRuntime({ scriptRoots: [new MapScriptLoader(modules)], ...options });
  open.push(rt);
  const prints: string[] = [];
  const errors: LuaRuntimeError[] = [];
  rt.on('print', (t) => prints.push(t));
  rt.on('error', (e) => errors.push(e));
  return {
    rt,
    prints,
    errors,
    /** Runs Lua source as a main chunk named `chunk`. */
    run: (source: string, chunk = 'test.lua') => rt.runSource(source, chunk),
    /** Runs `n` steps. */
    steps: (n: number) => {
      for (let i = 0; i < n; i++) rt.step();
    },
    /** Prints so far, then clears them. */
    take: () => prints.splice(0),
  };
}

/** Lets settled promises and queued microtasks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Runs `n` steps, letting host promises settle before each (host calls, level and asset loads). */
export async function settleSteps(steps: (n: number) => void, n = 3): Promise<void> {
  for (let i = 0; i < n; i++) {
    await flush();
    steps(1);
  }
}
