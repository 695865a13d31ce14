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
  fmt, fmtMs, sizeName, heapProbe, gc, sseFixture, SSE_CHUNK,
} from './lib.mjs';

export const LATENCY_SIZES = [1 * MiB, 8 * MiB];
export const E2E_SIZES = [1 * MiB, 4 * MiB, 8 * MiB];
export const THROUGHPUT_SIZES = [1 * KiB, 16 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB, 28 * MiB];
const CHUNK = SSE_CHUNK;
export { sseFixture };

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

// ---- end to end in a browser (Chromium): the bench server streams the response over loopback ----------------------

/** Shows `bytes` as a page would: an <img> loaded from a Blob URL and decoded; resolves with the time it was done. */
async function show(bytes) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    if (!img.naturalWidth) throw new Error('stream bench: the image did not decode');
    return now();
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The Resource Timing entry of the last chat request (responseStart = its first byte), waiting until it is filed. */
async function lastChatEntry() {
  for (let i = 0; i < 50; i++) {
    const e = performance.getEntriesByType('resource').filter((x) => x.name.includes('/chat/completions')).at(-1);
    if (e && e.responseStart > 0 && e.responseEnd > 0) return e;
    await new Promise((r) => setTimeout(r, 0));
  }
  throw new Error('stream bench: no resource timing entry for the chat request');
}

/**
 * One streamed request to the bench server; `consume(response | client)` resolves with { bytes, available, shown }.
 * Measures first byte (Resource Timing responseStart) → image shown, plus request → shown and first byte → bytes.
 */
async function e2eSample(run) {
  performance.clearResourceTimings();
  const t0 = now();
  const { bytes, available, shown } = await run();
  const entry = await lastChatEntry();
  return { bytes, ms: shown - entry.responseStart,
    extra: { requestToShown: shown - t0, firstByteToBytes: available - entry.responseStart, transfer: entry.responseEnd - entry.responseStart } };
}

function e2eRoutes(serverURL, size, clients) {
  const body = JSON.stringify({ model: 'google/gemini-2.5-flash-image', messages: MESSAGES, modalities: ['image', 'text'], stream: true });
  return [
    { key: 'e2e.imagegate', name: 'imagegate chat.completions.stream', fn: () => e2eSample(async () => {
      let available = 0, bytes = null, shown = null;
      for await (const ev of clients.ig.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: MESSAGES, modalities: ['image', 'text'] })) {
        if (ev.type === 'image') { available = now(); bytes = ev.bytes; shown = show(bytes); }
      }
      return { bytes, available, shown: await shown };
    }) },
    { key: 'e2e.peer', name: 'fetch + body reader + eventsource-parser + JSON.parse + fromBase64', fn: () => e2eSample(async () => {
      const res = await fetch(`${serverURL}/s/${size}/v1/chat/completions`, { method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k', accept: 'text/event-stream' }, body });
      const reader = res.body.getReader();
      const td = new TextDecoder();
      let available = 0, bytes = null, shown = null;
      const parser = createParser({
        onEvent(ev) {
          if (ev.data === '[DONE]') return;
          for (const c of JSON.parse(ev.data).choices ?? []) {
            for (const im of c.delta?.images ?? []) {
              const url = im.image_url?.url ?? '';
              bytes = Uint8Array.fromBase64(url.slice(url.indexOf(',') + 1));
              available = now();
              shown = show(bytes);
            }
          }
        },
      });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(td.decode(value, { stream: true }));
      }
      return { bytes, available, shown: await shown };
    }) },
  ];
}

async function measureE2e(serverURL, sizes, runOpts, log) {
  const results = [];
  for (const size of sizes) {
    log(`stream e2e ${sizeName(size)}`);
    const fx = sseFixture(size, { real: true });
    const ig = await createClient({ baseURL: `${serverURL}/s/${size}/v1`, apiKey: 'k', maxRetries: 0 });
    const cases = e2eRoutes(serverURL, size, { ig }).map((rt) => ({ ...rt, selfTimed: true, bytes: fx.eventBytes }));
    for (const c of cases) {
      const out = await c.fn();  // correctness check + warm-up
      if (!sameBytes(out.bytes, fx.image)) throw new Error(`stream bench: ${c.name} returned wrong image bytes (${sizeName(size)})`);
      const fn = c.fn;
      c.fn = async () => { const r = await fn(); return { ms: r.ms, extra: r.extra }; };
    }
    const measured = await runCases(cases, { ...runOpts, log });
    measured.forEach((m, i) => results.push({ group: 'e2e', size, eventBytes: fx.eventBytes, key: cases[i].key, ...m }));
  }
  return results;
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
  // End to end in Chromium (first byte → image shown, over loopback from the driver's server): not in --quick.
  const e2eSizes = opts.e2eSizes ?? (quick || isNode || !opts.serverURL || typeof Uint8Array.fromBase64 !== 'function' ? [] : E2E_SIZES);
  const results = [
    ...await measure(latencySizes, 'latency', runOpts, log, 'latency'),
    ...await measure(throughputSizes, 'total', quick ? runOpts : { ...runOpts, samples: 5 }, log, 'throughput'),
    ...(e2eSizes.length ? await measureE2e(opts.serverURL, e2eSizes, { ...runOpts, rounds: 2, samples: 7, maxMs: 3000 }, log) : []),
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
  return { bench: 'stream', env: environment(), quick, chunkBytes: CHUNK, latencySizes, throughputSizes, e2eSizes, results, heap };
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
  for (const size of res.e2eSizes ?? []) {
    const rows = res.results.filter((r) => r.group === 'e2e' && r.size === size);
    const ref = rows.find((r) => r.key === 'e2e.imagegate');
    const t = [['first byte → image shown', 'median ms', 'p10–p90 ms', 'request → shown', 'first byte → bytes', 'imagegate ×']];
    for (const r of rows) t.push([r.name, fmtMs(r.ms.median), `${fmtMs(r.ms.p10)}–${fmtMs(r.ms.p90)}`, fmtMs(r.extra?.requestToShown?.median),
      fmtMs(r.extra?.firstByteToBytes?.median), r === ref ? '' : fmt(r.ms.median / ref.ms.median)]);
    lines.push(`\nend to end over loopback, ${sizeName(size)} image (base64), streamed:\n${table(t)}`);
  }
  const h = res.heap;
  if (h) lines.push(`\nwasm heap during one ${sizeName(h.size)} streamed image: peak ${fmt(h.peakBytes / MiB)} MiB (${fmt(h.peakBytes / h.eventBytes)}× the event, ${fmt(h.peakBytes / h.decodedBytes)}× the decoded image), linear memory ${fmt(h.linearMemory / MiB)} MiB, retained ${h.retainedBytes} B`);
  return lines.join('\n');
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false, rounds: 3 });
  const res = await run({ ...o, log: o.json ? undefined : (s) => process.stderr.write(`${s}\n`) });
  console.log(o.json ? JSON.stringify(res) : format(res));
}
