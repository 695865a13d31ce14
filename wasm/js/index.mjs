// imagegate: the public API. Importing this entry loads the wasm core (next to this file, found with
// new URL(..., import.meta.url)), so every function is ready to call. To load the .wasm from elsewhere, import
// 'imagegate/manual' instead and await init({ wasmURL }) first.
import { init } from './core.mjs';

export * from './api.mjs';
export { init } from './core.mjs';

await init();
