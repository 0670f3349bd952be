// Node-only helpers (not in the browser build).
export { FsScriptLoader } from './FsScriptLoader';
export { manifestFromDirectory, fsAssetLoader, levelsFromDirectory } from './FsAssets';
