import { UPDATE_PRIORITY, type Application, type Ticker } from 'pixi.js';
import type { Runtime } from '../runtime/Runtime';

/** Something that draws the runtime's state after steps ran (e.g. the entity view). */
export interface RuntimeView {
  /** Called after each Ticker frame's steps; `alpha` ∈ [0, 1) is the fraction of the next step. */
  sync(alpha: number): void;
  /** Releases display objects. */
  destroy(): void;
  /** Optional: hears how long all views' sync took this frame (ms), for diagnostics. */
  reportSyncTime?(ms: number): void;
}

/** Options of the `scripting` field of `app.init({ ... })`. */
export interface ScriptingOptions {
  /** The runtime to drive. */
  runtime: Runtime;
  /** Views synced after the steps of each frame, in order (e.g. an `EntityView`). */
  views?: RuntimeView[];
  /** Start driving at once (default true); else call `app.scripting.start()`. */
  autoStart?: boolean;
}

/**
 * Drives a {@link Runtime} from a pixi Ticker: each frame feeds the Ticker's raw `elapsedMS`
 * (neither capped by `minFPS` nor scaled by `ticker.speed`: the runtime's
 * `maxStepsPerAdvance` and `timeScale` decide) to `runtime.advance()`, then syncs the views,
 * before the frame renders. Created by the `ScriptingPlugin` as `app.scripting`.
 */
export class ScriptingController {
  /** The runtime being driven. */
  readonly runtime: Runtime;
  /** Views synced after each frame's steps. */
  readonly views: RuntimeView[];
  private running = false;
  /** Milliseconds the last frame spent running steps and syncing views (diagnostics). */
  lastTickMs = 0;
  // elapsedMS, not deltaMS: deltaMS is capped at 1000 / minFPS and multiplied by ticker.speed,
  // which would drop a long frame's time silently (the `lag` event would under-report) and add
  // a second time scale beside runtime.timeScale. The runtime's clock has the one drop policy.
  private readonly tick = (ticker: Ticker) => this.onTick(ticker.elapsedMS);

  constructor(private readonly app: Application, options: ScriptingOptions) {
    this.runtime = options.runtime;
    this.views = [...(options.views ?? [])];
    if (options.autoStart ?? true) this.start();
  }

  /** Starts advancing the runtime on every Ticker frame. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Before the render (LOW priority), after user-interaction handlers (INTERACTION).
    this.app.ticker.add(this.tick, undefined, UPDATE_PRIORITY.HIGH);
  }

  /** Stops advancing (the game freezes; rendering goes on). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.app.ticker.remove(this.tick);
  }

  /** Adds a view synced after each frame's steps. */
  addView(view: RuntimeView): void {
    this.views.push(view);
  }

  /**
   * One Ticker frame: run the steps `deltaMs` made due, then sync the views. Public so a
   * test or a custom loop can drive it by hand.
   */
  onTick(deltaMs: number): void {
    if (this.runtime.closed) return;
    // Diagnostics only (never seen by scripts): the frame's script time, and the views' share.
    const started = performance.now();
    this.runtime.advance(deltaMs);
    const alpha = this.runtime.clock.alpha;
    const stepped = performance.now();
    for (const view of this.views) view.sync(alpha);
    const ended = performance.now();
    this.lastTickMs = ended - started;
    for (const view of this.views) view.reportSyncTime?.(ended - stepped);
  }

  /** Stops and destroys the views (the runtime is the host's to close). */
  destroy(): void {
    this.stop();
    for (const view of this.views) view.destroy();
    this.views.length = 0;
  }
}
