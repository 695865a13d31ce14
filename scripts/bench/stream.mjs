#!/usr/bin/env node
// Streamed chat completions carrying one big image as an SSE event:
//   data: {"choices":[{"index":0,"delta":{"images":[{"type":"image_url","image_url":{"url":"data:image/png;base64,…"}}]}}]}
// Runs in node (`node --expose-gc scripts/bench/stream.mjs [--json] [--quick]`) and in Chromium (browser.mjs).
//
// The body is a ReadableStream we control, in 64 KiB chunks, PULL-driven (highWaterMark 0): a chunk is enqueued
// only when the consumer asks for it, i.e. after it has processed the previous one. The image event's chunks are
// aligned to end exactly at its blank line, so the last chunk of the event is a full 64 KiB. Image sizes are
// base64 payload sizes (an "8 MiB image" is 8 MiB of base64 inside the event).
//
// latency ("last byte → image"): from enqueueing the event's last chunk to the decoded image in the consumer's hands.
//   api       imagegate createClient({ fetch }).chat.completions.stream(): the injected fetch returns a Response
//             whose body is our stream; the time ends when `for await` yields { type: 'image' }
//   lowlevel  the core's chat stream directly: HEAPU8.set(chunk) + wasm._chatStreamFeed(), synchronous
//   peer.*    eventsource-parser + TextDecoder + JSON.parse + Buffer.from (node) / Uint8Array.fromBase64 and
//             atob (Chromium), reading the same kind of stream
// throughput: one image event of 1 KiB … 28 MiB, from the first chunk enqueued to the image delivered; MB/s of
//   event bytes. Constant MB/s across sizes = linear time.
import { createClient } from './imagegate.mjs';
import * as core from '../../wasm/js/core.mjs';
import { createParser } from 'eventsource-parser';
import {
  KiB, MiB, isNode, isMain, cliOptions, runCases, pngish, base64Bytes, utf8, sameBytes, environment, now, table,
  fmt, fmtMs, sizeName, heapProbe, gc,
} from './lib.mjs';

export const LATENCY_SIZES = [1 * MiB, 8 * MiB];
export const THROUGHPUT_SIZES = [1 * KiB, 16 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB, 28 * MiB];
const CHUNK = 64 * KiB;

const cache = new Map();
/** SSE body around one image of `b64Len` base64 characters, as chunks; `last` = index of the event's last chunk. */
export function sseFixture(b64Len) {
  if (cache.has(b64Len)) return cache.get(b64Len);
  const image = pngish(Math.floor(b64Len / 4) * 3, { width: 1536, height: 1024, seed: b64Len });
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
  // Align from the end so the event's last chunk is a full CHUNK ending at its blank line.
  const first = event.length % CHUNK;
  if (first) chunks.push(event.subarray(0, first));
  for (let o = first; o < event.length; o += CHUNK) chunks.push(event.subarray(o, o + CHUNK));
  const last = chunks.length - 1;
  chunks.push(post);
  const fx = { chunks, last, image, eventBytes: event.length, b64Len: b64.length };
  cache.set(b64Len, fx);
  return fx;
}

/** A pull-driven byte stream over `chunks`; marks.first / marks.last get the times chunk 0 / chunk `last` were enqueued. */
function controlledStream(fx, marks) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= fx.chunks.length) { controller.close(); return; }
      if (i === 0) marks.first = now();
      if (i === fx.last) marks.last = now();
      controller.enqueue(fx.chunks[i++]);
    },
  }, { highWaterMark: 0 });
}

function fakeResponse(stream) {
  const headers = new Headers({ 'content-type': 'text/event-stream', 'x-request-id': 'req_bench' });
  const r = new Response(stream, { status: 200, headers });
  if (r.body === stream) return r;
  // Chromium wraps a constructed Response's body; hand out the stream itself so nothing reads ahead of the consumer.
  return { ok: true, status: 200, statusText: 'OK', headers, body: stream, url: '', redirected: false, type: 'basic' };
}

const MESSAGES = [{ role: 'user', content: 'draw a benchmark' }];

/** imagegate public API; resolves { latency, total, bytes }. */
async function viaApi(fx) {
  const marks = {};
  const client = await createClient({
    baseURL: 'http://bench.invalid/v1', apiKey: 'k', maxRetries: 0,
    fetch: async () => fakeResponse(controlledStream(fx, marks)),
  });
  let t1 = 0, bytes = null;
  for await (const ev of client.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: MESSAGES, modalities: ['image', 'text'] })) {
    if (ev.type === 'image') { t1 = now(); bytes = ev.bytes; }
  }
  return { latency: t1 - marks.last, total: t1 - marks.first, bytes };
}

/** The core's chat stream without the JS iterator: synchronous feed of each chunk. */
function viaLowLevel(fx) {
  const wasm = core.wasm;
  const id = wasm._chatStreamCreate();
  const scratch = wasm._malloc(CHUNK + 64);
  let t0 = 0, tf = 0, t1 = 0, bytes = null;
  try {
    for (let i = 0; i < fx.chunks.length; i++) {
      const c = fx.chunks[i];
      if (i === 0) tf = now();
      if (i === fx.last) t0 = now();
      let p = scratch;
      if (c.length > CHUNK + 64) p = wasm._malloc(c.length);
      wasm.HEAPU8.set(c, p);
      const r = wasm._chatStreamFeed(id, p, c.length);
      if (p !== scratch) wasm._free(p);
      for (const ev of r.events) if (ev.type === 'image') { t1 = now(); bytes = ev.bytes; }
    }
    wasm._chatStreamFinish(id);
  } finally {
    wasm._chatStreamDestroy(id);
    wasm._free(scratch);
  }
  return { latency: t1 - t0, total: t1 - tf, bytes };
}

const PEER_DECODERS = {};
if (isNode) PEER_DECODERS['peer.buffer'] = ['eventsource-parser + JSON.parse + Buffer.from', (s) => { const b = Buffer.from(s, 'base64'); return new Uint8Array(b.buffer, b.byteOffset, b.length); }];
if (typeof Uint8Array.fromBase64 === 'function') PEER_DECODERS['peer.fromBase64'] = ['eventsource-parser + JSON.parse + Uint8Array.fromBase64', (s) => Uint8Array.fromBase64(s)];
if (!isNode) PEER_DECODERS['peer.atob'] = ['eventsource-parser + JSON.parse + atob loop', (s) => { const bin = atob(s); const o = new Uint8Array(bin.length); for (let i = 0; i < o.length; i++) o[i] = bin.charCodeAt(i); return o; }];

/** The peer: fetch-style reader + TextDecoder + eventsource-parser + JSON.parse + a base64 decoder. */
async function viaPeer(fx, decode) {
  const marks = {};
  const reader = controlledStream(fx, marks).getReader();
  const td = new TextDecoder();
  let t1 = 0, bytes = null;
  const parser = createParser({
    onEvent(ev) {
      if (ev.data === '[DONE]') return;
      const j = JSON.parse(ev.data);
      for (const c of j.choices ?? []) {
        for (const im of c.delta?.images ?? []) {
          const url = im.image_url?.url ?? '';
          bytes = decode(url.slice(url.indexOf(',') + 1));
          t1 = now();
        }
      }
    },
  });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(td.decode(value, { stream: true }));
  }
  return { latency: t1 - marks.last, total: t1 - marks.first, bytes };
}

function routes() {
  const r = [
    { key: 'api', name: 'imagegate chat.completions.stream (fetch injected)', fn: viaApi },
    { key: 'lowlevel', name: 'imagegate core chatStreamFeed (low level)', fn: async (fx) => viaLowLevel(fx) },
  ];
  for (const [key, [name, dec]] of Object.entries(PEER_DECODERS)) r.push({ key, name, fn: (fx) => viaPeer(fx, dec) });
  return r;
}

async function measure(sizes, field, runOpts, log, group) {
  const results = [];
  for (const size of sizes) {
    log(`stream ${group} ${sizeName(size)}`);
    const fx = sseFixture(size);
    const cases = [];
    for (const rt of routes()) {
      const out = await rt.fn(fx);  // correctness check + warm-up
      if (!sameBytes(out.bytes, fx.image)) throw new Error(`stream bench: ${rt.name} returned wrong image bytes (${sizeName(size)})`);
      cases.push({ key: rt.key, name: rt.name, selfTimed: true, bytes: group === 'throughput' ? fx.eventBytes : undefined,
        fn: async () => (await rt.fn(fx))[field] });
    }
    const measured = await runCases(cases, { ...runOpts, log });
    measured.forEach((m, i) => results.push({ group, size, eventBytes: fx.eventBytes, key: cases[i].key, ...m }));
  }
  return results;
}

export async function run(opts = {}) {
  const quick = !!opts.quick;
  const latencySizes = opts.latencySizes ?? (quick ? [8 * MiB] : LATENCY_SIZES);
  const throughputSizes = opts.throughputSizes ?? (quick ? [1 * KiB, 1 * MiB] : THROUGHPUT_SIZES);
  const runOpts = quick ? { rounds: 1, samples: 5, warmup: 1, maxMs: 1500 }
    : { rounds: opts.rounds ?? 3, samples: 9, warmup: 2, maxMs: 2000 };
  const log = opts.log ?? (() => {});
  const results = [
    ...await measure(latencySizes, 'latency', runOpts, log, 'latency'),
    ...await measure(throughputSizes, 'total', quick ? runOpts : { ...runOpts, samples: 5 }, log, 'throughput'),
  ];
  // Heap during one streamed image of the largest latency size (8 MiB; through the public API).
  gc();
  const probeSize = latencySizes.at(-1) ?? throughputSizes.at(-1);
  let heap = null;
  if (probeSize) {
    const fx = sseFixture(probeSize);
    const hp = await heapProbe(core.wasm, () => viaApi(fx), { sampleAfter: ['chatStreamFeed', 'chatStreamFinish'] });
    heap = { size: probeSize, eventBytes: fx.eventBytes, peakBytes: hp.peak - hp.before, retainedBytes: hp.after - hp.before,
      linearMemory: hp.bufferByteLength, decodedBytes: fx.image.length };
  }
  return { bench: 'stream', env: environment(), quick, chunkBytes: CHUNK, latencySizes, throughputSizes, results, heap };
}

export function format(res) {
  const lines = [`chat SSE streaming — ${res.env.runtime} ${res.env.version} (${sizeName(res.chunkBytes)} chunks)`];
  for (const size of res.latencySizes) {
    const rows = res.results.filter((r) => r.group === 'latency' && r.size === size);
    const ref = rows.find((r) => r.key === 'api');
    const t = [['last byte → image', 'median ms', 'p10–p90 ms', 'imagegate api ×']];
    for (const r of rows) t.push([r.name, fmtMs(r.ms.median), `${fmtMs(r.ms.p10)}–${fmtMs(r.ms.p90)}`, r === ref ? '' : fmt(r.ms.median / ref.ms.median)]);
    lines.push(`\n${sizeName(size)} image (base64):\n${table(t)}`);
  }
  const keys = [...new Set(res.results.filter((r) => r.group === 'throughput').map((r) => r.key))];
  const t = [['event size', ...keys.map((k) => `${k} MB/s`), ...keys.map((k) => `${k} ms`)]];
  for (const size of res.throughputSizes) {
    const rows = keys.map((k) => res.results.find((r) => r.group === 'throughput' && r.size === size && r.key === k));
    t.push([sizeName(size), ...rows.map((r) => fmt(r?.mbps?.median)), ...rows.map((r) => fmtMs(r?.ms.median))]);
  }
  lines.push(`\nthroughput, first chunk → image (one event per size):\n${table(t)}`);
  const h = res.heap;
  if (h) lines.push(`\nwasm heap during one ${sizeName(h.size)} streamed image: peak ${fmt(h.peakBytes / MiB)} MiB (${fmt(h.peakBytes / h.eventBytes)}× the event, ${fmt(h.peakBytes / h.decodedBytes)}× the decoded image), linear memory ${fmt(h.linearMemory / MiB)} MiB, retained ${h.retainedBytes} B`);
  return lines.join('\n');
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false, rounds: 3 });
  const res = await run({ ...o, log: o.json ? undefined : (s) => process.stderr.write(`${s}\n`) });
  console.log(o.json ? JSON.stringify(res) : format(res));
}
