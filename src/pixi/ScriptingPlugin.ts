import { ExtensionType, type Application, type ApplicationOptions } from 'pixi.js';
import { ScriptingController, type ScriptingOptions } from './ScriptingController';

declare global {
  namespace PixiMixins {
    interface Application {
      /** Present when `app.init({ scripting: { runtime } })` was given: drives the Lua runtime. */
      scripting?: ScriptingController;
    }
    interface ApplicationOptions {
      /** Drive a moonstep runtime from this application's Ticker. */
      scripting?: ScriptingOptions;
    }
  }
}

/**
 * pixi.js Application plugin: `await app.init({ scripting: { runtime, views } })` adds
 * `app.scripting`, a {@link ScriptingController} that advances the runtime every frame and
 * syncs the views before rendering. Register it once with `extensions.add(ScriptingPlugin)`
 * (done by `registerMoonstepPixi()`).
 */
export class ScriptingPlugin {
  /** @ignore */
  static extension = ExtensionType.Application;

  /** Called by pixi with the `init()` options, `this` being the Application. */
  static init(this: Application, options: Partial<ApplicationOptions>): void {
    const scripting = options.scripting;
    if (!scripting) return;
    this.scripting = new ScriptingController(this, scripting);
  }

  /** Called by pixi on `app.destroy()`. */
  static destroy(this: Application): void {
    this.scripting?.destroy();
    this.scripting = undefined;
  }
}
