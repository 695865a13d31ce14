// The mock gateway's pictures and image codecs: hashing and a PRNG (deterministic bodies), a PNG encoder and
// decoder, a minimal lossless WebP (VP8L) encoder, JPEG through jpeg-js (a devDependency, imported lazily), the
// rendered test pictures and the edit transformation. Only node built-ins besides jpeg-js.
import zlib from 'node:zlib';
import crypto from 'node:crypto';

// ──────────────────────────────────────────────────────────────────────────────────────────── hashing, PRNG

export const sha = (...parts) => crypto.createHash('sha256').update(parts.map(String).join('\u0000')).digest();
export const seed32 = (...parts) => sha(...parts).readUInt32LE(0);

// mulberry32: tiny deterministic PRNG (shapes, noise, random chunk sizes). Returns floats in [0, 1).
export function mulberry32(a) {
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
export function generationId(...parts) {
  const h = sha('gen', ...parts);
  let s = '01K';
  for (let i = 0; i < 23; i++) s += CROCKFORD[h[i] & 31];
  return `gen_${s}`;
}

// ──────────────────────────────────────────────────────────────────────────────────────────── PNG

export const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
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

export async function encodeImage(format, px, width, height, channels, pngOptions) {
  if (format === 'png') return encodePNG(px, width, height, channels, pngOptions);
  if (format === 'webp') return encodeWebP(px, width, height, channels);
  const { encode } = await jpegJs();
  return Buffer.from(encode({ data: toRGBA(px, width * height, channels), width, height }, 85).data);
}

/** Decodes a PNG or JPEG (sniffed from the bytes, not from the data URL's MIME type) to RGBA. */
export async function decodeImage(buf) {
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

const NOISY_PNG = { level: 1, adaptive: false, strategy: zlib.constants.Z_HUFFMAN_ONLY };
export const MIN_IMAGE_BYTES = 1024;

/**
 * A real, decodable PNG of exactly `total` bytes (the image-bytes fault: benchmarks ask for "a 6 MiB PNG"): a noisy
 * square picture (hard to compress, so its pixels are most of the file and a browser decodes that many pixels) whose
 * side is chosen so that it fills about 97 % of `total`, then a private ancillary chunk (igPd: decoders skip it)
 * before IEND pads it to the byte. `spec.width`/`height` are ignored. Deterministic: the same spec, the same bytes.
 */
export function pngOfBytes(spec, total) {
  if (!Number.isInteger(total) || total < MIN_IMAGE_BYTES) throw new RangeError(`an image of ${total} bytes: at least ${MIN_IMAGE_BYTES}`);
  const fill = total * 0.97;
  let side = Math.max(8, Math.floor(Math.sqrt(fill / (3 * 0.985)))), png;
  for (let tries = 0; ; tries++) {
    png = encodePNG(renderPicture({ ...spec, width: side, height: side, noisy: true }), side, side, 3, NOISY_PNG);
    if (png.length + 12 <= total || tries >= 6 || side <= 8) break;
    side = Math.max(8, Math.floor(side * Math.sqrt(fill / png.length)));
  }
  const pad = total - png.length - 12;
  if (pad < 0) throw new RangeError(`an image of ${total} bytes: too small for a picture`);
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), pngChunk('igPd', Buffer.alloc(pad)), png.subarray(iend)]);
}

// Encoded pictures are cached: tests and the demo request the same small images again and again.
const imageCache = new Map();
let imageCacheBytes = 0;
export async function pictureBytes(spec, format) {
  const key = JSON.stringify([spec.model, spec.prompt, spec.index, spec.width, spec.height, spec.noisy, format, spec.bytes ?? null]);
  const hit = imageCache.get(key);
  if (hit) { imageCache.delete(key); imageCache.set(key, hit); return hit; }
  const bytes = spec.bytes !== undefined ? pngOfBytes(spec, spec.bytes)
    : await encodeImage(format, renderPicture(spec), spec.width, spec.height, 3, spec.noisy ? NOISY_PNG : undefined);
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
export function transformRGBA(img, variant) {
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

