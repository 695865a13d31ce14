// imagegate: the public API. Importing this entry loads the wasm core, so every function is ready to call.
// This file is the entry for browsers and bundlers (the "browser" and "default" conditions): the .wasm is fetched
// from next to the glue (new URL(..., import.meta.url), which Vite and webpack rewrite to their emitted asset).
// node, Deno and Bun get js/node.mjs, Cloudflare Workers and Vercel Edge js/edge.mjs (package.json "exports").
// To load the .wasm from elsewhere, import 'imagegate/manual' instead and await init({ wasmURL | wasmBinary |
// wasmModule }) first.
import './packaged-wasm.mjs';
import { init } from './core.mjs';

export * from './api.mjs';
export { init } from './core.mjs';

await init();
