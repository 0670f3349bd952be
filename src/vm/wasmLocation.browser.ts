// In a vite build the wasm file becomes a hashed asset served by the app itself,
// never fetched from a CDN.
import wasmUrl from 'wasmoon/dist/glue.wasm?url';

/** In the browser the wasm file is the asset that vite emitted for it. */
export function defaultWasmLocation(): string | undefined {
  return wasmUrl;
}
