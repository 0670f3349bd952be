import { Application, Container, Graphics } from 'pixi.js';
import { createRuntime, parseTiledMap, type LuaRuntimeError } from '../src/index';
import { EntityView, ErrorOverlay, Inspector, TiledMapView, attachKeyboard, pixiAssetLoader, registerMoonstepPixi } from '../src/pixi/index';
import { connectLuaHotReload } from '../src/vite/hotReload';
import { bundledScripts } from './scripts';
import { determinismDigest } from './determinismScene';
import { Hud } from './hud';

/** The arena's size in game units; the page scales it to fit the window. */
const ARENA = { width: 800, height: 600 };

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
  /** Live entities (id, name, script, game position). */
  entities(): Array<{ id: number; name: string; script: string; x: number; y: number }>;
  /** Where entity `id`'s sprite is on the canvas (CSS pixels), if it has one. */
  screenPosition(id: number): { x: number; y: number } | null;
  /** Number of sprites drawn. */
  spriteCount(): number;
  /** Where the arena point (x, y) in game units is on the canvas (CSS pixels). */
  arenaToScreen(x: number, y: number): { x: number; y: number };
  /** The colour [r, g, b] rendered at canvas position (x, y) in CSS pixels. */
  pixelAt(x: number, y: number): [number, number, number];
  /** Frames per second the page renders at, and the milliseconds the last frame spent in scripts and view sync. */
  frameStats(): { fps: number; scriptMs: number };
}

declare global {
  interface Window {
    __moonstep?: DemoTestHook;
  }
}

/** Sprite URLs, bundled by vite: name (file name without extension) → URL. */
const spriteUrls = import.meta.glob<string>('/assets/sprites/*.png', { eager: true, query: '?url', import: 'default' });
/** Level files, bundled: plain levels (.json) and Tiled maps (.tmj), name → JSON text. */
const levelFiles = import.meta.glob<string>(['/assets/levels/*.json', '/assets/levels/*.tmj'], { eager: true, query: '?raw', import: 'default' });

const baseName = (path: string) => path.replace(/^.*\//, '').replace(/\.[^.]+$/, '');

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const stress = params.has('stress') ? Number(params.get('stress')) || 2000 : 0;
  const fill = document.querySelector<HTMLElement>('#loading .fill')!;
  const label = document.querySelector<HTMLElement>('#loading .label')!;

  const scripts = bundledScripts();
  const runtime = await createRuntime({
    hz: 60,
    scriptRoots: [scripts],
    assets: Object.fromEntries(Object.entries(spriteUrls).map(([path, url]) => [baseName(path), url])),
    assetLoader: pixiAssetLoader,
    levels: Object.fromEntries(Object.entries(levelFiles).map(([path, data]) => [baseName(path), data])),
  });

  const overlay = new ErrorOverlay(runtime);
  const inspector = new Inspector(runtime);
  const entityView = new EntityView(runtime, { interpolate: params.has('smooth') });
  const hud = new Hud(document.body, stress > 0);
  const hook: DemoTestHook = {
    ready: false,
    prints: [],
    errors: [],
    frame: () => runtime.frame,
    runLua: (source, chunkName) => runtime.runSource(source, chunkName),
    overlay: () => overlay.shown.map(({ where, message }) => ({ where, message })),
    determinismDigest,
    entities: () => runtime.inspect().entities.map(({ id, name, script, x, y }) => ({ id, name, script, x, y })),
    screenPosition: (id) => {
      const sprite = entityView.spriteOf(id);
      if (!sprite) return null;
      const p = sprite.getGlobalPosition();
      return { x: p.x, y: p.y };
    },
    spriteCount: () => entityView.size,
    arenaToScreen: (x, y) => ({ x, y }),
    pixelAt: () => [0, 0, 0],
    frameStats: () => ({ fps: 0, scriptMs: 0 }),
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
  runtime.on('lua:hud', (score, lives, wave) => hud.status(Number(score), Number(lives), Number(wave)));
  runtime.on('lua:banner', (text, seconds) => hud.banner(String(text), Number(seconds)));
  runtime.on('lua:boss_hp', (hp, max) => hud.bossHp(Number(hp), Number(max)));

  // Assets first, with progress.
  label.textContent = 'Loading sprites…';
  await runtime.assets.preload((loaded, total) => {
    fill.style.width = `${Math.round((100 * loaded) / total)}%`;
  });

  registerMoonstepPixi();
  const app = new Application();
  await app.init({ background: '#0b0e14', resizeTo: window, scripting: { runtime, views: [entityView, inspector] } });
  document.querySelector('#game')!.appendChild(app.canvas);
  hook.frameStats = () => ({ fps: app.ticker.FPS, scriptMs: app.scripting!.lastTickMs });
  hook.pixelAt = (x, y) => {
    const canvas = app.renderer.extract.canvas({ target: app.stage, frame: app.screen }) as HTMLCanvasElement;
    const ctx = canvas.getContext('2d')!;
    const r = app.renderer.resolution;
    const [red, green, blue] = ctx.getImageData(Math.round(x * r), Math.round(y * r), 1, 1).data;
    return [red!, green!, blue!];
  };

  // The arena: a framed 800×600 world scaled to fit the window.
  const world = new Container();
  const frame = new Graphics().rect(0, 0, ARENA.width, ARENA.height).fill({ color: 0x10131a }).stroke({ color: 0x3b4252, width: 2 });
  const mask = new Graphics().rect(0, 0, ARENA.width, ARENA.height).fill(0xffffff);
  // The station's tile layers (its object layer is entities, drawn by the entity view).
  const station = await TiledMapView.create(parseTiledMap(levelFiles['/assets/levels/station.tmj']!, 'station'), runtime.assets);
  world.addChild(frame, station.container, entityView.container, mask);
  entityView.container.mask = mask;
  app.stage.addChild(world);
  const fit = () => {
    const scale = Math.min(app.screen.width / ARENA.width, app.screen.height / ARENA.height) * 0.96;
    world.scale.set(scale);
    world.position.set((app.screen.width - ARENA.width * scale) / 2, (app.screen.height - ARENA.height * scale) / 2);
  };
  fit();
  app.renderer.on('resize', fit);
  hook.arenaToScreen = (x, y) => {
    const p = world.toGlobal({ x, y });
    return { x: p.x, y: p.y };
  };

  runtime.input.bind({ ArrowLeft: 'left', KeyA: 'left', ArrowRight: 'right', KeyD: 'right', Space: 'fire', ArrowUp: 'fire' });
  attachKeyboard(runtime.input);

  // Hot reload: an edited behaviour is swapped into its live entities (they keep `self`).
  connectLuaHotReload(import.meta.hot, (update) => {
    scripts.set(update.path, update.source);
    const name = update.path.replace(/\.lua$/, '').replace(/\//g, '.');
    const count = runtime.reloadScript(name, update.source, update.path);
    const outcome =
      count < 0 ? 'failed, the old version keeps running'
        : count > 0 ? `${count} entities use the new version`
          : 'no live entity runs it (main scripts take effect on the next page load)';
    console.log(`[moonstep] reloaded ${update.path}: ${outcome}`);
  });

  runtime.runScript('demo.main');
  runtime.emit('start', stress > 0 ? { mode: 'stress', count: stress } : { mode: 'game' });
  document.querySelector('#loading')!.classList.add('done');
  hook.ready = true;
}

main().catch((error: unknown) => {
  console.error(error);
  document.querySelector('#loading .label')!.textContent = `Failed to start: ${String(error)}`;
});
