// Loads the wasm core once and hands out the raw embind module to the other wrapper files.
// Internal: nothing here is part of the public API.
import createImagegateModule from '../dist/imagegate_wasm.mjs';
import { ImagegateError } from './errors.mjs';

export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined';

const defaultWasmURL = new URL('../dist/imagegate_wasm.wasm', import.meta.url);

async function instantiate({ wasmURL, wasmBinary } = {}) {
  const options = {};
  if (wasmBinary) {
    options.wasmBinary = wasmBinary instanceof ArrayBuffer ? new Uint8Array(wasmBinary) : wasmBinary;
  } else if (isNode && (!wasmURL || String(wasmURL).startsWith('file:'))) {
    // emscripten 3.1.6 would fetch() a file: URL under node 20 and fail; hand it the bytes instead.
    const { readFile } = await import('node:fs/promises');
    options.wasmBinary = await readFile(wasmURL ? new URL(String(wasmURL)) : defaultWasmURL);
  } else {
    const href = wasmURL ? new URL(String(wasmURL), globalThis.location?.href ?? defaultWasmURL).href : defaultWasmURL.href;
    options.locateFile = (name) => (name.endsWith('.wasm') ? href : name);
  }
  return createImagegateModule(options);
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
 * Loads the wasm core. The main entry ('imagegate') calls it with no options on import; 'imagegate/manual'
 * leaves it to the caller so the .wasm can come from elsewhere (a CDN, a bundler's asset URL, bytes).
 * Options: wasmURL (URL or string), wasmBinary (bytes). Later calls return the first call's promise.
 */
export function init(options) {
  loading ??= instantiate(options).then((m) => {
    wasm = m;
    version = m.version();
    kinds = { request: m.RequestKind, parse: m.ParseKind };
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
