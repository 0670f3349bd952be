// moonstep public API. Everything not exported here is internal.
export { Runtime } from './runtime/Runtime';
export type { RuntimeOptions, RuntimeLimits, ModOptions, RuntimeStats, HostAsyncFunction, RunawayPolicy, InspectorSnapshot, StepProfile, ReplayLog, LevelSource } from './runtime/Runtime';
export { AssetCatalog } from './assets/AssetCatalog';
export type { AssetManifest, AssetInfo, AssetLoader, AssetProgress, LoadedAsset } from './assets/AssetCatalog';
export { InputState } from './input/InputState';
export type { InputSnapshot } from './input/InputState';
export { ViewMirror } from './entities/ViewMirror';
export type { EntityView, ViewChanges } from './entities/ViewMirror';
export { parseLevel } from './entities/LevelFile';
export { parseTiledMap, isTiledMap, TILED_LIMITS } from './entities/TiledMap';
export type { TiledMap, TiledTileLayer, TiledTile, TiledTileset } from './entities/TiledMap';
export type { LevelData, LevelEntity, SpawnItem, LevelChecks } from './entities/LevelFile';
export { TraceDigest } from './runtime/TraceDigest';
export type { RuntimeEvents, LagEvent, TraceRecord } from './events/RuntimeEvents';
export { FixedStepClock } from './scheduler/FixedStepClock';
export type { AdvanceResult } from './scheduler/FixedStepClock';
export { MapScriptLoader, modulePaths } from './scripts/ScriptLoader';
export type { ScriptLoader, ScriptSource } from './scripts/ScriptLoader';
export {
  MoonstepError,
  RuntimeClosedError,
  ScriptNotFoundError,
  LuaSyntaxError,
  LuaRuntimeError,
  ScriptTimeoutError,
  ScriptMemoryError,
  ValueConversionError,
  LevelError,
} from './vm/errors';
export type { LuaLocation, ScriptErrorSource } from './vm/errors';
export type { PlainValue } from './vm/LuaVm';

import type { RuntimeOptions } from './runtime/Runtime';
import { Runtime } from './runtime/Runtime';

/** Creates a runtime (same as {@link Runtime.create}). */
export function createRuntime(options?: RuntimeOptions): Promise<Runtime> {
  return Runtime.create(options);
}
