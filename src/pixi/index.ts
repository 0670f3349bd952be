// moonstep's pixi.js integration. Importing this module registers nothing by itself;
// call registerMoonstepPixi() once before creating the Application.
import { extensions } from 'pixi.js';
import { ScriptingPlugin } from './ScriptingPlugin';

export { ScriptingPlugin } from './ScriptingPlugin';
export { ScriptingController } from './ScriptingController';
export type { ScriptingOptions, RuntimeView } from './ScriptingController';

let registered = false;

/** Registers the moonstep Application plugin with pixi (idempotent). */
export function registerMoonstepPixi(): void {
  if (registered) return;
  registered = true;
  extensions.add(ScriptingPlugin);
}
export { ErrorOverlay } from './ErrorOverlay';
export type { OverlayEntry } from './ErrorOverlay';
export { Inspector } from './Inspector';
export type { InspectorOptions, InspectedEntity } from './Inspector';
export { EntityView, pixiAssetLoader } from './EntityView';
export type { EntityViewOptions } from './EntityView';
export { attachKeyboard } from '../input/KeyboardInput';
export { TiledMapView } from './TiledMapView';
