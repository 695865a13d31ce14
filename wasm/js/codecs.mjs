// Low-level codecs: base64 decode/encode and image sniffing, all done by the wasm core.
import { wasm, withHeapCopy, withHeapBlock } from './core.mjs';
import { Base64DecodeError, DataUrlError } from './errors.mjs';

const ALPHABETS = { base64: 0, base64url: 1 };
const LAST_CHUNK = { loose: 0, strict: 1, 'stop-before-partial': 2 };
const WHITESPACE = { skip: true, reject: false };

function pick(table, value, fallback, name) {
  if (value === undefined) return table[fallback];
  if (typeof value !== 'string' || !Object.prototype.hasOwnProperty.call(table, value)) {
    throw new TypeError(`imagegate: ${name} must be one of ${Object.keys(table).map((k) => `'${k}'`).join(', ')}`);
  }
  return table[value];
}

function toBytesOrString(input) {
  if (typeof input === 'string' || input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('imagegate: expected a Uint8Array, an ArrayBuffer or a string');
}

function decodeOptions(options) {
  // As the platform: undefined or an object, each option read once and a string.
  if (options === undefined) options = {};
  else if (options === null || (typeof options !== 'object' && typeof options !== 'function')) {
    throw new TypeError('imagegate: options must be an object');
  }
  return [
    pick(ALPHABETS, options.alphabet, 'base64', 'alphabet'),
    pick(LAST_CHUNK, options.lastChunkHandling, 'loose', 'lastChunkHandling'),
    pick(WHITESPACE, options.whitespace, 'skip', 'whitespace'),
  ];
}

/**
 * Decodes base64 (bytes or a string) into a new Uint8Array.
 * Options follow Uint8Array.fromBase64: alphabet 'base64' | 'base64url', lastChunkHandling 'loose' |
 * 'strict' | 'stop-before-partial'; plus whitespace 'skip' (default) | 'reject'.
 * Throws Base64DecodeError with `code` and `position` (index of the first offending input byte).
 */
export function decodeBase64(input, options) {
  const source = toBytesOrString(input);
  const [alphabet, lastChunk, skipWhitespace] = decodeOptions(options);
  return withHeapCopy(source, (ptr, len) => {
    // In place: no second heap block.
    const r = wasm._decodeBase64Into(ptr, len, ptr, len, alphabet, lastChunk, skipWhitespace);
    if (r.error) throw new Base64DecodeError(r.error, r.position);
    // HEAPU8 read after the call: the heap may have grown.
    return wasm.HEAPU8.slice(ptr, ptr + r.written);
  });
}

// node 20 has no ArrayBuffer.prototype.detached; a view on a detached buffer cannot be made.
function isDetached(buffer) {
  if (typeof buffer.detached === 'boolean') return buffer.detached;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * Decodes base64 into `target` exactly as `target.setFromBase64(input, options)`; returns { read, written }. On an
 * error, the whole chunks before it are written first and the Base64DecodeError also carries `read`/`written`.
 */
export function decodeBase64Into(input, target, options) {
  if (!(target instanceof Uint8Array)) throw new TypeError('imagegate: target must be a Uint8Array');
  const source = toBytesOrString(input);
  const [alphabet, lastChunk, skipWhitespace] = decodeOptions(options);
  if (target.length === 0 && isDetached(target.buffer)) throw new TypeError('imagegate: target is detached');
  return withHeapCopy(source, (ptr, len) => {
    // In place. Output <= 3/4 of the input, so capping maxLength at the input length changes nothing.
    const r = wasm._decodeBase64Bounded(ptr, len, ptr, Math.min(target.length, len), alphabet, lastChunk, skipWhitespace);
    if (r.written > 0) target.set(wasm.HEAPU8.subarray(ptr, ptr + r.written));
    if (r.error) {
      const error = new Base64DecodeError(r.error, r.position);
      error.read = r.consumed;
      error.written = r.written;
      throw error;
    }
    return { read: r.consumed, written: r.written };
  });
}

const latin1 = new TextDecoder('latin1');

/** Encodes bytes as base64. Options: alphabet 'base64' | 'base64url', omitPadding (default false). */
export function encodeBase64(bytes, options = {}) {
  const source = toBytesOrString(bytes);
  if (typeof source === 'string') throw new TypeError('imagegate: encodeBase64 expects bytes, not a string');
  const url = pick(ALPHABETS, options.alphabet, 'base64', 'alphabet') === 1;
  const pad = !options.omitPadding;
  const size = Math.ceil(source.length / 3) * 4;
  return withHeapCopy(source, (inPtr, len) => withHeapBlock(size, (outPtr) => {
    const n = wasm._encodeBase64Into(inPtr, len, outPtr, url, pad);
    return latin1.decode(wasm.HEAPU8.subarray(outPtr, outPtr + n));
  }));
}

/**
 * Identifies an image from its first bytes: { format: 'png'|'jpeg'|'webp'|'gif'|'avif'|'unknown',
 * mimeType, width, height, orientation, displayWidth, displayHeight }. width/height are the stored size;
 * orientation (EXIF 1..8) and displayWidth/displayHeight are what a browser shows (Chromium's naturalWidth/
 * naturalHeight: EXIF orientation of JPEG and PNG, AVIF irot/imir and a clap at the origin, JPEG EXIF density).
 * Unknown formats stay unknown; sizes are 0 when the header is truncated.
 */
export function sniffImage(bytes) {
  const source = toBytesOrString(bytes);
  if (typeof source === 'string') throw new TypeError('imagegate: sniffImage expects bytes');
  return withHeapCopy(source, (ptr, len) => wasm._sniff(ptr, len));
}

const utf8Encoder = new TextEncoder();

/**
 * Parses and decodes a data: URL: { mediaType, parameters: { name: value }, base64, bytes }.
 * Default: the WHATWG fetch "data: URL processor", as browsers and node's fetch() load the URL (the URL parser's
 * view first: surrounding C0 controls and spaces, tabs and newlines and the #fragment dropped; then forgiving
 * percent-decoding and base64, and MIME Sniffing's parser with its text/plain;charset=US-ASCII fallback).
 * { strict: true }: RFC 2397, rejecting what it does not allow (bad_media_type, bad_percent).
 * A string (read as a URL, so as UTF-8) or its bytes. Throws DataUrlError with `code` and `position`.
 */
export function parseDataUrl(input, options = {}) {
  let source = toBytesOrString(input);
  if (typeof source === 'string' && /[^\x00-\x7f]/.test(source)) source = utf8Encoder.encode(source);
  const whatwg = !options?.strict;
  const r = withHeapCopy(source, (ptr, len) => wasm._decodeDataUrl(ptr, len, whatwg));
  if (r.error) throw new DataUrlError(r.error, r.position, r.base64Error);
  return { mediaType: r.mediaType, parameters: Object.fromEntries(r.parameters), base64: r.base64, bytes: r.bytes };
}
