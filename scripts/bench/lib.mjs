// Shared benchmark helpers. Runs unchanged in node 20 and in Chromium (no node: imports here).
//
// Timing model: every case is a function; a *sample* runs it `iters` times back to back (iters calibrated so
// that one sample lasts about `sampleMs`, which makes Chromium's coarse performance.now() harmless) and records
// the time per call. Samples are taken in `rounds`; within a round the cases run in turn (round-robin), so a
// burst of load from other processes hits every case of the round alike. A case reports the round with the best
// median ("best-of-rounds median") and that round's p10–p90, plus min/max over every sample.

export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined';

export const KiB = 1024;
export const MiB = 1024 * 1024;

export const now = () => performance.now();

/** Is this module the entry point of the node process? (false in a browser) */
export async function isMain(metaUrl) {
  if (!isNode || !process.argv[1]) return false;
  const { pathToFileURL } = await import('node:url');
  const { realpathSync } = await import('node:fs');
  try {
    return metaUrl === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

/** Command-line flags in node (`--quick`, `--json`, `--rounds 3`), options object in a browser. `--help` prints the
 * calling script's header comment and exits. */
export async function cliOptions(defaults = {}) {
  const o = { ...defaults };
  if (!isNode) return o;
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(process.argv[1], 'utf8').split('\n');
    const head = [];
    for (const l of lines.slice(lines[0].startsWith('#!') ? 1 : 0)) {
      if (!l.startsWith('//')) break;
      head.push(l.replace(/^\/\/ ?/, ''));
    }
    console.log(head.join('\n'));
    process.exit(0);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--') && typeof defaults[key] !== 'boolean') {
      o[key] = Number.isNaN(Number(next)) ? next : Number(next);
      i++;
    } else {
      o[key] = true;
    }
  }
  return o;
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), min: s[0], max: s[s.length - 1], n: s.length };
}

/** A full GC when the runtime exposes it (node --expose-gc, Chromium --js-flags=--expose-gc). */
/**
 * The regime (issue 22): 'cold' forces a full GC before every sample (every peer then pays fresh pages for its output
 * on each call, as a request every few seconds does); 'warm' is the same loop without forced GC, so allocators reuse
 * memory for everyone, as a batch does. BENCH_REGIME=warm in node; globalThis.__benchRegime in a page.
 */
export const regime = ((typeof process === 'object' && process.env?.BENCH_REGIME) || globalThis.__benchRegime) === 'warm' ? 'warm' : 'cold';
export const gc = () => { if (regime === 'cold' && typeof globalThis.gc === 'function') globalThis.gc(); };
export const gcExposed = () => typeof globalThis.gc === 'function';

const yieldToLoop = () => new Promise((r) => setTimeout(r, 0));

/**
 * Runs `cases` ([{ name, fn, bytes?, alloc?, selfTimed? }]) and returns [{ name, bytes, ms: {median,p10,p90,min,max,n},
 * mbps?, iters, rounds }]. `fn` may be async (then each call is awaited; use for I/O-bound cases). With
 * `selfTimed`, fn resolves with its own measurement in ms (e.g. "last chunk → image"), one call per sample, or with
 * { ms, extra: { name: ms } }: the extra intervals of the same call are summarized beside it (out.extra[name]).
 * Options: rounds, samples (per round), sampleMs (target length of one sample), warmup (calls), maxMs (per case
 * per round: stop taking samples after this long, keeping at least 3).
 */
export async function runCases(cases, { rounds = 3, samples = 11, sampleMs = 20, warmup = 3, maxMs = 4000, maxGarbage = 64 * MiB,
  gcEachSampleBytes = 256 * 1024, log } = {}) {
  const state = [];
  for (const c of cases) {
    gc();
    // Warm up (JIT, caches, heap growth), then calibrate iterations per sample.
    let single = Infinity;
    for (let k = 0; k < warmup; k++) {
      const t0 = now();
      const r = c.fn();
      if (r && typeof r.then === 'function') { c.async = true; await r; }
      if (c.selfTimed) c.async = true;
      single = Math.min(single, now() - t0);
    }
    let iters = c.async ? 1 : Math.max(1, Math.min(1e6, Math.ceil(sampleMs / Math.max(single, 0.0005))));
    // Bound the garbage one sample makes (`alloc` bytes per call, default `bytes`): a tight loop making hundreds
    // of MiB of ArrayBuffers measures V8's external-memory GC heuristics rather than the code.
    const alloc = c.alloc ?? c.bytes ?? 0;
    if (alloc > 0) iters = Math.max(1, Math.min(iters, Math.ceil(maxGarbage / alloc)));
    state.push({ c, iters, roundStats: [], all: [], extras: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of state) {
      gc();
      await yieldToLoop();
      const xs = [];
      const start = now();
      const bigGarbage = (s.c.alloc ?? s.c.bytes ?? 0) * s.iters >= gcEachSampleBytes;
      for (let k = 0; k < samples; k++) {
        // A full GC between samples (outside the timed region, when exposed) for cases that make big garbage:
        // otherwise one sample pays for the previous ones' buffers.
        if (bigGarbage || s.c.async) gc();
        let t0, t1;
        if (s.c.selfTimed) {
          // fn measures itself and resolves with the milliseconds of the interval it is about.
          t0 = 0;
          t1 = await s.c.fn();
          if (t1 && typeof t1 === 'object') { s.extras.push(t1.extra ?? {}); t1 = t1.ms; }
        } else if (s.c.async) {
          t0 = now();
          await s.c.fn();
          t1 = now();
        } else {
          const fn = s.c.fn, n = s.iters;
          t0 = now();
          for (let i = 0; i < n; i++) fn();
          t1 = now();
        }
        xs.push((t1 - t0) / s.iters);
        if (k >= 2 && now() - start > maxMs) break;
      }
      s.roundStats.push(summarize(xs));
      s.all.push(...xs);
    }
  }
  return state.map(({ c, iters, roundStats, all, extras }) => {
    const best = roundStats.reduce((a, b) => (b.median < a.median ? b : a));
    const overall = summarize(all);
    const ms = { ...best, min: overall.min, max: overall.max, n: overall.n, roundMedians: roundStats.map((x) => x.median) };
    const out = { name: c.name, ms, iters, rounds: roundStats.length };
    if (extras.length) {
      out.extra = {};
      for (const k of Object.keys(extras[0])) out.extra[k] = summarize(extras.map((e) => e[k]).filter(Number.isFinite));
    }
    if (c.bytes) {
      out.bytes = c.bytes;
      out.mbps = { median: mbps(c.bytes, ms.median), p10: mbps(c.bytes, ms.p90), p90: mbps(c.bytes, ms.p10) };
    }
    if (log) log(`  ${c.name}: ${fmtMs(ms.median)} ms${out.mbps ? ` (${fmt(out.mbps.median)} MB/s)` : ''}`);
    return out;
  });
}

/** MB/s (10^6 bytes per second). */
export const mbps = (bytes, ms) => (bytes / 1e6) / (ms / 1e3);

export function fmt(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return '∞';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toFixed(d);
}
export function fmtMs(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  if (x >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
}
export const sizeName = (n) => (n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : n >= KiB && n % KiB === 0 ? `${n / KiB} KiB` : `${n} B`);

/** A plain-text table. rows: arrays of cells; the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r, j) => {
    const line = r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
    return j === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

// ---- deterministic fixtures ---------------------------------------------------------------------------------

/** Deterministic pseudo-random bytes (xorshift32), incompressible like real PNG payloads. */
export function randomBytes(n, seed = 0x9e3779b9) {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < n; i++) out[i] = (i * 131 + 7) & 0xff;
  return out;
}

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** "PNG-ish" bytes: a real PNG signature and IHDR (so sniffers report png + size), then random IDAT-like bytes. */
export function pngish(n, { width = 1024, height = 1024, seed = 1 } = {}) {
  const out = randomBytes(Math.max(n, 33), seed);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, 13);
  out.set([0x49, 0x48, 0x44, 0x52], 12);  // IHDR
  dv.setUint32(16, width);
  dv.setUint32(20, height);
  out.set([8, 6, 0, 0, 0], 24);           // 8-bit RGBA
  dv.setUint32(29, crc32(out.subarray(12, 29)));
  return out.subarray(0, Math.max(n, 33));
}

/**
 * A real, decodable PNG of about `n` bytes (browsers draw it): 8-bit RGBA, `width` pixels wide, pseudo-random pixels
 * (incompressible), zlib *stored* blocks (no compression work for anyone), one IDAT. For the "image shown" benches,
 * where an <img> must load it.
 */
export function realPng(n, { width = 1024, seed = 7 } = {}) {
  const row = width * 4 + 1;
  const height = Math.max(1, Math.floor((n - 64) / (row + 5 * row / 65535)));
  const raw = randomBytes(row * height, seed);
  for (let y = 0; y < height; y++) raw[y * row] = 0;  // filter: none
  const blocks = Math.ceil(raw.length / 65535);
  const z = new Uint8Array(2 + raw.length + 5 * blocks + 4);
  z[0] = 0x78; z[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const len = Math.min(65535, raw.length - b * 65535);
    z[o] = b === blocks - 1 ? 1 : 0; z[o + 1] = len & 0xff; z[o + 2] = len >>> 8; z[o + 3] = ~len & 0xff; z[o + 4] = (~len >>> 8) & 0xff;
    z.set(raw.subarray(b * 65535, b * 65535 + len), o + 5);
    o += 5 + len;
  }
  let a = 1, bsum = 0;
  for (let i = 0; i < raw.length; i++) { a += raw[i]; if (a >= 65521) a -= 65521; bsum += a; if (bsum >= 65521) bsum -= 65521; }
  new DataView(z.buffer).setUint32(o, ((bsum << 16) | a) >>> 0);
  const chunk = (type, data) => {
    const c = new Uint8Array(12 + data.length);
    const dv = new DataView(c.buffer);
    dv.setUint32(0, data.length);
    c.set(utf8(type), 4); c.set(data, 8);
    dv.setUint32(8 + data.length, crc32(c.subarray(4, 8 + data.length)));
    return c;
  };
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width); hv.setUint32(4, height); ihdr.set([8, 6, 0, 0, 0], 8);
  return concatBytes([Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', z), chunk('IEND', new Uint8Array(0))]);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));

/** Standard padded base64 of `bytes`, as ASCII bytes (plain JS: independent of the code under test). */
export function base64Bytes(bytes) {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let i = 0, w = 0;
  for (; i + 3 <= n; i += 3, w += 4) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[w] = B64CODES[v >>> 18]; out[w + 1] = B64CODES[(v >>> 12) & 63];
    out[w + 2] = B64CODES[(v >>> 6) & 63]; out[w + 3] = B64CODES[v & 63];
  }
  if (i < n) {
    const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
    out[w] = B64CODES[v >>> 18]; out[w + 1] = B64CODES[(v >>> 12) & 63];
    out[w + 2] = i + 1 < n ? B64CODES[(v >>> 6) & 63] : 61;
    out[w + 3] = 61;
  }
  return out;
}

const latin1 = new TextDecoder('latin1');
/** ASCII bytes → JS string. */
export const asciiString = (bytes) => latin1.decode(bytes);
const enc = new TextEncoder();
export const utf8 = (s) => enc.encode(s);

export function concatBytes(parts) {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 4093) if (a[i] !== b[i]) return false;  // sampled + ends: cheap and enough
  return a[a.length - 1] === b[b.length - 1] && a[0] === b[0];
}

/** Exact comparison (used once per case, outside the timed loop). */
export function sameBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An images response of about `totalBytes` bytes with `count` PNG-ish images: { body, images } (memoised). */
const responseCache = new Map();
export function imagesResponse(totalBytes, count = 2) {
  const key = `${totalBytes}/${count}`;
  if (!responseCache.has(key)) responseCache.set(key, buildImagesResponse(totalBytes, count));
  return responseCache.get(key);
}
function buildImagesResponse(totalBytes, count) {
  const per = Math.floor((totalBytes - 200) / count / 4) * 3;  // decoded bytes per image
  const images = [];
  const parts = [utf8('{"created":1732600000,"data":[')];
  for (let k = 0; k < count; k++) {
    const img = pngish(per, { width: 1024 + k, height: 768, seed: 17 + k });
    images.push(img);
    if (k) parts.push(utf8(','));
    parts.push(utf8('{"b64_json":"'), base64Bytes(img), utf8('","revised_prompt":"a bench image"}'));
  }
  parts.push(utf8('],"usage":{"total_tokens":4160,"input_tokens":10,"output_tokens":4150,"input_tokens_details":{"text_tokens":10,"image_tokens":0}}}'));
  return { body: concatBytes(parts), images };
}

// ---- the streamed chat fixture (stream.mjs, and the bench server's /s/<n>/v1/chat/completions) -------------------

export const SSE_CHUNK = 64 * KiB;
const sseCache = new Map();
/**
 * SSE body around one image of `b64Len` base64 characters, as chunks of SSE_CHUNK bytes; `last` = index of the image
 * event's last chunk (aligned so that it ends exactly at the event's blank line). `real`: the image is a decodable
 * PNG (realPng, about the same size) instead of PNG-ish bytes.
 */
export function sseFixture(b64Len, { real = false } = {}) {
  const key = `${b64Len}/${real}`;
  if (sseCache.has(key)) return sseCache.get(key);
  const n = Math.floor(b64Len / 4) * 3;
  const image = real ? realPng(n, { seed: b64Len }) : pngish(n, { width: 1536, height: 1024, seed: b64Len });
  const meta = '"id":"gen-bench","object":"chat.completion.chunk","created":1732600000,"model":"google/gemini-2.5-flash-image"';
  const pre = utf8(`data: {${meta},"choices":[{"index":0,"delta":{"role":"assistant","content":"Here is your image."}}]}\n\n`);
  const head = utf8(`data: {${meta},"choices":[{"index":0,"delta":{"images":[{"type":"image_url","image_url":{"url":"data:image/png;base64,`);
  const b64 = base64Bytes(image);
  const tail = utf8('"}}]}}]}\n\n');
  const post = utf8(`data: {${meta},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n` +
    `data: {${meta},"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":1290,"total_tokens":1302}}\n\n` +
    'data: [DONE]\n\n');
  const event = new Uint8Array(head.length + b64.length + tail.length);
  event.set(head, 0); event.set(b64, head.length); event.set(tail, head.length + b64.length);
  const chunks = [pre];
  // Align from the end so the event's last chunk is a full SSE_CHUNK ending at its blank line.
  const first = event.length % SSE_CHUNK;
  if (first) chunks.push(event.subarray(0, first));
  for (let o = first; o < event.length; o += SSE_CHUNK) chunks.push(event.subarray(o, o + SSE_CHUNK));
  const last = chunks.length - 1;
  chunks.push(post);
  const fx = { chunks, last, image, eventBytes: event.length, b64Len: b64.length };
  sseCache.set(key, fx);
  return fx;
}

/** Environment description for the report. */
export function environment() {
  if (isNode) return { runtime: 'node', version: process.versions.node, v8: process.versions.v8, gcBetweenSamples: gcExposed() };
  const ua = navigator.userAgent;
  const m = ua.match(/(?:Headless)?Chrom(?:e|ium)\/([\d.]+)/);
  return { runtime: 'chromium', version: m ? m[1] : ua, crossOriginIsolated: globalThis.crossOriginIsolated === true,
    gcBetweenSamples: gcExposed() };
}

/**
 * Heap probe: runs fn() while sampling the wasm heap (malloc'ed bytes) whenever a Uint8Array is sliced — the
 * core copies each decoded image out with `.slice()` at the moment the input block, the parse state and the
 * decoded bytes are all alive, which is the peak of a parse — and after each call of the `sampleAfter` functions.
 * Transient peaks inside one call (e.g. a vector reallocating) are not seen. Returns { before, peak, after, total, samples }.
 */
export async function heapProbe(wasm, fn, { sampleAfter = [] } = {}) {
  const before = wasm._heapStats();
  let peak = before.used, samples = 0;
  const orig = Uint8Array.prototype.slice;
  let inside = false;
  // Also sample after each call of the named module functions (e.g. chatStreamFeed: the decoded-bytes vector).
  const wrapped = sampleAfter.filter((n) => typeof wasm[n] === 'function').map((n) => [n, wasm[n]]);
  for (const [n, f] of wrapped) {
    wasm[n] = (...a) => {
      const r = f(...a);
      const h = wasm._heapStats();
      if (h.used > peak) peak = h.used;
      samples++;
      return r;
    };
  }
  Uint8Array.prototype.slice = function (...args) {
    if (!inside) {
      inside = true;
      try {
        const h = wasm._heapStats();
        if (h.used > peak) peak = h.used;
        samples++;
      } finally {
        inside = false;
      }
    }
    return orig.apply(this, args);
  };
  let result;
  try {
    result = await fn();
  } finally {
    Uint8Array.prototype.slice = orig;
    for (const [n, f] of wrapped) wasm[n] = f;
  }
  const after = wasm._heapStats();
  return { before: before.used, peak: Math.max(peak, after.used), after: after.used, total: after.total,
    bufferByteLength: wasm.HEAPU8.buffer.byteLength, samples, result };
}
