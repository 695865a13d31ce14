// Prepended outside the emscripten factory (--extern-pre-js), at the glue's module scope. The glue reads these
// names as free variables; declared here, they shadow the globals, so the glue sees only what the package hands it
// through _setHost() before the factory runs (wasm/js/core.mjs):
//  - in node proper, js/node-host.mjs passes node's require/__filename/__dirname/process and the package's
//    XMLHttpRequest over node:http (js/node-xhr.mjs);
//  - everywhere else `process` stays undefined, so the glue never takes its node path where a `process` polyfill
//    exists (Cloudflare's nodejs_compat, bundlers' shims), and XMLHttpRequest is the runtime's own, if it has one.
// No import statement and no module URL here: browser bundlers and workerd see no node: module, and nothing runs
// at module evaluation that needs a URL.
var require, __filename = '', __dirname = '', process, XMLHttpRequest;
export function _setHost(host) {
  require = host.require; __filename = host.__filename || ''; __dirname = host.__dirname || '';
  process = host.process; XMLHttpRequest = host.XMLHttpRequest;
}
