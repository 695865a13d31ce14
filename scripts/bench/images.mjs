#!/usr/bin/env node
// Images responses: `{created, data:[{b64_json},{b64_json}], usage}` with two PNG-ish images, 1, 4 and 16 MiB.
// Runs in node (`node --expose-gc scripts/bench/images.mjs [--json] [--quick]`) and in Chromium (browser.mjs).
//
// parse+decode (bytes in, image bytes out):
//   wasm.parse          parseImagesResponse(bytes): copy into the heap, scan + decode in place, copy images out
//   wasm.parse.inPlace  parseImagesResponse(bytes, { inPlace: true }): the same, but images are copied back into
//                       `bytes` and returned as views of it (what images.generate does with its response buffer);
//                       the timing includes refilling `bytes` with the response each time (a memcpy the peers don't pay)
//   peer.td             new TextDecoder().decode(bytes) + JSON.parse + Buffer.from(b64,'base64') (node) /
//                       Uint8Array.fromBase64 (Chromium): the fair peer, since it also starts from bytes
//   peer.text           the same without the TextDecoder (the text is given: what res.json() hides from view)
//   peer.atob.td        Chromium only: TextDecoder + JSON.parse + atob + charCodeAt loop
// end to end over loopback (node; the server runs in a worker thread):
//   e2e.imagegate       createClient({ baseURL }).images.generate(): emscripten_fetch → the package's XHR for node
//   e2e.imagegate.fetch createClient({ baseURL, fetch: globalThis.fetch }).images.generate()
//   e2e.openai          openai v6 `images.generate` + Buffer.from(b64_json, 'base64') for each image
//   e2e.fetch           fetch() + res.json() + Buffer.from (the minimal hand-written peer)
//   e2e.floor           fetch() + arrayBuffer() (transport only, no parsing)
//   e2e.floor.http      node:http (keep-alive) into one preallocated buffer of the Content-Length (node's floor)
// In Chromium, end to end runs against the driver's server: imagegate (XHR) vs fetch + json() + fromBase64.
// heap (node, fresh process per route): the wasm heap's malloc'ed bytes at the peak of one call and the
// linear memory size, per response size.
import { createClient, parseImagesResponse } from './imagegate.mjs';
import * as core from '../../wasm/js/core.mjs';
import {
  MiB, isNode, isMain, cliOptions, runCases, imagesResponse, sameBytes, environment, heapProbe, table, fmt, fmtMs,
  sizeName, gc,
} from './lib.mjs';

export const SIZES = [1 * MiB, 4 * MiB, 16 * MiB];
const PARAMS = { model: 'openai/gpt-image-1', prompt: 'a benchmark', n: 2, size: '1024x1024', response_format: 'b64_json' };
const td = new TextDecoder();

function check(images, expected, name) {
  if (images.length !== expected.length || !images.every((b, i) => sameBytes(b, expected[i]))) {
    throw new Error(`images bench: ${name} returned wrong image bytes`);
  }
}

function parseCases(size) {
  const { body, images } = imagesResponse(size);
  const text = td.decode(body);
  const cases = [];
  const add = (key, name, fn) => cases.push({ key, name, fn, bytes: body.length, alloc: body.length });
  add('wasm.parse', 'imagegate parseImagesResponse(bytes)', () => parseImagesResponse(body).images.map((i) => i.bytes));
  const work = new Uint8Array(body.length);
  add('wasm.parse.inPlace', 'imagegate parseImagesResponse(bytes, { inPlace: true }) incl. refilling bytes', () => {
    work.set(body);
    return parseImagesResponse(work, { inPlace: true }).images.map((i) => i.bytes);
  });
  if (isNode) {
    const dec = (doc) => doc.data.map((d) => { const b = Buffer.from(d.b64_json, 'base64'); return new Uint8Array(b.buffer, b.byteOffset, b.length); });
    add('peer.td', 'TextDecoder + JSON.parse + Buffer.from', () => dec(JSON.parse(td.decode(body))));
    add('peer.text', 'JSON.parse(text) + Buffer.from (text given)', () => dec(JSON.parse(text)));
  }
  if (typeof Uint8Array.fromBase64 === 'function') {
    const dec = (doc) => doc.data.map((d) => Uint8Array.fromBase64(d.b64_json));
    add('peer.td', 'TextDecoder + JSON.parse + Uint8Array.fromBase64', () => dec(JSON.parse(td.decode(body))));
    add('peer.text', 'JSON.parse(text) + fromBase64 (text given)', () => dec(JSON.parse(text)));
  }
  if (!isNode) {
    const atobDec = (s) => { const bin = atob(s); const o = new Uint8Array(bin.length); for (let i = 0; i < o.length; i++) o[i] = bin.charCodeAt(i); return o; };
    add('peer.atob.td', 'TextDecoder + JSON.parse + atob loop', () => JSON.parse(td.decode(body)).data.map((d) => atobDec(d.b64_json)));
  }
  for (const c of cases) check(c.fn(), images, c.name);
  return cases;
}

async function e2eCasesNode(baseFor, size, quick) {
  const { default: OpenAI } = await import('openai');
  const { images, body } = imagesResponse(size);
  const baseURL = baseFor(size);
  const cases = [];
  const add = (key, name, fn) => cases.push({ key, name, fn, bytes: body.length });
  const notes = [];
  // The default transport is emscripten_fetch, which needs an XMLHttpRequest in node.
  if (typeof globalThis.XMLHttpRequest === 'undefined') {
    const { installXMLHttpRequest } = await import('../../wasm/js/node-xhr.mjs');
    const client = await createClient({ baseURL, apiKey: 'k', maxRetries: 0 });
    try {
      await client.images.generate(PARAMS);
    } catch (err) {
      if (!/XMLHttpRequest/.test(String(err?.message) + String(err?.cause?.message))) throw err;
      installXMLHttpRequest();
      notes.push('the package did not install an XMLHttpRequest for node on its own: the bench called installXMLHttpRequest() from wasm/js/node-xhr.mjs');
    }
  }
  const ig = await createClient({ baseURL, apiKey: 'k', maxRetries: 0 });
  add('e2e.imagegate', 'imagegate images.generate (emscripten_fetch + node XHR)', async () => (await ig.images.generate(PARAMS)).images.map((i) => i.bytes));
  const igf = await createClient({ baseURL, apiKey: 'k', maxRetries: 0, fetch: globalThis.fetch });
  add('e2e.imagegate.fetch', 'imagegate images.generate (fetch injected)', async () => (await igf.images.generate(PARAMS)).images.map((i) => i.bytes));
  const oa = new OpenAI({ apiKey: 'k', baseURL, maxRetries: 0 });
  const bufs = (doc) => doc.data.map((d) => { const b = Buffer.from(d.b64_json, 'base64'); return new Uint8Array(b.buffer, b.byteOffset, b.length); });
  add('e2e.openai', 'openai SDK images.generate + Buffer.from', async () => bufs(await oa.images.generate(PARAMS)));
  const post = () => fetch(`${baseURL}/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(PARAMS) });
  if (!quick) {
    add('e2e.fetch', 'fetch + res.json() + Buffer.from', async () => bufs(await (await post()).json()));
    add('e2e.floor', 'fetch + arrayBuffer() (transport floor)', async () => (await post()).arrayBuffer());
    // The node transport floor: node:http (keep-alive) straight into one buffer of the Content-Length's size.
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true });
    const payload = JSON.stringify(PARAMS);
    add('e2e.floor.http', 'node:http into a preallocated buffer (transport floor)', () => new Promise((resolve, reject) => {
      const req = http.request(`${baseURL}/images/generations`, { method: 'POST', agent,
        headers: { 'content-type': 'application/json', authorization: 'Bearer k', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        const out = Buffer.allocUnsafeSlow(Number(res.headers['content-length']));
        let o = 0;
        res.on('data', (d) => { d.copy(out, o); o += d.length; });
        res.on('end', () => resolve(out));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    }));
  }
  for (const c of cases) { const out = await c.fn(); if (!c.key.startsWith('e2e.floor')) check(out, images, c.name); }
  return { cases, notes };
}

async function e2eCasesBrowser(baseFor, size) {
  const { images, body } = imagesResponse(size);
  const baseURL = baseFor(size);
  const cases = [];
  const add = (key, name, fn) => cases.push({ key, name, fn, bytes: body.length });
  const ig = await createClient({ baseURL, apiKey: 'k', maxRetries: 0 });
  add('e2e.imagegate', 'imagegate images.generate (emscripten_fetch = XHR)', async () => (await ig.images.generate(PARAMS)).images.map((i) => i.bytes));
  const igf = await createClient({ baseURL, apiKey: 'k', maxRetries: 0, fetch: globalThis.fetch.bind(globalThis) });
  add('e2e.imagegate.fetch', 'imagegate images.generate (fetch injected)', async () => (await igf.images.generate(PARAMS)).images.map((i) => i.bytes));
  const post = () => fetch(`${baseURL}/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(PARAMS) });
  add('e2e.fetch', 'fetch + res.json() + Uint8Array.fromBase64', async () => (await (await post()).json()).data.map((d) => Uint8Array.fromBase64(d.b64_json)));
  // The openai SDK as a page would use it (its ESM build, served as is; dangerouslyAllowBrowser), + fromBase64.
  const { default: OpenAI } = await import('openai');
  const oa = new OpenAI({ apiKey: 'k', baseURL, maxRetries: 0, dangerouslyAllowBrowser: true });
  add('e2e.openai', 'openai SDK images.generate + Uint8Array.fromBase64', async () => (await oa.images.generate(PARAMS)).data.map((d) => Uint8Array.fromBase64(d.b64_json)));
  add('e2e.floor', 'fetch + arrayBuffer() (transport floor)', async () => (await post()).arrayBuffer());
  for (const c of cases) { const out = await c.fn(); if (c.key !== 'e2e.floor') check(out, images, c.name); }
  return { cases, notes: [] };
}

/** One route, sizes ascending, in THIS (fresh) process: heap peak per call and linear memory afterwards. */
export async function heapProbeRun(route, sizes = SIZES, baseFor = null) {
  const out = [];
  if (route === 'e2e' && typeof globalThis.XMLHttpRequest === 'undefined') {
    try {
      await (await createClient({ baseURL: baseFor(sizes[0]), apiKey: 'k', maxRetries: 0 })).images.generate(PARAMS);
    } catch {
      (await import('../../wasm/js/node-xhr.mjs')).installXMLHttpRequest();  // see the note in e2eCasesNode
    }
  }
  for (const size of sizes) {
    const { body } = imagesResponse(size);
    gc();
    const p = await heapProbe(core.wasm, async () => {
      if (route === 'parse') return parseImagesResponse(body).images.length;
      const c = await createClient({ baseURL: baseFor(size), apiKey: 'k', maxRetries: 0 });
      return (await c.images.generate(PARAMS)).images.length;
    });
    out.push({ route, size, responseBytes: body.length, peakBytes: p.peak - p.before, peakRatio: (p.peak - p.before) / body.length,
      linearMemory: p.bufferByteLength, retainedBytes: p.after - p.before, samples: p.samples });
  }
  return out;
}

async function heapProbesNode(quick) {
  const { execFileSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const self = fileURLToPath(import.meta.url);
  const res = [];
  for (const route of ['parse', 'e2e']) {
    const stdout = execFileSync(process.execPath, ['--expose-gc', self, '--heap-probe', route, ...(quick ? ['--quick'] : [])],
      { encoding: 'utf8', maxBuffer: 1 << 20 });
    res.push(...JSON.parse(stdout));
  }
  return res;
}

async function startServerNode(sizes) {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL('./server-worker.mjs', import.meta.url), { workerData: { sizes } });
  const url = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  return { url, close: async () => { worker.postMessage('stop'); await new Promise((r) => worker.once('exit', r)); } };
}

export async function run(opts = {}) {
  const quick = !!opts.quick;
  // --quick: 4 MiB responses only. Chromium's end to end (1, 4 and 16 MiB) is slow: not in --quick.
  const sizes = opts.sizes ?? (quick ? [4 * MiB] : SIZES);
  const e2eSizes = opts.e2eSizes ?? (quick ? (isNode ? [4 * MiB] : []) : isNode ? [1 * MiB, 16 * MiB] : [1 * MiB, 4 * MiB, 16 * MiB]);
  const runOpts = quick ? { rounds: 1, samples: 3, sampleMs: 5, warmup: 1, maxMs: 1500 }
    : { rounds: opts.rounds ?? 3, samples: 7, sampleMs: 10, warmup: 2, maxMs: 2000 };
  const log = opts.log ?? (() => {});
  const results = [];
  const notes = [];
  for (const size of sizes) {
    log(`images parse ${sizeName(size)}`);
    const cases = parseCases(size);
    const measured = await runCases(cases, { ...runOpts, log });
    measured.forEach((m, i) => results.push({ group: 'parse', size, key: cases[i].key, ...m }));
  }
  // End to end.
  let server = null;
  let baseFor = null;
  if (isNode) {
    server = await startServerNode(e2eSizes);
    baseFor = (s) => `${server.url}/s/${s}/v1`;
  } else if (opts.serverURL) {
    baseFor = (s) => `${opts.serverURL}/s/${s}/v1`;
  }
  try {
    if (baseFor) {
      for (const size of e2eSizes) {
        log(`images end to end ${sizeName(size)}`);
        const { cases, notes: n } = isNode ? await e2eCasesNode(baseFor, size, quick) : await e2eCasesBrowser(baseFor, size);
        notes.push(...n);
        const e2eOpts = { ...runOpts, warmup: 1, samples: quick ? 3 : 7, maxMs: quick ? 2000 : isNode ? 3000 : 2500, rounds: quick ? 1 : isNode ? runOpts.rounds : 2 };
        const measured = await runCases(cases, { ...e2eOpts, log });
        measured.forEach((m, i) => results.push({ group: 'e2e', size, key: cases[i].key, ...m }));
      }
    }
  } finally {
    if (server) await server.close();
  }
  const heap = isNode && !opts.noHeap ? await heapProbesNode(quick) : [];
  return { bench: 'images', env: environment(), quick, sizes, e2eSizes, results, heap, notes: [...new Set(notes)] };
}

export function format(res) {
  const lines = [`images responses — ${res.env.runtime} ${res.env.version}`];
  for (const group of ['parse', 'e2e']) {
    for (const size of group === 'parse' ? res.sizes : res.e2eSizes) {
      const rows = res.results.filter((r) => r.group === group && r.size === size);
      if (!rows.length) continue;
      const ref = rows.find((r) => r.key === 'wasm.parse' || r.key === 'e2e.imagegate');
      const t = [['case', 'median ms', 'p10–p90 ms', 'MB/s', 'imagegate ×']];
      for (const r of rows) {
        t.push([r.name, fmtMs(r.ms.median), `${fmtMs(r.ms.p10)}–${fmtMs(r.ms.p90)}`, fmt(r.mbps.median),
          r === ref ? '' : fmt(r.ms.median / ref.ms.median)]);
      }
      lines.push(`\n${group === 'parse' ? 'parse + decode' : 'end to end over loopback'}, ${sizeName(size)} response:\n${table(t)}`);
    }
  }
  if (res.heap.length) {
    const t = [['route', 'response', 'heap peak (malloc)', 'peak / response', 'linear memory after', 'retained']];
    for (const h of res.heap) {
      t.push([h.route, sizeName(h.size), `${fmt(h.peakBytes / MiB)} MiB`, fmt(h.peakRatio), `${fmt(h.linearMemory / MiB)} MiB`, `${h.retainedBytes} B`]);
    }
    lines.push(`\nwasm heap (fresh process per route, sizes ascending):\n${table(t)}`);
  }
  for (const n of res.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false, rounds: 3, heapProbe: '' });
  if (o.heapProbe) {
    let server = null;
    let baseFor = null;
    if (o.heapProbe === 'e2e') {
      server = await startServerNode(SIZES);
      baseFor = (s) => `${server.url}/s/${s}/v1`;
    }
    const r = await heapProbeRun(o.heapProbe, o.quick ? [1 * MiB, 16 * MiB] : SIZES, baseFor);
    if (server) await server.close();
    console.log(JSON.stringify(r));
  } else {
    const res = await run({ ...o, log: o.json ? undefined : (s) => process.stderr.write(`${s}\n`) });
    console.log(o.json ? JSON.stringify(res) : format(res));
  }
}
