import { Worker } from 'node:worker_threads';
import { createClient } from '../../wasm/js/node.mjs';
const size = 16 * 1024 * 1024;
const worker = new Worker(new URL('./server-worker.mjs', import.meta.url), { workerData: { sizes: [size] } });
const url = await new Promise((r) => worker.once('message', r));
const c = await createClient({ baseURL: `${url}/s/${size}/v1`, apiKey: 'k', maxRetries: 0 });
const P = { model: 'openai/gpt-image-1', prompt: 'a benchmark', n: 2, size: '1024x1024', response_format: 'b64_json' };
for (let i = 0; i < 3; i++) await c.images.generate(P);
const xs = [];
for (let i = 0; i < 15; i++) { const t = performance.now(); await c.images.generate(P); xs.push(performance.now() - t); }
xs.sort((a, b) => a - b); console.log('median', xs[7].toFixed(1));
worker.postMessage('stop');
