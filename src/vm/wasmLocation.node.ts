import { createRequire } from 'node:module';

/** Under Node the wasm file is read straight from the installed wasmoon package. */
export function defaultWasmLocation(): string | undefined {
  return createRequire(import.meta.url).resolve('wasmoon/dist/glue.wasm');
}
