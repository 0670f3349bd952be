import { Application } from 'pixi.js';
import { createRuntime, type LuaRuntimeError } from '../src/index';
import { ErrorOverlay, Inspector, registerMoonstepPixi } from '../src/pixi/index';
import { connectLuaHotReload } from '../src/vite/hotReload';
import { bundledScripts } from './scripts';
import { determinismDigest } from './determinismScene';

/** What the page exposes for its browser tests (read-only use). */
export interface DemoTestHook {
  ready: boolean;
  prints: Array<{ frame: number; text: string }>;
  errors: string[];
  frame(): number;
  /** Runs a Lua chunk in the page's runtime (tests use it to provoke errors). */
  runLua(source: string, chunkName: string): void;
  /** What the error overlay shows. */
  overlay(): Array<{ where: string; message: string }>;
  /** Runs the shared determinism scene in a fresh runtime and returns its digest. */
  determinismDigest(steps: number, seed: number): Promise<string>;
}

declare global {
  interface Window {
    __moonstep?: DemoTestHook;
  }
}

async function main(): Promise<void> {
  const fill = document.querySelector<HTMLElement>('#loading .fill')!;
  const scripts = bundledScripts();
  const runtime = await createRuntime({ hz: 60, scriptRoots: [scripts] });
  fill.style.width = '50%';

  const overlay = new ErrorOverlay(runtime);
  const inspector = new Inspector(runtime);
  const hook: DemoTestHook = {
    ready: false,
    prints: [],
    errors: [],
    frame: () => runtime.frame,
    runLua: (source, chunkName) => runtime.runSource(source, chunkName),
    overlay: () => overlay.shown.map(({ where, message }) => ({ where, message })),
    determinismDigest,
  };
  window.__moonstep = hook;
  runtime.on('print', (text) => {
    hook.prints.push({ frame: runtime.frame, text });
    console.log(`[lua] ${text}`);
  });
  runtime.on('error', (error: LuaRuntimeError) => {
    hook.errors.push(error.message);
    console.warn(`[lua error] ${error.message}\n${error.traceback}`);
  });

  registerMoonstepPixi();
  const app = new Application();
  await app.init({ background: '#10131a', resizeTo: window, scripting: { runtime, views: [inspector] } });
  document.querySelector('#game')!.appendChild(app.canvas);

  connectLuaHotReload(import.meta.hot, (update) => scripts.set(update.path, update.source));

  runtime.runScript('demo.main');
  fill.style.width = '100%';
  document.querySelector('#loading')!.classList.add('done');
  hook.ready = true;
}

main().catch((error: unknown) => {
  console.error(error);
  document.querySelector('#loading .label')!.textContent = `Failed to start: ${String(error)}`;
});
