// Prepended outside the emscripten factory (--extern-pre-js): the ES6 glue expects CommonJS's
// require/__dirname/__filename under node. Top-level await is legal here because this is module scope.
const __em_isNode = typeof process == 'object' && typeof process.versions == 'object' &&
                    typeof process.versions.node == 'string' && typeof window == 'undefined';
const require = __em_isNode ? (await import('node:module')).createRequire(import.meta.url) : undefined;
const __filename = __em_isNode ? require('node:url').fileURLToPath(import.meta.url) : '';
const __dirname = __em_isNode ? require('node:path').dirname(__filename) : '';
// emscripten_fetch uses XMLHttpRequest, which node lacks: give the glue (and only the glue: this binding is
// module-scoped, no global is touched) the package's small XMLHttpRequest over node:http/https.
const XMLHttpRequest = typeof globalThis.XMLHttpRequest === 'function' ? globalThis.XMLHttpRequest
  : __em_isNode ? (await import(new URL('../js/node-xhr.mjs', import.meta.url).href)).NodeXMLHttpRequest : undefined;
