// Loads the wasm core once and hands out the raw embind module to the other wrapper files.
// Internal: nothing here is part of the public API.
//
// One way in for every runtime: the wasm is turned into a WebAssembly.Module (given as is in Workers and Edge,
// compiled from bytes in node, from a fetch() in browsers) and instantiated by the glue's instantiateWasm hook.
// Nothing here reads a module URL or imports a node: module; the entries decide the rest:
// js/index.mjs (browsers, bundlers), js/node.mjs (node, Deno, Bun: js/node-host.mjs), js/edge.mjs (workerd, Vercel
// Edge: a `.wasm?module` import).
import createImagegateModule, { _setHost } from '../dist/imagegate_wasm.mjs';
import { ImagegateError } from './errors.mjs';

/**
 * What the node entry (js/node-host.mjs) installed: { readFile(url) → bytes, glue: { require, __filename,
 * __dirname, process, XMLHttpRequest } }, or null outside node.
 */
let nodeHost = null;
/** Internal (js/node-host.mjs): use node's file system for file: URLs and give the glue its node names. */
export function _useNodeHost(host) { nodeHost = host; }

/** The XMLHttpRequest the glue's emscripten_fetch uses (null where there is none: then fetch() carries requests). */
export let glueXMLHttpRequest = null;
let glueHost = null;
function setGlueHost(host) {
  glueHost = host;
  _setHost(host);
  glueXMLHttpRequest = typeof host.XMLHttpRequest === 'function' ? host.XMLHttpRequest : null;
}
/**
 * Internal (tests): give the glue another XMLHttpRequest (undefined: none, as in workerd) and return the previous one,
 * so a test can run this runtime as one without XMLHttpRequest, or with a broken one.
 */
export function _replaceGlueXMLHttpRequest(X) {
  const previous = glueHost.XMLHttpRequest;
  setGlueHost({ ...glueHost, XMLHttpRequest: X });
  return previous;
}

// The packaged .wasm's URL, registered by the entries that load by URL (js/packaged-wasm.mjs); null in the
// Workers/Edge entry, which passes a module.
let packagedWasmURL = null;
/** Internal (js/packaged-wasm.mjs). */
export function _setPackagedWasmURL(fn) { packagedWasmURL = fn; }
function defaultWasmURL() {
  const url = packagedWasmURL?.() ?? null;
  if (!url) throw new Error('this runtime gives modules no URL to find the .wasm by: pass init({ wasmModule }) (a WebAssembly.Module), wasmBinary or wasmURL');
  return url;
}

// By its brand, not instanceof: a module compiled by the host (Next.js's and edge-runtime's sandboxes compile the
// .wasm outside the function's realm) is not an instance of the realm's own WebAssembly.Module.
const isModule = (m) => Object.prototype.toString.call(m) === '[object WebAssembly.Module]';

/** A WebAssembly.Module from init()'s options (one of wasmModule, wasmBinary, wasmURL; else the packaged file). */
async function compile({ wasmModule, wasmBinary, wasmURL } = {}) {
  if (wasmModule !== undefined) {
    if (!isModule(wasmModule)) throw new TypeError('`wasmModule` must be a WebAssembly.Module');
    return wasmModule;
  }
  if (wasmBinary !== undefined) {
    if (!(wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(wasmBinary))) {
      throw new TypeError('`wasmBinary` must be an ArrayBuffer or a typed array');
    }
    return WebAssembly.compile(wasmBinary);
  }
  const page = typeof location === 'object' && location?.href ? location.href : undefined;
  // A relative wasmURL is relative to the page, or else to the package's own .wasm.
  const url = wasmURL === undefined ? defaultWasmURL()
    : URL.canParse?.(String(wasmURL)) ? new URL(String(wasmURL)) : new URL(String(wasmURL), page ?? defaultWasmURL());
  if (url.protocol === 'file:' && nodeHost) return WebAssembly.compile(await nodeHost.readFile(url));
  const response = await fetch(url.href, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url.href} answered HTTP ${response.status}`);
  // compileStreaming needs the application/wasm type; a server that sends another still gets its bytes compiled.
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(response.headers.get('content-type') || '')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function instantiate(options) {
  const module = await compile(options);
  const glue = nodeHost?.glue ?? {
    XMLHttpRequest: typeof globalThis.XMLHttpRequest === 'function' ? globalThis.XMLHttpRequest : undefined,
  };
  setGlueHost(glue);
  let failed;
  const failure = new Promise((resolve, reject) => { failed = reject; });
  const ready = createImagegateModule({
    // The glue calls this instead of loading anything itself; it waits for receive(instance).
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(module, imports).then((instance) => receive(instance)).catch(failed);
      return {};
    },
  });
  return Promise.race([ready, failure]);
}

/** The instantiated embind module (a live binding: null until init() has resolved). */
export let wasm = null;
/** The package version, as compiled into the core (null until init() has resolved). */
export let version = null;
/**
 * The kinds the bindings take, as registered there once (wasm/bindings/kinds.hpp): `kinds.request.images |
 * chat | chatStream` (which body buildRequest makes) and `kinds.parse.json | images | chat` (how a response is
 * parsed). Null until init() has resolved.
 */
export let kinds = null;
let loading = null;

/**
 * Loads the wasm core. The entries call it on import ('imagegate'); 'imagegate/manual' leaves it to the caller so
 * the .wasm can come from elsewhere (a CDN, a bundler's asset URL, bytes, a module the runtime compiled).
 * Options: wasmModule (a WebAssembly.Module), wasmBinary (bytes), wasmURL (URL or string). Later calls return the
 * first call's promise.
 */
export function init(options) {
  loading ??= instantiate(options).then((m) => {
    wasm = m;
    version = m._version();
    kinds = { request: m._RequestKind, parse: m._ParseKind };
    // Resolves to nothing: the raw embind module is internal (its exports are not API).
  }, (err) => {
    loading = null;  // let a later call retry (e.g. after a network failure)
    throw new ImagegateError(`imagegate: could not load the wasm core: ${err?.message ?? err}`, { cause: err });
  });
  return loading;
}

/** The embind module, or a clear error when imagegate/manual's init() has not resolved yet. */
export function requireCore() {
  if (!wasm) throw new ImagegateError('imagegate: the wasm core is not loaded yet: await init() first (imagegate/manual)');
  return wasm;
}

/**
 * Copies `bytes` into a fresh heap block and calls `fn(ptr, len)`; the block is freed afterwards.
 * Strings are written one byte per UTF-16 unit (non-ASCII units become 0xFF, which no decoder accepts),
 * so positions reported by the core are string indices.
 */
export function withHeapCopy(input, fn) {
  requireCore();
  const len = input.length;
  const ptr = wasm._malloc(Math.max(len, 1));
  if (ptr === 0) throw new RangeError(`imagegate: cannot allocate ${len} bytes in the wasm heap`);
  try {
    if (typeof input === 'string') writeAsciiString(input, ptr);
    else wasm.HEAPU8.set(input, ptr);
    return fn(ptr, len);
  } finally {
    wasm._free(ptr);
  }
}

const encoder = new TextEncoder();
function writeAsciiString(s, ptr) {
  // encodeInto is native and fast; it is exact when every unit is ASCII (one byte each).
  const view = wasm.HEAPU8.subarray(ptr, ptr + s.length);
  const { read, written } = encoder.encodeInto(s, view);
  if (read === s.length && written === s.length) return;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    view[i] = c < 0x80 ? c : 0xff;
  }
}

/** Allocates `size` heap bytes, runs `fn(ptr)`, frees them. */
export function withHeapBlock(size, fn) {
  requireCore();
  const ptr = wasm._malloc(Math.max(size, 1));
  if (ptr === 0) throw new RangeError(`imagegate: cannot allocate ${size} bytes in the wasm heap`);
  try {
    return fn(ptr);
  } finally {
    wasm._free(ptr);
  }
}
