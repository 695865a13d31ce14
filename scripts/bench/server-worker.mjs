// Runs scripts/bench/server.mjs in a worker thread, so that the server does not share the client's event loop.
// workerData: { sizes: [bytes...] } (bodies built up front); posts the base URL; any message stops it.
import { parentPort, workerData } from 'node:worker_threads';
import { start, imagesBody } from './server.mjs';

for (const s of workerData?.sizes ?? []) imagesBody(s);
const srv = await start({ port: 0 });
parentPort.postMessage(srv.url);
parentPort.once('message', async () => { await srv.close(); parentPort.close(); });
