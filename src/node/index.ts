// Node-only helpers (not in the browser build).
export { FsScriptLoader } from './FsScriptLoader';
