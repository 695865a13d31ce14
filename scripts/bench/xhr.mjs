#!/usr/bin/env node
// 16 MiB response over loopback, medians of N runs (default 15, after 3 warm-ups), three routes in node:
//   NodeXMLHttpRequest (wasm/js/node-xhr.mjs, responseType 'arraybuffer'), fetch() + arrayBuffer(), and
//   node:http copying chunks into a buffer preallocated from Content-Length (the floor).
// The server runs in a worker thread so that it does not share the client's event loop.
// Usage: node scripts/bench/xhr.mjs [--runs N] [--mib M]
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { NodeXMLHttpRequest } from '../../wasm/js/node-xhr.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const RUNS = arg('--runs', 15);
const SIZE = arg('--mib', 16) * 1024 * 1024;
const WARMUP = 3;

const worker = new Worker(`
  const http = require('node:http');
  const { parentPort, workerData } = require('node:worker_threads');
  const body = require('node:crypto').randomBytes(workerData);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }); res.end(body); });
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
  parentPort.on('message', () => { server.closeAllConnections(); server.close(); parentPort.close(); });
`, { eval: true, workerData: SIZE });
const port = await new Promise((resolve) => worker.once('message', resolve));
const url = `http://127.0.0.1:${port}/`;

function viaXhr() {
  return new Promise((resolve, reject) => {
    const xhr = new NodeXMLHttpRequest();
    xhr.open('GET', url);
    xhr.responseType = 'arraybuffer';
    xhr.onload = () => resolve(xhr.response.byteLength);
    xhr.onerror = xhr.ontimeout = () => reject(new Error('xhr failed'));
    xhr.send();
  });
}

async function viaFetch() {
  const res = await fetch(url);
  return (await res.arrayBuffer()).byteLength;
}

const agent = new http.Agent({ keepAlive: true });
function viaHttp() {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const out = Buffer.allocUnsafeSlow(Number(res.headers['content-length']));
      let off = 0;
      res.on('data', (c) => { out.set(c, off); off += c.length; });
      res.on('end', () => resolve(off));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const routes = [
  ['NodeXMLHttpRequest (this shim)', viaXhr],
  ['fetch() + arrayBuffer()', viaFetch],
  ['node:http into preallocated buffer', viaHttp],
];
const times = routes.map(() => []);
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (let i = 0; i < routes.length; i++) {             // interleaved, so drift hits every route alike
    const t0 = performance.now();
    const n = await routes[i][1]();
    const ms = performance.now() - t0;
    if (n !== SIZE) throw new Error(`${routes[i][0]}: got ${n} bytes, expected ${SIZE}`);
    if (round >= WARMUP) times[i].push(ms);
  }
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
console.log(`${SIZE / 1048576} MiB over loopback, ${RUNS} runs after ${WARMUP} warm-ups, node ${process.version}`);
console.log('| route | median ms | min ms | p90 ms |');
console.log('|---|---:|---:|---:|');
routes.forEach(([name], i) => {
  console.log(`| ${name} | ${median(times[i]).toFixed(1)} | ${Math.min(...times[i]).toFixed(1)} | ${pct(times[i], 0.9).toFixed(1)} |`);
});
agent.destroy();
worker.postMessage('stop');
