// imagegate for Cloudflare Workers ("workerd", "worker") and Vercel's Edge Runtime / Next.js edge routes
// ("edge-light"). These runtimes refuse to compile wasm from bytes ("Wasm code generation disallowed by embedder"):
// the .wasm is imported as a module, which the platform's bundler (wrangler, Next.js) uploads and compiles ahead of
// time, so the import yields a WebAssembly.Module. `?module` is the form both understand.
import wasmModule from '../dist/imagegate_wasm.wasm?module';
import { init } from './core.mjs';

export * from './api.mjs';
export { init } from './core.mjs';

await init({ wasmModule });
