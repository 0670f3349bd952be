import { createRuntime } from '../index';
import type { RuntimeOptions } from '../runtime/Runtime';
import type { RuntimeChunk } from '../runtime/boot';
import specLua from './spec.lua?raw';

/** The spec API chunk (describe / it / expect / step / press / release). */
export const SPEC_CHUNK: RuntimeChunk = { field: 'spec', chunkName: 'moonstep/spec.lua', source: specLua };

/** The result of one `it`. */
export interface SpecResult {
  readonly file: string;
  readonly name: string;
  readonly passed: boolean;
  /** Why it failed: `file:line: expected ...`, a Lua error, or a timeout. */
  readonly message?: string;
  readonly traceback?: string;
  /** Errors other callbacks (timers, entities) raised during the test. */
  readonly errors: string[];
  /** What the test printed. */
  readonly prints: string[];
  /** Warnings during the test (likely mistakes: a misspelled hook, an unknown input action, …). */
  readonly warnings: string[];
  /** Steps the test ran. */
  readonly steps: number;
}

/** Options for {@link runSpecFile}. */
export interface SpecOptions extends Omit<RuntimeOptions, 'chunks'> {
  /** Most steps one test may run before it fails as unfinished. Default 36,000 (10 minutes at 60 Hz). */
  maxSteps?: number;
}

/**
 * Lets the host promises started so far (host functions, asset and level loads) settle; the
 * spec runner and `moonstep run` wait so before each step, so both apply a load started in
 * step k at the start of step k + 1.
 */
export const settleHostCalls = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Runs the tests of one spec module (`moduleName`, found in `options.scriptRoots`), each in a
 * fresh runtime: the file is loaded, the one test is started as a task, and the runtime is
 * stepped until the test finishes. Deterministic: the same file gives the same results.
 */
export async function runSpecFile(moduleName: string, options: SpecOptions = {}): Promise<SpecResult[]> {
  const { maxSteps = 36_000, ...runtimeOptions } = options;
  const file = `${moduleName.replace(/\./g, '/')}.lua`;
  const names = await withRuntime(runtimeOptions, async (rt, errors) => {
    rt.runScript(moduleName);
    const loadErrors = errors.splice(0);
    if (loadErrors.length > 0) throw new Error(loadErrors.join('\n'));
    // An empty Lua table reads as an empty object, not an array: a file with no tests.
    const listed = rt.callExtension('spec_list')[0];
    return Array.isArray(listed) ? (listed as string[]) : [];
  }).catch((error: Error) => error);
  if (names instanceof Error) {
    return [{ file, name: '(loading the file)', passed: false, message: names.message, errors: [], prints: [], warnings: [], steps: 0 }];
  }
  const results: SpecResult[] = [];
  for (const [i, name] of names.entries()) {
    results.push(
      await withRuntime(runtimeOptions, async (rt, errors, prints, warnings) => {
        rt.runScript(moduleName);
        errors.length = 0; // reported once, when listing
        prints.length = 0;
        rt.callExtension('spec_start', [i + 1]);
        let steps = 0;
        let [status, message, traceback] = rt.callExtension('spec_status', [], 3) as string[];
        while (status === 'running' && steps < maxSteps) {
          if (rt.pendingHostCallCount > 0) await settleHostCalls();
          rt.step();
          steps++;
          [status, message, traceback] = rt.callExtension('spec_status', [], 3) as string[];
        }
        if (status === 'running') {
          const [where] = rt.callExtension('spec_where') as string[];
          const message = `did not finish within ${maxSteps} steps (still waiting at ${where})`;
          return { file, name, passed: false, message, errors: [...errors], prints: [...prints], warnings: [...warnings], steps };
        }
        const passed = status === 'passed' && errors.length === 0;
        return {
          file,
          name,
          passed,
          message: status === 'failed' ? message : errors.length > 0 ? `${errors.length} error(s) in callbacks during the test` : undefined,
          traceback: status === 'failed' ? traceback : undefined,
          errors: [...errors],
          prints: [...prints],
          warnings: [...warnings],
          steps,
        };
      }),
    );
  }
  return results;
}

async function withRuntime<T>(
  options: RuntimeOptions,
  body: (rt: Awaited<ReturnType<typeof createRuntime>>, errors: string[], prints: string[], warnings: string[]) => Promise<T>,
): Promise<T> {
  const rt = await createRuntime({ ...options, chunks: [SPEC_CHUNK] });
  const errors: string[] = [];
  const prints: string[] = [];
  rt.on('error', (e) => errors.push(e.message));
  const warnings: string[] = [];
  rt.on('print', (text) => prints.push(text));
  rt.on('warning', (text) => warnings.push(text));
  try {
    return await body(rt, errors, prints, warnings);
  } finally {
    rt.close();
  }
}
