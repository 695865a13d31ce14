#!/usr/bin/env node
// Memory after 100 mixed requests (issue 22), node: each client in a fresh process of its own, against the bench
// server in a worker thread, 100 images.generate calls cycling through 1, 4 and 16 MiB responses, keeping nothing.
// Reported per client and regime (cold: a full GC after every request; warm: none): the process RSS at the end and
// its peak (ru_maxrss), V8's heap + external + array buffers after a final GC (for imagegate this includes the wasm
// memory, an ArrayBuffer), and for imagegate the wasm heap's
// high-water mark (its linear memory, which never shrinks) and what is still malloc'ed in it.
//   node --expose-gc scripts/bench/memory.mjs [--json] [--quick]      (--quick: 30 requests)
//   internal: --client imagegate|openai|fetch --regime cold|warm --requests N
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { cliOptions, isMain, MiB, fmt } from './lib.mjs';

const SIZES = [1 * MiB, 4 * MiB, 16 * MiB];
const PARAMS = { model: 'openai/gpt-image-1', prompt: 'a benchmark', n: 2, size: '1024x1024', response_format: 'b64_json' };
const self = fileURLToPath(import.meta.url);

async function child({ client, regime, requests }) {
  const worker = new Worker(new URL('./server-worker.mjs', import.meta.url), { workerData: { sizes: SIZES } });
  const base = await new Promise((r) => worker.once('message', r));
  let call;
  let wasm = null;
  if (client === 'imagegate') {
    const { createClient } = await import('./imagegate.mjs');
    wasm = (await import('../../wasm/js/core.mjs')).wasm;
    const clients = await Promise.all(SIZES.map((s) => createClient({ baseURL: `${base}/s/${s}/v1`, apiKey: 'k', maxRetries: 0 })));
    call = async (i) => (await clients[i % 3].images.generate(PARAMS)).images.reduce((n, im) => n + im.bytes.length, 0);
  } else if (client === 'openai') {
    const { default: OpenAI } = await import('openai');
    const clients = SIZES.map((s) => new OpenAI({ baseURL: `${base}/s/${s}/v1`, apiKey: 'k', maxRetries: 0 }));
    call = async (i) => (await clients[i % 3].images.generate(PARAMS)).data.reduce((n, d) => n + Buffer.from(d.b64_json, 'base64').length, 0);
  } else {
    call = async (i) => {
      const res = await fetch(`${base}/s/${SIZES[i % 3]}/v1/images/generations`, { method: 'POST', body: JSON.stringify(PARAMS) });
      return (await res.json()).data.reduce((n, d) => n + Buffer.from(d.b64_json, 'base64').length, 0);
    };
  }
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    bytes += await call(i);
    if (regime === 'cold') globalThis.gc();
  }
  const rssEnd = process.memoryUsage().rss;
  globalThis.gc();
  const m = process.memoryUsage();
  const out = {
    client, regime, requests, decodedBytes: bytes,
    rssEnd, rssPeak: process.resourceUsage().maxRSS * 1024,
    jsAfterGc: m.heapUsed + m.external + m.arrayBuffers,
    wasmHighWater: wasm ? wasm._heapStats().total : null, wasmUsed: wasm ? wasm._heapStats().used : null,
  };
  worker.postMessage('stop');
  await new Promise((r) => worker.once('exit', r));
  return out;
}

export async function run({ quick = false } = {}) {
  const requests = quick ? 30 : 100;
  const results = [];
  for (const regime of ['cold', 'warm']) {
    for (const client of ['imagegate', 'openai', 'fetch']) {
      const stdout = execFileSync(process.execPath, ['--expose-gc', self, '--client', client, '--regime', regime, '--requests', String(requests)],
        { encoding: 'utf8', maxBuffer: 1 << 20 });
      results.push(JSON.parse(stdout.trim().split('\n').pop()));
    }
  }
  return { bench: 'memory', requests, sizes: SIZES, results };
}

export function format(res) {
  const lines = [`memory after ${res.requests} images.generate calls (1/4/16 MiB responses), node, MiB:`,
    'regime  client      rss end  rss peak  js after gc  wasm high-water  wasm in use'];
  for (const r of res.results) {
    const mb = (x) => (x == null ? '—' : fmt(x / MiB));
    lines.push(`${r.regime.padEnd(7)} ${r.client.padEnd(10)} ${mb(r.rssEnd).padStart(8)} ${mb(r.rssPeak).padStart(9)} ${mb(r.jsAfterGc).padStart(12)} ${mb(r.wasmHighWater).padStart(16)} ${mb(r.wasmUsed).padStart(12)}`);
  }
  return lines.join('\n');
}

if (await isMain(import.meta.url)) {
  const o = await cliOptions({ quick: false, json: false, client: '', regime: 'cold', requests: 100 });
  if (o.client) console.log(JSON.stringify(await child({ client: o.client, regime: o.regime, requests: o.requests })));
  else {
    const res = await run({ quick: o.quick });
    console.log(o.json ? JSON.stringify(res) : format(res));
  }
}
