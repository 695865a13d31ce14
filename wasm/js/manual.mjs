// imagegate/manual: the same API as 'imagegate', without loading the wasm core on import. Call
// `await init({ wasmURL })` (or `{ wasmBinary }`, or `{ wasmModule }` with a precompiled WebAssembly.Module) before
// the synchronous helpers; createClient() awaits init() itself. Nothing is read or fetched at evaluation and no node:
// module is imported, so this entry loads in any runtime (workerd included).
import './packaged-wasm.mjs';

export * from './api.mjs';
export { init } from './core.mjs';
