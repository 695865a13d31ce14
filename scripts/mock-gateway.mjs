#!/usr/bin/env node
// A local mock of Vercel AI Gateway's OpenAI-compatible API (https://ai-gateway.vercel.sh/v1), so the package,
// its tests and the demo page run without a network and without a key. It speaks the wire format described in
// /work/shared/API.md (GET /v1/models, POST /v1/images/generations, POST /v1/chat/completions with images,
// streaming SSE), returns real, deterministic pictures (PNG, JPEG, lossless WebP), and can misbehave on demand
// through the `x-mock-fault` request header so clients can be tested against every failure the real gateway,
// a proxy or the network might produce.
//
// Only node built-ins (node:http, node:zlib, node:crypto, node:url). jpeg-js (a devDependency) is imported
// lazily and only when a JPEG must be encoded or decoded, so the mock starts even without node_modules.
//
// Things marked [INFERRED] are guesses about the real gateway's behaviour, not documented facts.
//
// Usage as a module:
//   const gw = await start({ port: 0 });        // gw.url === 'http://127.0.0.1:<port>/v1'
//   ... gw.requests, gw.reset(), gw.setFault('status=500'), await gw.close()
// Usage as a program: node scripts/mock-gateway.mjs --port 8788 [--host 127.0.0.1]   (--help for more)
import http from 'node:http';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';

// ──────────────────────────────────────────────────────────────────────────────────────────── constants

// A fixed epoch for `created`: responses must be byte-identical for identical requests (tests compare two
// clients' results), so no wall-clock time is ever used in a body.
const EPOCH = 1764000000;
const MAX_SIDE = 4096;              // requests for larger images are refused with 400 (param "size")
const MAX_BODY = 64 * 1024 * 1024;  // request body limit (editing requests carry data URLs)

const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'x-mock-fault'];
const CORS_EXPOSE_HEADERS = 'x-request-id, x-generation-id, retry-after, retry-after-ms';

// providerOptions namespace per model-id prefix (the AI SDK's provider names, which the gateway docs use too:
// `blackForestLabs`, `googleVertex`, `openai`...). Used for provider_metadata keys and option lookup.
const PROVIDER_KEY = { bfl: 'blackForestLabs', openai: 'openai', recraft: 'recraft', bytedance: 'bytedance', google: 'google' };

// ──────────────────────────────────────────────────────────────────────────────────────────── model list

// A small catalogue in the shape of the live /v1/models payload (API.md §3): image-only models
// (type "image"), chat models that can output images (type "language" + tag "image-generation"), a text-only
// chat model and an embedding model. Pricing values are strings in USD, as on the real endpoint.
const imageModel = (id, name, pricing, description) =>
  ({ id, name, type: 'image', tags: ['image-generation'], pricing, description });
const languageModel = (id, name, tags, pricing, description, context_window, max_tokens) =>
  ({ id, name, type: 'language', tags, pricing, description, context_window, max_tokens });

const MODEL_LIST = [
  imageModel('bfl/flux-2-pro', 'FLUX.2 [pro]', {},
    'Black Forest Labs FLUX.2 [pro]: text-to-image and multi-reference editing. Safety tolerance defaults to 2, on a scale from 0 (strict) to 6 (permissive).'),
  imageModel('bfl/flux-kontext-pro', 'FLUX.1 Kontext [pro]', { image: '0.04' },
    'Black Forest Labs FLUX.1 Kontext [pro]: in-context image generation and editing.'),
  imageModel('openai/gpt-image-1', 'GPT Image 1', { input: '0.000005', output: '0.00004', image: '0.042' },
    'OpenAI GPT Image 1: natively multimodal image generation.'),
  imageModel('recraft/recraft-v3', 'Recraft V3', { image: '0.04' },
    'Recraft V3: raster and vector image generation with precise text rendering.'),
  imageModel('bytedance/seedream-4.0', 'Seedream 4.0', { image: '0.03' },
    'ByteDance Seedream 4.0: image generation and editing up to 4K.'),
  languageModel('google/gemini-2.5-flash-image', 'Nano Banana (Gemini 2.5 Flash Image)', ['image-generation', 'vision'],
    { input: '0.0000003', output: '0.0000025', image: '0.039' },
    'Gemini 2.5 Flash Image ("Nano Banana"): generates and edits images in a conversation.', 32768, 32768),
  languageModel('google/gemini-3-pro-image', 'Nano Banana Pro (Gemini 3 Pro Image)', ['image-generation', 'reasoning', 'vision'],
    { input: '0.000002', output: '0.000012', image_dimension_quality_pricing: [
      { size: '1K', cost: '0.134' }, { size: '2K', cost: '0.134' }, { size: '4K', cost: '0.24' }, { size: 'default', cost: '0.134' }] },
    'Gemini 3 Pro Image ("Nano Banana Pro"): studio-quality image generation and editing with reasoning.', 65536, 32768),
  languageModel('openai/gpt-5-mini', 'GPT-5 mini', ['file-input', 'reasoning', 'tool-use', 'vision'],
    { input: '0.00000025', output: '0.000002', input_cache_read: '0.000000025' },
    'GPT-5 mini: a faster, cheaper GPT-5 for well-defined tasks. Text output only.', 400000, 128000),
  { id: 'openai/text-embedding-3-small', name: 'text-embedding-3-small', type: 'embedding', tags: [],
    pricing: { input: '0.00000002' }, description: 'OpenAI text-embedding-3-small: 1536-dimensional embeddings.' },
];
const MODELS = new Map(MODEL_LIST.map((m, i) => [m.id, {
  id: m.id, object: 'model', created: 1750000000 + i * 86400, owned_by: m.id.split('/')[0], ...m,
}]));

// ──────────────────────────────────────────────────────────────────────────────────────────── hashing, PRNG

const sha = (...parts) => crypto.createHash('sha256').update(parts.map(String).join('\u0000')).digest();
const seed32 = (...parts) => sha(...parts).readUInt32LE(0);

// mulberry32: tiny deterministic PRNG (shapes, noise, random chunk sizes). Returns floats in [0, 1).
function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Gateway generation ids look like `gen_<ULID>` (API.md §2.2). Derived from the request so that identical
// requests give identical bodies.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function generationId(...parts) {
  const h = sha('gen', ...parts);
  let s = '01K';
  for (let i = 0; i < 23; i++) s += CROCKFORD[h[i] & 31];
  return `gen_${s}`;
}

// ──────────────────────────────────────────────────────────────────────────────────────────── PNG

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
let CRC_TABLE = null;
// zlib.crc32 exists from node 20.15 / 22.2; older node 20 releases fall back to a table.
function crc32(buf) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(buf) >>> 0;
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const paeth = (a, b, c) => {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/**
 * 8-bit PNG, colour type 2 (RGB, channels = 3) or 6 (RGBA, channels = 4), non-interlaced.
 * adaptive: choose per row the filter with the smallest sum of |signed bytes| (libpng's heuristic), which both
 * compresses gradients well and makes the files use all five filter types (good for decoders under test).
 */
export function encodePNG(px, width, height, channels = 3, { level = 6, adaptive = true, strategy } = {}) {
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  const cand = Array.from({ length: 5 }, () => Buffer.alloc(stride));
  for (let y = 0; y < height; y++) {
    const row = y * stride, prev = row - stride, o = y * (stride + 1);
    let best = 0;
    if (adaptive) {
      let bestSum = Infinity;
      for (let ft = 0; ft < 5; ft++) {
        const out = cand[ft];
        let sum = 0;
        for (let i = 0; i < stride; i++) {
          const x = px[row + i];
          const a = i >= channels ? px[row + i - channels] : 0;
          const b = y > 0 ? px[prev + i] : 0;
          const c = y > 0 && i >= channels ? px[prev + i - channels] : 0;
          const v = (ft === 0 ? x : ft === 1 ? x - a : ft === 2 ? x - b : ft === 3 ? x - ((a + b) >> 1) : x - paeth(a, b, c)) & 255;
          out[i] = v;
          sum += v < 128 ? v : 256 - v;
        }
        if (sum < bestSum) { bestSum = sum; best = ft; }
      }
      raw[o] = best;
      cand[best].copy(raw, o + 1);
    } else {
      raw[o] = 0;
      raw.set(px.subarray(row, row + stride), o + 1);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;                          // bit depth
  ihdr[9] = channels === 4 ? 6 : 2;     // colour type
  ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;  // deflate, adaptive filtering, no interlace
  return Buffer.concat([PNG_SIG, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw, { level, strategy })),
    pngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * Decodes an 8-bit, non-interlaced PNG (grey, RGB, palette, grey+alpha, RGBA; all five filter types) to RGBA.
 * Throws an Error with a human-readable reason on anything else: the mock answers 400 with that reason.
 */
export function decodePNG(buf) {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIG)) throw new Error('not a PNG (bad signature)');
  let pos = 8, ihdr = null, palette = null, trns = null, ended = false;
  const idat = [];
  while (pos + 12 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new Error(`PNG chunk ${type} is truncated`);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      ihdr = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], ctype: data[9], interlace: data[12] };
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') { ended = true; break; }
    pos += 12 + len;
  }
  if (!ihdr) throw new Error('PNG has no IHDR chunk');
  if (!idat.length) throw new Error('PNG has no IDAT chunk');
  if (!ended) throw new Error('PNG is truncated (no IEND chunk)');
  const { width, height, depth, ctype, interlace } = ihdr;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[ctype];
  if (!channels) throw new Error(`PNG colour type ${ctype} is invalid`);
  if (depth !== 8) throw new Error(`PNG bit depth ${depth} is not supported by the mock (8 only)`);
  if (interlace !== 0) throw new Error('interlaced PNGs are not supported by the mock');
  if (!width || !height || width > 16384 || height > 16384) throw new Error(`PNG size ${width}x${height} is out of range`);
  if (ctype === 3 && !palette) throw new Error('palette PNG without PLTE');
  let raw;
  try { raw = zlib.inflateSync(Buffer.concat(idat)); } catch (e) { throw new Error(`PNG image data does not inflate (${e.code ?? e.message})`); }
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw new Error('PNG image data is shorter than the image');
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const ft = raw[y * (stride + 1)], src = y * (stride + 1) + 1, row = y * stride, prev = row - stride;
    if (ft > 4) throw new Error(`PNG row ${y} has invalid filter type ${ft}`);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? px[row + i - channels] : 0;
      const b = y > 0 ? px[prev + i] : 0;
      const c = y > 0 && i >= channels ? px[prev + i - channels] : 0;
      const pred = ft === 0 ? 0 : ft === 1 ? a : ft === 2 ? b : ft === 3 ? (a + b) >> 1 : paeth(a, b, c);
      px[row + i] = (raw[src + i] + pred) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels, d = p * 4;
    if (ctype === 0) { rgba[d] = rgba[d + 1] = rgba[d + 2] = px[s]; rgba[d + 3] = 255; }
    else if (ctype === 4) { rgba[d] = rgba[d + 1] = rgba[d + 2] = px[s]; rgba[d + 3] = px[s + 1]; }
    else if (ctype === 2) { rgba[d] = px[s]; rgba[d + 1] = px[s + 1]; rgba[d + 2] = px[s + 2]; rgba[d + 3] = 255; }
    else if (ctype === 6) { rgba[d] = px[s]; rgba[d + 1] = px[s + 1]; rgba[d + 2] = px[s + 2]; rgba[d + 3] = px[s + 3]; }
    else {
      const k = px[s];
      if (k * 3 + 2 >= palette.length) throw new Error(`PNG palette index ${k} out of range`);
      rgba[d] = palette[k * 3]; rgba[d + 1] = palette[k * 3 + 1]; rgba[d + 2] = palette[k * 3 + 2];
      rgba[d + 3] = trns && k < trns.length ? trns[k] : 255;
    }
  }
  return { width, height, data: rgba };
}

// ──────────────────────────────────────────────────────────────────────────────────────────── WebP (VP8L)

// LSB-first bit writer, as VP8L reads bits (RFC 9649 §3).
class BitWriter {
  constructor(capacity) { this.buf = new Uint8Array(capacity); this.pos = 0; this.acc = 0; this.n = 0; }
  write(value, nbits) {  // nbits <= 16
    this.acc |= value << this.n;
    this.n += nbits;
    while (this.n >= 8) {
      if (this.pos === this.buf.length) { const b = new Uint8Array(this.buf.length * 2); b.set(this.buf); this.buf = b; }
      this.buf[this.pos++] = this.acc & 255;
      this.acc >>>= 8;
      this.n -= 8;
    }
  }
  finish() { if (this.n > 0) this.write(0, 8 - this.n); return Buffer.from(this.buf.buffer, 0, this.pos); }
}

const REV8 = new Uint8Array(256);
for (let i = 0; i < 256; i++) { let r = 0; for (let b = 0; b < 8; b++) r |= ((i >> b) & 1) << (7 - b); REV8[i] = r; }
const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

// A "normal" prefix code in which symbols 0..255 all have length 8 (so the canonical code of symbol s is s
// itself) and symbols 256..alphabetSize-1 (green's LZ77 length prefixes) have length 0. The code lengths are
// themselves coded with a 2-symbol code-length code: symbol 8 ("length 8") = bit 0, symbol 18 ("run of 11..138
// zeros", 7 extra bits) = bit 1.
function writeFlatCode(bw, alphabetSize) {
  bw.write(0, 1);                       // normal (not simple) code
  bw.write(12 - 4, 4);                  // 12 code-length-code lengths follow (enough to reach symbol 8)
  for (let i = 0; i < 12; i++) bw.write(CODE_LENGTH_ORDER[i] === 8 || CODE_LENGTH_ORDER[i] === 18 ? 1 : 0, 3);
  bw.write(0, 1);                       // max_symbol = alphabet size
  for (let s = 0; s < 256; s++) bw.write(0, 1);   // 256 × "length 8"
  const zeros = alphabetSize - 256;
  if (zeros > 0) { bw.write(1, 1); bw.write(zeros - 11, 7); }  // one run of zeros (11..138)
}

// A "simple" prefix code with one symbol: reading it consumes zero bits.
function writeSingleSymbolCode(bw, symbol) {
  bw.write(1, 1);                       // simple code
  bw.write(0, 1);                       // num_symbols - 1 = 0
  if (symbol > 1) { bw.write(1, 1); bw.write(symbol, 8); } else { bw.write(0, 1); bw.write(symbol, 1); }
}

/**
 * Minimal lossless WebP: VP8L, no transforms, no colour cache, no meta prefix codes, no backward references.
 * Green/red/blue each use a flat 8-bit code, alpha a zero-bit code for 255 (opaque images only), distance an
 * unused single-symbol code. 3 bytes per pixel plus ~120 bytes of headers: large but simple and valid.
 * px: RGB (channels 3) or RGBA (channels 4; alpha is ignored — the mock only makes opaque pictures).
 */
export function encodeWebP(px, width, height, channels = 3) {
  if (width < 1 || height < 1 || width > 16384 || height > 16384) throw new Error('WebP size out of range');
  const bw = new BitWriter(width * height * 3 + 256);
  bw.write(0x2f, 8);                    // VP8L signature
  bw.write(width - 1, 14);
  bw.write(height - 1, 14);
  bw.write(0, 1);                       // alpha_is_used hint: no
  bw.write(0, 3);                       // version 0
  bw.write(0, 1);                       // no transform
  bw.write(0, 1);                       // no colour cache
  bw.write(0, 1);                       // no meta prefix codes (one prefix-code group for the whole image)
  writeFlatCode(bw, 256 + 24);          // green + 24 length prefixes (no colour cache)
  writeFlatCode(bw, 256);               // red
  writeFlatCode(bw, 256);               // blue
  writeSingleSymbolCode(bw, 255);       // alpha: always 255
  writeSingleSymbolCode(bw, 0);         // distance: never used
  for (let p = 0, n = width * height; p < n; p++) {
    const s = p * channels;             // order in the bitstream: green, red, blue (alpha takes no bits)
    bw.write(REV8[px[s + 1]], 8);       // a canonical code is sent most significant bit first
    bw.write(REV8[px[s]], 8);
    bw.write(REV8[px[s + 2]], 8);
  }
  const vp8l = bw.finish();
  const pad = vp8l.length & 1;
  const out = Buffer.alloc(20 + vp8l.length + pad);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(12 + vp8l.length + pad, 4);
  out.write('WEBPVP8L', 8, 'latin1');
  out.writeUInt32LE(vp8l.length, 16);
  vp8l.copy(out, 20);
  return out;
}

// ──────────────────────────────────────────────────────────────────────────────────────────── JPEG (jpeg-js)

let jpegModule = null;
async function jpegJs() {
  if (!jpegModule) {
    try {
      const m = await import('jpeg-js');
      jpegModule = m.default ?? m;
    } catch {
      throw Object.assign(new Error('the mock needs the jpeg-js devDependency for JPEG (run npm ci)'), { status: 500 });
    }
  }
  return jpegModule;
}

const toRGBA = (px, n, channels) => {
  if (channels === 4) return px;
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) { out[p * 4] = px[p * 3]; out[p * 4 + 1] = px[p * 3 + 1]; out[p * 4 + 2] = px[p * 3 + 2]; out[p * 4 + 3] = 255; }
  return out;
};

async function encodeImage(format, px, width, height, channels, pngOptions) {
  if (format === 'png') return encodePNG(px, width, height, channels, pngOptions);
  if (format === 'webp') return encodeWebP(px, width, height, channels);
  const { encode } = await jpegJs();
  return Buffer.from(encode({ data: toRGBA(px, width * height, channels), width, height }, 85).data);
}

/** Decodes a PNG or JPEG (sniffed from the bytes, not from the data URL's MIME type) to RGBA. */
async function decodeImage(buf) {
  if (buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIG)) return decodePNG(buf);
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) {
    const { decode } = await jpegJs();
    try {
      const img = decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 40, maxMemoryUsageInMB: 512 });
      return { width: img.width, height: img.height, data: img.data };
    } catch (e) { throw new Error(`JPEG does not decode (${e.message})`); }
  }
  throw new Error('unsupported image format (the mock decodes PNG and JPEG only)');
}

// ──────────────────────────────────────────────────────────────────────────────────────────── pictures

// 5×7 bitmap font (rows top to bottom, 5 bits each, MSB = leftmost column) for A–Z, 0–9 and '?'.
const FONT = {
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14],
  D: [28, 18, 17, 17, 17, 18, 28], E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17], I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16], Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4], U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  0: [14, 17, 19, 21, 25, 17, 14], 1: [4, 12, 4, 4, 4, 4, 14], 2: [14, 17, 1, 2, 4, 8, 31],
  3: [31, 2, 4, 2, 1, 17, 14], 4: [2, 6, 10, 18, 31, 2, 2], 5: [31, 16, 30, 1, 1, 17, 14],
  6: [6, 8, 16, 30, 17, 17, 14], 7: [31, 1, 2, 4, 8, 8, 8], 8: [14, 17, 17, 14, 17, 17, 14],
  9: [14, 17, 17, 15, 1, 2, 12], '?': [14, 17, 1, 2, 4, 0, 4], ' ': [0, 0, 0, 0, 0, 0, 0],
};

function drawText(px, w, h, text, x0, y0, scale, rgb) {
  for (let ci = 0; ci < text.length; ci++) {
    const glyph = FONT[text[ci]] ?? FONT['?'];
    for (let gy = 0; gy < 7; gy++) {
      for (let gx = 0; gx < 5; gx++) {
        if (!((glyph[gy] >> (4 - gx)) & 1)) continue;
        for (let sy = 0; sy < scale; sy++) {
          const y = y0 + gy * scale + sy;
          if (y < 0 || y >= h) continue;
          for (let sx = 0; sx < scale; sx++) {
            const x = x0 + (ci * 6 + gx) * scale + sx;
            if (x < 0 || x >= w) continue;
            const o = (y * w + x) * 3;
            px[o] = rgb[0]; px[o + 1] = rgb[1]; px[o + 2] = rgb[2];
          }
        }
      }
    }
  }
}

// The start of the prompt, upper-cased, A–Z 0–9 only, at most maxChars long, cut at a word boundary when that
// keeps at least half of it ("a red fox in the snow" → "A RED FOX" in 9 characters).
function labelFor(prompt, maxChars) {
  const s = String(prompt).toUpperCase().replace(/[^A-Z0-9]+/g, ' ').trim();
  if (maxChars < 1) return '';
  if (s.length <= maxChars) return s;
  const cut = s.slice(0, maxChars + 1), sp = cut.lastIndexOf(' ');
  return (sp >= Math.ceil(maxChars / 2) ? cut.slice(0, sp) : s.slice(0, maxChars)).trim();
}

function hsl(hDeg, s, l) {
  const c = (1 - Math.abs(2 * l - 1)) * s, hp = (((hDeg % 360) + 360) % 360) / 60, x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = l - c / 2;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/**
 * A recognisable, deterministic RGB picture: a two-colour gradient whose colours and direction come from the
 * prompt, one of four shape patterns chosen by the image index (circles, stripes, rings, checks) placed by a PRNG
 * seeded with model + prompt + index, the first words of the prompt in a 5×7 font, and the image number
 * (index + 1) in the top-left corner. noisy: XOR 6 bits of PRNG noise into every byte (hard to compress).
 */
export function renderPicture({ model = '', prompt = '', index = 0, width, height, noisy = false }) {
  const w = width, h = height, px = new Uint8Array(w * h * 3);
  const pal = sha('palette', prompt);
  const hue = pal.readUInt16LE(0) % 360;
  const c1 = hsl(hue, 0.6, 0.28), c2 = hsl(hue + 60 + (pal[2] % 120), 0.7, 0.68);
  const ang = (pal[3] / 256) * 2 * Math.PI, dx = Math.cos(ang) * 0.9, dy = Math.sin(ang) * 0.9;
  // Gradient through a 1024-entry colour table: t = 0.5 + (x-term) + (y-term), clamped to [0, 1].
  const LUT = 1024, lut = new Uint8Array(LUT * 3), xt = new Float64Array(w);
  for (let i = 0; i < LUT; i++) { const t = i / (LUT - 1); for (let c = 0; c < 3; c++) lut[i * 3 + c] = c1[c] + (c2[c] - c1[c]) * t; }
  for (let x = 0; x < w; x++) xt[x] = 0.5 + ((x + 0.5) / w - 0.5) * dx;
  for (let y = 0, o = 0; y < h; y++) {
    const ty = ((y + 0.5) / h - 0.5) * dy;
    for (let x = 0; x < w; x++, o += 3) {
      const t = xt[x] + ty, k = t <= 0 ? 0 : t >= 1 ? (LUT - 1) * 3 : ((t * (LUT - 1) + 0.5) | 0) * 3;
      px[o] = lut[k]; px[o + 1] = lut[k + 1]; px[o + 2] = lut[k + 2];
    }
  }
  const rnd = mulberry32(seed32('shapes', model, prompt, index));
  const c3 = hsl(hue + 180 + index * 53, 0.85, 0.55), mn = Math.min(w, h);
  const blend = (o, col, a) => {
    px[o] = px[o] * (1 - a) + col[0] * a; px[o + 1] = px[o + 1] * (1 - a) + col[1] * a; px[o + 2] = px[o + 2] * (1 - a) + col[2] * a;
  };
  const kind = index % 4;
  if (kind === 0) {                                   // filled circles
    const count = 3 + Math.floor(rnd() * 3);
    for (let k = 0; k < count; k++) {
      const cx = rnd() * w, cy = rnd() * h, r = mn * (0.08 + rnd() * 0.17), col = hsl(hue + 180 + k * 25, 0.85, 0.5 + k * 0.06);
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, Math.ceil(cy + r)); y++) {
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, Math.ceil(cx + r)); x++) {
          if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) blend((y * w + x) * 3, col, 0.85);
        }
      }
    }
  } else {
    const p = Math.max(2, Math.round(mn / (4 + rnd() * 5))), cx = rnd() * w, cy = rnd() * h, dir = rnd() < 0.5 ? 1 : -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const on = kind === 1 ? (Math.floor((x + dir * y + 4 * w) / p) & 1) === 0                 // diagonal stripes
          : kind === 2 ? (Math.floor(Math.hypot(x - cx, y - cy) / p) & 1) === 0                  // rings
            : ((Math.floor(x / p) + Math.floor(y / p)) & 1) === 0;                              // checks
        if (on) blend((y * w + x) * 3, c3, 0.6);
      }
    }
  }
  const label = labelFor(prompt, Math.min(12, Math.floor((w * 0.92 + 1) / 6)));
  const scale = label ? Math.floor(Math.min((w * 0.92) / (label.length * 6 - 1), (h * 0.4) / 7)) : 0;
  if (scale >= 1) {
    const x0 = Math.floor((w - (label.length * 6 - 1) * scale) / 2), y0 = Math.floor((h - 7 * scale) / 2);
    const sh = Math.max(1, Math.floor(scale / 4));
    drawText(px, w, h, label, x0 + sh, y0 + sh, scale, [0, 0, 0]);
    drawText(px, w, h, label, x0, y0, scale, [255, 255, 255]);
  }
  const s2 = Math.max(1, Math.floor(Math.min(w, h) / 64));   // the image number, scaled with the image
  drawText(px, w, h, String(index + 1), 2 * s2 + 1, 2 * s2 + 1, s2, [0, 0, 0]);
  drawText(px, w, h, String(index + 1), 2 * s2, 2 * s2, s2, [255, 255, 255]);
  if (noisy) {  // xorshift32: 6 bits of noise into each of 4 bytes per step (fast for 12 MB)
    let x = seed32('noise', model, prompt, index) | 1;
    for (let i = 0; i < px.length; i += 4) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      px[i] ^= x & 63; px[i + 1] ^= (x >>> 8) & 63; px[i + 2] ^= (x >>> 16) & 63; px[i + 3] ^= (x >>> 24) & 63;
    }
  }
  return px;
}

// Encoded pictures are cached: tests and the demo request the same small images again and again.
const imageCache = new Map();
let imageCacheBytes = 0;
async function pictureBytes(spec, format) {
  const key = JSON.stringify([spec.model, spec.prompt, spec.index, spec.width, spec.height, spec.noisy, format]);
  const hit = imageCache.get(key);
  if (hit) { imageCache.delete(key); imageCache.set(key, hit); return hit; }
  const px = renderPicture(spec);
  const bytes = await encodeImage(format, px, spec.width, spec.height, 3, spec.noisy ? { level: 1, adaptive: false, strategy: zlib.constants.Z_HUFFMAN_ONLY } : undefined);
  imageCache.set(key, bytes);
  imageCacheBytes += bytes.length;
  for (const [k, v] of imageCache) {
    if (imageCache.size <= 64 && imageCacheBytes <= 128 * 1024 * 1024) break;
    imageCache.delete(k);
    imageCacheBytes -= v.length;
  }
  return bytes;
}

// Editing: a visible, deterministic transformation per output index, same size as the input. Every variant
// inverts the colours (so the output always differs from the input), then rotates channels or posterises.
function transformRGBA(img, variant) {
  const src = img.data, out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += 4) {
    let r = 255 - src[i], g = 255 - src[i + 1], b = 255 - src[i + 2];
    if (variant % 4 === 1) [r, g, b] = [b, r, g];
    else if (variant % 4 === 2) { const l = (r * 77 + g * 150 + b * 29) >> 8; r = Math.min(255, l + 40); g = l; b = Math.max(0, l - 40); }
    else if (variant % 4 === 3) { r &= 0xc0; g &= 0xc0; b &= 0xc0; }
    out[i] = r; out[i + 1] = g; out[i + 2] = b; out[i + 3] = src[i + 3];
  }
  return out;
}

// ──────────────────────────────────────────────────────────────────────────────────────────── faults

const FAULT_SPECS = {
  status: 'status', 'html-error': 'status', 'retry-after-ms': 'uint', truncate: 'uint', 'reset-after': 'uint',
  'stall-after': 'uint', delay: 'uint', 'delay-events': 'uint', 'fail-first': 'failfirst', chunk: 'chunk', eol: 'eol',
  'error-200': 'flag', 'bad-base64': 'flag', comments: 'flag', 'no-done': 'flag', 'error-mid-stream': 'flag', huge: 'flag',
  tag: 'uint',  // no effect: makes a fault string, and so fail-first's counter, unique to one caller (the soak test)
};

/** Parses "a=1,b,c=x" into an object. Throws Error(message) for unknown names or bad values (→ 400). */
export function parseFaults(str) {
  const f = {};
  for (const item of String(str ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase(), value = eq < 0 ? undefined : item.slice(eq + 1).trim();
    const kind = FAULT_SPECS[name];
    if (!kind) throw new Error(`Unknown mock fault '${name}' in x-mock-fault (known: ${Object.keys(FAULT_SPECS).join(', ')})`);
    const bad = () => new Error(`Invalid value for mock fault '${name}': ${value === undefined ? '(none)' : `'${value}'`}`);
    if (kind === 'flag') { if (value !== undefined) throw bad(); f[name] = true; continue; }
    if (value === undefined || value === '') throw bad();
    if (kind === 'uint') { if (!/^\d+$/.test(value)) throw bad(); f[name] = Number(value); }
    else if (kind === 'status') { if (!/^\d{3}$/.test(value) || +value < 400 || +value > 599) throw bad(); f[name] = Number(value); }
    else if (kind === 'failfirst') {
      const m = /^(\d+):(\d{3})$/.exec(value);
      if (!m || +m[2] < 400 || +m[2] > 599) throw bad();
      f[name] = { count: Number(m[1]), status: Number(m[2]) };
    } else if (kind === 'chunk') { if (value !== 'random' && !/^[1-9]\d*$/.test(value)) throw bad(); f[name] = value === 'random' ? 'random' : Number(value); }
    else if (kind === 'eol') { if (!['lf', 'cr', 'crlf'].includes(value)) throw bad(); f[name] = value; }
  }
  return f;
}

// ──────────────────────────────────────────────────────────────────────────────────────────── errors

// Gateway error `type` per status (API.md §4.2 table, from @ai-sdk/gateway's error classes).
function errorTypeFor(status) {
  return { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'forbidden', 404: 'not_found',
    424: 'failed_dependency', 429: 'rate_limit_exceeded' }[status] ?? (status >= 500 ? 'internal_server_error' : 'invalid_request_error');
}

class GatewayError extends Error {
  constructor(status, message, { type, param, code, headers } = {}) {
    super(message);
    Object.assign(this, { status, type: type ?? errorTypeFor(status), param, code, headers });
  }
}
const invalid = (message, param, code = 'invalid_parameter') => new GatewayError(400, message, { param, code });
const missing = (param) => invalid(`Invalid request: missing required parameter '${param}'`, param, 'missing_parameter');

function errorResult(err, genId) {
  const error = { message: err.message, type: err.type };
  if (err.param !== undefined) error.param = err.param;
  if (err.code !== undefined) error.code = err.code;
  return { status: err.status, headers: { ...(err.headers ?? {}) }, json: { error, generationId: genId } };
}

// The error a `status=N` / `fail-first=K:N` fault produces: the body the gateway would send for that status.
function faultError(status, body) {
  const messages = {
    400: ['Invalid request (mock fault)', undefined],
    401: ['Invalid API key (mock fault)', undefined],
    403: ['Access to this model is forbidden by a team rule (mock fault)', { ruleId: 'rule_mock' }],
    404: [`Model '${body?.model ?? 'unknown'}' not found (mock fault)`, { modelId: body?.model ?? 'unknown' }],
    408: ['Request timed out (mock fault)', undefined],
    409: ['Conflict (mock fault)', undefined],
    429: ['Rate limit exceeded. Please retry later. (mock fault)', undefined],
    500: ['Internal server error (mock fault)', undefined],
    502: ['Bad gateway: the upstream provider returned an invalid response (mock fault)', undefined],
    503: ['Service temporarily unavailable (mock fault)', undefined],
    504: ['Gateway timeout: the upstream provider did not answer in time (mock fault)', undefined],
  };
  const [message, param] = messages[status] ?? [`Mock fault: HTTP ${status}`, undefined];
  const type = status === 404 ? 'model_not_found' : errorTypeFor(status);
  // [INFERRED] the gateway sends a retry-after on 429; the value is our choice (1 s).
  const headers = status === 429 ? { 'retry-after': '1' } : {};
  return new GatewayError(status, message, { type, param, headers });
}

// ──────────────────────────────────────────────────────────────────────────────────────────── request helpers

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseSize(size, param = 'size') {
  const m = /^(\d{1,6})[xX](\d{1,6})$/.exec(size);
  if (!m) throw invalid(`Invalid request: '${param}' must look like 'WIDTHxHEIGHT', e.g. '1024x1024' (got ${JSON.stringify(size)})`, param);
  const width = Number(m[1]), height = Number(m[2]);
  if (width < 1 || height < 1) throw invalid(`Invalid request: '${param}' must be at least 1x1 (got '${size}')`, param);
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw invalid(`Invalid request: '${param}' ${size} exceeds the maximum of ${MAX_SIDE}x${MAX_SIDE}`, param);
  }
  return { width, height };
}

// "16:9" → the longest side is `base`, the other follows the ratio.
function sizeFromAspect(ratio, base, param) {
  const m = /^(\d{1,3}(?:\.\d+)?):(\d{1,3}(?:\.\d+)?)$/.exec(String(ratio));
  if (!m || !(+m[1] > 0) || !(+m[2] > 0)) throw invalid(`Invalid request: '${param}' must look like '16:9' (got ${JSON.stringify(ratio)})`, param);
  const rw = +m[1], rh = +m[2];
  const size = rw >= rh ? { width: base, height: Math.max(1, Math.round((base * rh) / rw)) }
    : { width: Math.max(1, Math.round((base * rw) / rh)), height: base };
  if (size.width > MAX_SIDE || size.height > MAX_SIDE) throw invalid(`Invalid request: '${param}' gives an image larger than ${MAX_SIDE}x${MAX_SIDE}`, param);
  return size;
}

// First value of any of `names` found at the top level, in providerOptions[<this model's provider>], or in any
// other providerOptions namespace (except gateway routing options).
function findOption(body, provider, names) {
  for (const n of names) if (body[n] !== undefined) return { value: body[n], param: n };
  const po = isObj(body.providerOptions) ? body.providerOptions : {};
  const spaces = [po[provider], ...Object.entries(po).filter(([k]) => k !== provider && k !== 'gateway').map(([, v]) => v)];
  for (const ns of spaces) {
    if (!isObj(ns)) continue;
    for (const n of names) if (ns[n] !== undefined) return { value: ns[n], param: n };
  }
  return undefined;
}

function creationTime(model, prompt) { return EPOCH + (seed32('created', model, prompt) % 100000); }

function requireModel(body) {
  if (body.model === undefined || body.model === null || body.model === '') throw missing('model');
  if (typeof body.model !== 'string') throw invalid("Invalid request: 'model' must be a string", 'model');
  const m = MODELS.get(body.model);
  if (!m) {
    // Live fixture: {"error":{"message":"Model 'x' not found","type":"model_not_found","param":{"modelId":"x"}}}
    throw new GatewayError(404, `Model '${body.model}' not found`, { type: 'model_not_found', param: { modelId: body.model } });
  }
  return m;
}

const b64Corrupt = (b64) => (b64.length > 10 ? `${b64.slice(0, 10)}@${b64.slice(11)}` : `${b64}@`);

// ──────────────────────────────────────────────────────────────────────────────────────────── routes

function listModels() { return { status: 200, json: { object: 'list', data: [...MODELS.values()] } }; }

async function imagesGenerations(body, f) {
  if (!isObj(body)) throw invalid('Invalid request: the body must be a JSON object', undefined, 'invalid_body');
  const model = requireModel(body);
  if (model.type === 'language') {
    // Wording from the gateway (API.md §1.5, cherry-studio PR #16341), for chat image models and text models alike.
    throw invalid(`Model '${model.id}' is a language model, not an image model. Use the language generation API instead.`, 'model', 'invalid_model_type');
  }
  if (model.type !== 'image') throw invalid(`Model '${model.id}' is an ${model.type} model, not an image model.`, 'model', 'invalid_model_type');
  if (body.prompt === undefined || body.prompt === null) throw missing('prompt');
  if (typeof body.prompt !== 'string' || !body.prompt.trim()) throw invalid("Invalid request: 'prompt' must be a non-empty string", 'prompt');
  const n = body.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 10) throw invalid(`Invalid request: 'n' must be an integer between 1 and 10 (got ${JSON.stringify(body.n)})`, 'n');
  const rf = body.response_format ?? 'b64_json';
  if (rf !== 'b64_json' && rf !== 'url') throw invalid(`Invalid request: 'response_format' must be 'b64_json' or 'url' (got ${JSON.stringify(rf)})`, 'response_format');
  const prefix = model.id.split('/')[0], provider = PROVIDER_KEY[prefix] ?? prefix;

  let size;
  if (body.size !== undefined && body.size !== null && body.size !== 'auto') {
    if (typeof body.size !== 'string') throw invalid("Invalid request: 'size' must be a string like '1024x1024'", 'size');
    size = parseSize(body.size);
  } else {
    const ar = findOption(body, provider, ['aspectRatio', 'aspect_ratio']);
    size = ar ? sizeFromAspect(ar.value, 1024, ar.param) : { width: 1024, height: 1024 };
  }
  // outputFormat: BFL's providerOptions.blackForestLabs.outputFormat, or OpenAI's top-level output_format.
  const of = findOption(body, provider, ['output_format', 'outputFormat']);
  let format = 'png';
  if (of) {
    const v = String(of.value).toLowerCase();
    format = v === 'jpg' ? 'jpeg' : v;
    if (!['png', 'jpeg', 'webp'].includes(format)) throw invalid(`Invalid request: '${of.param}' must be 'png', 'jpeg' or 'webp' (got ${JSON.stringify(of.value)})`, of.param);
  }
  const noisy = !!f.huge;
  if (noisy) size = { width: 2048, height: 2048 };

  const data = [], meta = [];
  for (let i = 0; i < n; i++) {
    const spec = { model: model.id, prompt: body.prompt, index: i, ...size, noisy };
    const bytes = await pictureBytes(spec, format);
    const item = {};
    if (rf === 'url') {
      // [INFERRED] a URL response; mock.invalid never resolves, which exercises a client's URL path.
      item.url = `https://mock.invalid/images/${sha('url', model.id, body.prompt, i).toString('hex').slice(0, 24)}.${format === 'jpeg' ? 'jpg' : format}`;
    } else item.b64_json = bytes.toString('base64');
    if (prefix === 'openai') item.revised_prompt = `${body.prompt.trim()}, rendered as a clean digital illustration`;
    data.push(item);
    meta.push({ index: i, seed: seed32('seed', model.id, body.prompt, i), width: size.width, height: size.height, format });
  }
  if (f['bad-base64'] && data[0].b64_json) data[0].b64_json = b64Corrupt(data[0].b64_json);
  const json = { created: creationTime(model.id, body.prompt), data };
  if (prefix === 'openai') {
    // [INFERRED] token counts: gpt-image bills prompt tokens and a fixed number of image tokens per image.
    const input_tokens = Math.ceil(body.prompt.length / 4), output_tokens = 1056 * n;
    json.usage = { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens };
  } else {
    json.provider_metadata = { [provider]: { images: meta } };  // [INFERRED] contents of each entry
  }
  return { status: 200, json };
}

// Text of the last user message, and its image_url parts.
function lastUserTurn(messages) {
  const msg = [...messages].reverse().find((m) => m.role === 'user');
  if (!msg) return { prompt: '', images: [] };
  if (typeof msg.content === 'string') return { prompt: msg.content, images: [] };
  const parts = Array.isArray(msg.content) ? msg.content : [];
  const text = parts.filter((p) => isObj(p) && p.type === 'text' && typeof p.text === 'string').map((p) => p.text).join(' ');
  const images = parts.filter((p) => isObj(p) && p.type === 'image_url')
    .map((p) => (typeof p.image_url === 'string' ? p.image_url : p.image_url?.url));
  return { prompt: text, images };
}

function chatImageSize(body) {
  const ic = body.providerOptions?.google?.imageConfig ?? body.image_config ?? {};  // + OpenRouter's spelling
  const imageSize = ic.imageSize ?? ic.image_size, aspect = ic.aspectRatio ?? ic.aspect_ratio;
  if (typeof imageSize === 'string' && /^\d+[xX]\d+$/.test(imageSize)) return parseSize(imageSize, 'imageSize');
  const base = { 512: 1024 / 2, '1K': 1024, '2K': 2048, '4K': 4096 }[imageSize ?? '1K'];
  if (!base) throw invalid(`Invalid request: 'imageSize' must be '512', '1K', '2K', '4K' (or 'WxH' on the mock) (got ${JSON.stringify(imageSize)})`, 'imageSize');
  return aspect !== undefined ? sizeFromAspect(aspect, base, 'aspectRatio') : { width: base, height: base };
}

function splitText(text) {
  const words = text.match(/\S+\s*/g) ?? [];
  if (words.length < 3) {
    const k = Math.ceil(text.length / 3) || 1;
    return [text.slice(0, k), text.slice(k, 2 * k), text.slice(2 * k)].filter(Boolean);
  }
  const pieces = Math.min(4, words.length), per = Math.ceil(words.length / pieces), out = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(''));
  return out;
}

async function chatCompletions(body, f, id) {
  if (!isObj(body)) throw invalid('Invalid request: the body must be a JSON object', undefined, 'invalid_body');
  const model = requireModel(body);
  if (model.type === 'image') {
    throw invalid(`Model '${model.id}' is an image model, not a language model. Use the image generation API instead.`, 'model', 'invalid_model_type');
  }
  if (model.type !== 'language') throw invalid(`Model '${model.id}' is an ${model.type} model, not a language model.`, 'model', 'invalid_model_type');
  if (body.messages === undefined) throw missing('messages');
  if (!Array.isArray(body.messages) || !body.messages.length || !body.messages.every((m) => isObj(m) && typeof m.role === 'string')) {
    throw invalid("Invalid request: 'messages' must be a non-empty array of {role, content} objects", 'messages');
  }
  const n = body.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 4) throw invalid(`Invalid request: 'n' must be an integer between 1 and 4 (got ${JSON.stringify(body.n)})`, 'n');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid("Invalid request: 'stream' must be a boolean", 'stream');
  if (body.modalities !== undefined && !(Array.isArray(body.modalities) && body.modalities.every((m) => typeof m === 'string'))) {
    throw invalid("Invalid request: 'modalities' must be an array of strings", 'modalities');
  }
  const { prompt, images: inputs } = lastUserTurn(body.messages);
  const wantImages = model.tags.includes('image-generation') && (body.modalities ?? []).includes('image');

  // Every input image is decoded (so a bad one is a 400 even for a text answer); the first one is edited.
  const decoded = [];
  for (const [i, url] of inputs.entries()) {
    const m = typeof url === 'string' ? /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(url) : null;
    if (!m || !/;base64/i.test(m[2] ?? '')) {
      throw invalid(`Invalid request: image ${i} of the last user message must be a base64 data: URL (the mock does not fetch remote URLs)`, 'messages');
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(m[3])) throw invalid(`Invalid request: image ${i} of the last user message is not valid base64`, 'messages');
    try {
      decoded.push(await decodeImage(Buffer.from(m[3], 'base64')));
    } catch (e) {
      if (e.status) throw e;
      throw invalid(`Invalid request: could not decode image ${i} of the last user message: ${e.message}`, 'messages', 'invalid_image');
    }
  }

  const created = creationTime(model.id, prompt);
  const urls = [];
  if (wantImages) {
    for (let i = 0; i < n; i++) {
      let bytes;
      if (decoded.length) {
        const src = decoded[0];
        bytes = encodePNG(transformRGBA(src, i), src.width, src.height, 4);
      } else {
        const size = f.huge ? { width: 2048, height: 2048 } : chatImageSize(body);
        bytes = await pictureBytes({ model: model.id, prompt, index: i, ...size, noisy: !!f.huge }, 'png');
      }
      urls.push(`data:image/png;base64,${bytes.toString('base64')}`);
    }
    if (f['bad-base64'] && urls.length) {
      const head = 'data:image/png;base64,';
      urls[0] = head + b64Corrupt(urls[0].slice(head.length));
    }
  }
  const quoted = prompt.trim() || 'your request';
  const content = !wantImages ? `This is a mock reply to "${quoted}".`
    : decoded.length ? `Here is "${quoted}" as requested, applied to your image.` : `Here is "${quoted}" as requested.`;
  // [INFERRED] token counts: ~4 characters per token, 258 tokens per input image, 1290 per output image (Gemini).
  const prompt_tokens = Math.ceil(JSON.stringify(body.messages.map((m) => (typeof m.content === 'string' ? m.content : ''))).length / 4)
    + 258 * decoded.length;
  const completion_tokens = Math.ceil(content.length / 4) + 1290 * urls.length;
  const usage = { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };

  if (!body.stream) {
    const message = { role: 'assistant', content };
    if (urls.length) message.images = urls.map((url) => ({ type: 'image_url', image_url: { url } }));
    return { status: 200, json: { id, object: 'chat.completion', created, model: model.id, choices: [{ index: 0, message, finish_reason: 'stop' }], usage } };
  }

  // Streaming (API.md §2.3): role chunk, text deltas, one chunk per image (the whole data URL in one delta,
  // with an `index` as OpenRouter-style streams have), finish chunk, usage chunk (only with
  // stream_options.include_usage, with `choices: []` as OpenAI does), then [DONE].
  const chunk = (delta, finish_reason = null) => ({ id, object: 'chat.completion.chunk', created, model: model.id, choices: [{ index: 0, delta, finish_reason }] });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const piece of splitText(content)) events.push(chunk({ content: piece }));
  if (f['error-mid-stream']) {
    // [INFERRED] the shape of a mid-stream error (API.md §4.2): an event with an `error` key, then the end.
    return { status: 200, sse: [events[0], events[1], { error: { message: 'The upstream provider failed mid-stream', type: 'internal_server_error' } }] };
  }
  urls.forEach((url, index) => events.push(chunk({ images: [{ index, type: 'image_url', image_url: { url } }] })));
  events.push(chunk({}, 'stop'));
  if (body.stream_options?.include_usage) events.push({ id, object: 'chat.completion.chunk', created, model: model.id, choices: [], usage });
  if (!f['no-done']) events.push('[DONE]');
  return { status: 200, sse: events };
}

// ──────────────────────────────────────────────────────────────────────────────────────────── sending

// SSE serialisation with the eol / comments faults. Each returned Buffer is one event (plus any comments).
function sseSegments(events, f) {
  const eol = f.eol === 'cr' ? '\r' : f.eol === 'crlf' ? '\r\n' : '\n';
  return events.map((ev, i) => {
    let s = '';
    if (f.comments) {
      s += `: ping${eol}${eol}`;                 // a comment-only block between events (dispatches nothing)
      if (i % 2 === 0) s += `: ping${eol}`;      // and a comment line inside an event, right before its data
    }
    s += `data: ${typeof ev === 'string' ? ev : JSON.stringify(ev)}${eol}${eol}`;
    return Buffer.from(s, 'utf8');
  });
}

function sleep(ms, res) {
  return new Promise((resolve) => {
    if (!ms) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); res.off('close', done); resolve(); }
    res.once('close', done);
  });
}

const writeAsync = (res, buf) => new Promise((resolve) => {
  if (res.destroyed) return resolve();
  if (res.write(buf)) resolve();
  else { const done = () => { res.off('drain', done); res.off('close', done); resolve(); }; res.on('drain', done); res.on('close', done); }
});
// For chunk faults every piece waits for its write callback and then for a turn of the event loop (setImmediate),
// so pieces leave in separate TCP segments and a client in the same process gets to read between them.
const writeFlushed = (res, buf) => new Promise((resolve) => {
  if (res.destroyed) resolve(); else res.write(buf, () => setImmediate(resolve));
});

async function sendResult(res, result, f, rng) {
  const streaming = !!result.segments.streaming;
  const segments = result.segments;
  const total = segments.reduce((a, s) => a + s.length, 0);
  // Only one cut-off applies: truncate, then reset-after, then stall-after.
  const cutKind = f.truncate !== undefined ? 'truncate' : f['reset-after'] !== undefined ? 'reset' : f['stall-after'] !== undefined ? 'stall' : null;
  const cut = cutKind === 'truncate' ? f.truncate : cutKind === 'reset' ? f['reset-after'] : cutKind === 'stall' ? f['stall-after'] : Infinity;
  const headers = { ...result.headers };
  if (!streaming) headers['content-length'] = String(cutKind === 'truncate' ? Math.min(cut, total) : total);
  res.writeHead(result.status, headers);
  if (cutKind || f['delay-events'] || f.chunk) res.flushHeaders();
  let sent = 0, stopped = false;
  for (let si = 0; si < segments.length && !stopped; si++) {
    if (si > 0 && f['delay-events']) await sleep(f['delay-events'], res);
    if (res.destroyed) return;
    let seg = segments[si];
    if (sent + seg.length >= cut) { seg = seg.subarray(0, cut - sent); stopped = true; }
    if (f.chunk) {
      for (let o = 0; o < seg.length;) {
        const size = f.chunk === 'random' ? 1 + Math.floor(rng() * 97) : f.chunk;
        await writeFlushed(res, seg.subarray(o, o + size));
        if (res.destroyed) return;
        o += size;
      }
    } else if (seg.length) await writeAsync(res, seg);
    sent += seg.length;
  }
  if (!stopped || cutKind === 'truncate') { res.end(); return; }
  if (cutKind === 'stall') return;  // keep the connection open; close() or the client ends it
  // reset-after: let the bytes reach the client, then reset the connection (RST; FIN where unsupported).
  await new Promise((resolve) => { if (res.destroyed) resolve(); else res.write('', () => resolve()); });
  await sleep(20, res);
  const socket = res.socket;
  if (socket && !socket.destroyed) { if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy(); else socket.destroy(); }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new GatewayError(413, `Request body exceeds ${MAX_BODY} bytes`, { type: 'invalid_request_error' })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// ──────────────────────────────────────────────────────────────────────────────────────────── server

/**
 * Starts the mock. `port: 0` picks a free port. `keys`: accepted bearer keys (default: any non-empty key).
 * Returns { url (base URL including /v1), port, close(), requests, reset(), setFault(str|null) }.
 */
export async function start({ port = 8788, host = '127.0.0.1', keys } = {}) {
  const requests = [];
  const failCounts = new Map();
  const sockets = new Set();
  let defaultFault = null, counter = 0;
  const accepted = keys ? new Set(keys.map(String)) : null;
  const secretsKnown = [...(accepted ?? [])].filter((k) => k.length >= 4);

  function authKey(header) {
    const m = /^Bearer[ \t]+(\S.*?)\s*$/i.exec(header ?? '');
    return m ? m[1] : null;
  }
  // The log must never contain a key: authorization is replaced, and any occurrence of the presented key or a
  // configured key elsewhere (other headers, path, body) becomes [redacted].
  function scrubber(key) {
    const secrets = [...secretsKnown, ...(key && key.length >= 4 ? [key] : [])];
    return (s) => { for (const k of secrets) s = s.split(k).join('[redacted]'); return s; };
  }

  async function handle(req, res) {
    const requestId = `req_${++counter}`;
    res.setHeader('x-request-id', requestId);  // also on responses written by the error handler below
    const common = {
      'x-request-id': requestId, 'access-control-allow-origin': '*', 'access-control-expose-headers': CORS_EXPOSE_HEADERS,
    };
    const url = new URL(req.url, 'http://mock.invalid');
    const key = authKey(req.headers.authorization);
    const scrub = scrubber(key);
    let raw;
    try { raw = await readBody(req); } catch (e) {
      if (!res.headersSent && !res.destroyed) { res.writeHead(e.status ?? 400, { ...common, 'content-type': 'application/json' }); res.end(JSON.stringify({ error: { message: e.message, type: e.type ?? 'invalid_request_error' } })); }
      return;
    }
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) {
      headers[k] = k === 'authorization' ? (/^bearer\b/i.test(String(v)) ? 'Bearer [redacted]' : '[redacted]') : scrub(String(v));
    }
    const entry = { method: req.method, path: scrub(url.pathname + url.search), headers };
    if (raw.length) {
      const text = scrub(raw.toString('utf8'));
      try { entry.body = JSON.parse(text); } catch { entry.body = text; }
    }
    requests.push(entry);

    if (req.method === 'OPTIONS') {
      const asked = String(req.headers['access-control-request-headers'] ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
      res.writeHead(204, {
        ...common, 'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': [...new Set([...CORS_ALLOW_HEADERS, ...asked])].join(', '), 'access-control-max-age': '600',
      });
      res.end();
      return;
    }

    let body, parsedOk = false;
    if (raw.length) { try { body = JSON.parse(raw.toString('utf8')); parsedOk = true; } catch { /* reported by the route */ } }
    const genId = generationId(url.pathname, raw.toString('latin1'));

    const faultStr = String(req.headers['x-mock-fault'] ?? defaultFault ?? '').trim();
    let f, result;
    try { f = parseFaults(faultStr); } catch (e) {
      f = {};
      result = errorResult(invalid(e.message, 'x-mock-fault', 'unknown_fault'), genId);
    }
    if (f.delay) { await sleep(f.delay, res); if (res.destroyed) return; }

    if (!result && f['fail-first']) {
      const seen = (failCounts.get(faultStr) ?? 0) + 1;
      failCounts.set(faultStr, seen);
      if (seen <= f['fail-first'].count) result = errorResult(faultError(f['fail-first'].status, body), genId);
    }
    if (!result && f.status) result = errorResult(faultError(f.status, body), genId);
    if (!result && f['html-error']) {
      const s = f['html-error'];
      result = { status: s, headers: { 'content-type': 'text/html; charset=utf-8' }, text:
        `<!DOCTYPE html>\n<html><head><title>${s} Bad Gateway</title></head>\n<body><h1>${s} Bad Gateway</h1>` +
        '<p>The proxy server received an invalid response from an upstream server.</p><hr><address>mock-edge</address></body></html>\n' };
    }
    if (!result && f['error-200']) {
      result = errorResult(new GatewayError(200, 'The upstream provider returned an error (mock fault: error-200)', { type: 'internal_server_error' }), genId);
    }
    if (!result) {
      try {
        const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
        const needsAuth = route === 'POST /v1/images/generations' || route === 'POST /v1/chat/completions';
        if (needsAuth) {
          if (!req.headers.authorization) throw new GatewayError(401, 'Missing Authorization header: send "Authorization: Bearer <AI Gateway API key>"');
          if (!key || (accepted && !accepted.has(key))) throw new GatewayError(401, 'Invalid API key');
          if (!parsedOk) {
            throw invalid(raw.length ? 'Invalid request: the body is not valid JSON' : 'Invalid request: the body is empty (JSON expected)', undefined, 'invalid_json');
          }
        }
        if (route === 'GET /v1/models') result = listModels();
        else if (req.method === 'GET' && url.pathname.startsWith('/v1/models/')) {
          const id = decodeURIComponent(url.pathname.slice('/v1/models/'.length));
          const m = MODELS.get(id);
          if (!m) throw new GatewayError(404, `Model '${id}' not found`, { type: 'model_not_found', param: { modelId: id } });
          result = { status: 200, json: m };
        } else if (route === 'POST /v1/images/generations') result = await imagesGenerations(body, f);
        else if (route === 'POST /v1/chat/completions') result = await chatCompletions(body, f, genId);
        else if (['/v1/models', '/v1/images/generations', '/v1/chat/completions'].includes(url.pathname.replace(/\/+$/, ''))) {
          throw new GatewayError(405, `Method ${req.method} is not allowed on ${url.pathname}`, { type: 'invalid_request_error' });
        } else throw new GatewayError(404, `Not found: ${req.method} ${url.pathname}`, { type: 'not_found' });
      } catch (e) {
        if (!(e instanceof GatewayError) && !e.status) throw e;
        result = errorResult(e instanceof GatewayError ? e : new GatewayError(e.status, e.message), genId);
      }
    }

    const outHeaders = { ...common, ...(result.headers ?? {}) };
    // The generation id of every generation attempt and every error (also in the body: `id` / `generationId`).
    if (req.method === 'POST' || result.status >= 400) outHeaders['x-generation-id'] = genId;
    if (f['retry-after-ms'] !== undefined && result.status >= 400) {
      outHeaders['retry-after-ms'] = String(f['retry-after-ms']);
      if (outHeaders['retry-after']) outHeaders['retry-after'] = String(Math.ceil(f['retry-after-ms'] / 1000));
    }
    let segments;
    if (result.sse) {
      Object.assign(outHeaders, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      segments = sseSegments(result.sse, f);
      segments.streaming = true;
    } else if (result.text !== undefined) {
      segments = [Buffer.from(result.text, 'utf8')];
    } else {
      outHeaders['content-type'] = 'application/json';
      segments = [Buffer.from(JSON.stringify(result.json), 'utf8')];
    }
    await sendResult(res, { status: result.status, headers: outHeaders, segments }, f, mulberry32(seed32('chunks', faultStr, raw.length)));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      // A bug in the mock: answer 500 (the message never contains a key: keys are only in headers).
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        res.end(JSON.stringify({ error: { message: `mock gateway bug: ${err?.message ?? err}`, type: 'internal_server_error' } }));
      } else res.destroy();
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.setNoDelay(true); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => { server.off('error', reject); resolve(); }); });
  const actualPort = server.address().port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let closed = null;
  return {
    url: `http://${hostPart}:${actualPort}/v1`,
    port: actualPort,
    requests,
    /** Clears the request log and every fail-first counter (the default fault set by setFault stays). */
    reset() { requests.length = 0; failCounts.clear(); },
    /** Sets the fault applied to requests without an x-mock-fault header; null/'' clears it. Throws if invalid. */
    setFault(s) { if (s) parseFaults(s); defaultFault = s || null; },
    close() {
      closed ??= new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();  // also ends stalled responses and keep-alive connections
      });
      return closed;
    },
  };
}

// ──────────────────────────────────────────────────────────────────────────────────────────── CLI

const HELP = `Usage: node scripts/mock-gateway.mjs [--port N] [--host H] [--key K]... [--fault F]
A local mock of Vercel AI Gateway's OpenAI-compatible API (/v1/models, /v1/images/generations,
/v1/chat/completions with images and streaming), with deterministic pictures.
  --port N     port (default 8788; 0 picks a free one)
  --host H     interface (default 127.0.0.1)
  --key K      accept only this bearer key (repeatable; default: any non-empty key)
  --fault F    default fault for requests without an x-mock-fault header, e.g. 'delay=500'
Faults (x-mock-fault header, comma-separated): status=N, fail-first=K:S, retry-after-ms=N, truncate=N,
  reset-after=N, stall-after=N, delay=MS, delay-events=MS, html-error=N, error-200, bad-base64, chunk=1|N|random,
  eol=cr|crlf, comments, no-done, error-mid-stream, huge, tag=N (no effect; a separate fail-first counter per N)`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) { console.log(HELP); process.exit(0); }
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const keys = args.flatMap((a, i) => (a === '--key' && args[i + 1] ? [args[i + 1]] : []));
  const portArg = opt('--port') ?? '8788';
  if (!/^\d+$/.test(portArg)) { console.error(`mock gateway: invalid --port ${portArg}\n\n${HELP}`); process.exit(2); }
  const gw = await start({ port: Number(portArg), host: opt('--host') ?? '127.0.0.1', keys: keys.length ? keys : undefined });
  try { if (opt('--fault')) gw.setFault(opt('--fault')); } catch (e) { console.error(`mock gateway: ${e.message}`); await gw.close(); process.exit(2); }
  console.log(`mock gateway listening on ${gw.url}`);
  const stop = async () => { await gw.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
