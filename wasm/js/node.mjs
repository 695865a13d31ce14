// imagegate for node, Deno and Bun (the "node", "deno" and "bun" conditions): the node host first (reads the
// packaged .wasm from disk, gives emscripten_fetch an XMLHttpRequest over node:http), then the same entry as
// everywhere else.
import './node-host.mjs';

export * from './index.mjs';
