// imagegate/manual: the same API as 'imagegate', without loading the wasm core on import. Call
// `await init({ wasmURL })` (or `{ wasmBinary }`) before the synchronous helpers; createClient() awaits it itself.
export * from './api.mjs';
export { init } from './core.mjs';
