// Loads the wasm core once and hands out the raw embind module to the other wrapper files.
// Internal: nothing here is part of the public API.
import createImagegateModule from '../dist/imagegate_wasm.mjs';

export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined';

const defaultWasmURL = new URL('../dist/imagegate_wasm.wasm', import.meta.url);

async function instantiate() {
  const options = {};
  if (isNode) {
    // emscripten 3.1.6 would fetch() a file: URL under node 20 and fail; hand it the bytes instead.
    const { readFile } = await import('node:fs/promises');
    options.wasmBinary = await readFile(defaultWasmURL);
  } else {
    options.locateFile = (name) => (name.endsWith('.wasm') ? defaultWasmURL.href : name);
  }
  return createImagegateModule(options);
}

/** The instantiated embind module. */
export const wasm = await instantiate();

/**
 * Copies `bytes` into a fresh heap block and calls `fn(ptr, len)`; the block is freed afterwards.
 * Strings are written one byte per UTF-16 unit (non-ASCII units become 0xFF, which no decoder accepts),
 * so positions reported by the core are string indices.
 */
export function withHeapCopy(input, fn) {
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
  const ptr = wasm._malloc(Math.max(size, 1));
  if (ptr === 0) throw new RangeError(`imagegate: cannot allocate ${size} bytes in the wasm heap`);
  try {
    return fn(ptr);
  } finally {
    wasm._free(ptr);
  }
}
