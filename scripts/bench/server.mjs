// The benchmark's own HTTP server (node only): pre-built images responses for end-to-end runs, and (for the
// Chromium driver) the repo's wasm/{js,dist}, scripts/bench/*.mjs, eventsource-parser and the bench pages.
//   POST|GET /s/<bytes>/v1/images/generations  → an images response of about <bytes> bytes (two PNG-ish images)
//   POST /s/<b64>/v1/chat/completions          → a streamed chat response (SSE, 64 KiB writes) carrying one decodable
//                                                PNG of <b64> base64 characters (lib.mjs sseFixture, real: true)
//   GET /wasm/js/*, /wasm/dist/*, /scripts/bench/* (also the page bench's pages/), /node_modules/eventsource-parser/dist/*,
//   /bench.html, /blank.html
// Pages are served with COOP/COEP so that Chromium's performance.now() has 5 µs resolution, not 100 µs.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { imagesResponse, sseFixture } from './lib.mjs';
import { sendFile } from '../serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const STATIC = ['/wasm/js/', '/wasm/dist/', '/scripts/bench/', '/node_modules/eventsource-parser/dist/', '/node_modules/openai/'];

const PAGE = `<!doctype html><meta charset="utf-8"><title>imagegate bench</title>
<script type="importmap">{"imports":{"eventsource-parser":"/node_modules/eventsource-parser/dist/index.js","openai":"/node_modules/openai/index.mjs"}}</script>
<body>imagegate bench</body>`;

const bodies = new Map();
/** The images response body for a requested size (built once, cached). */
export function imagesBody(size) {
  if (!bodies.has(size)) bodies.set(size, imagesResponse(size).body);
  return bodies.get(size);
}

/**
 * Options: serveFiles (also the static files above); isolate (default true: COOP/COEP, see above; the page bench
 * turns it off to serve its pages as serve.mjs serves the demo page); headers (added to every page and file, e.g.
 * the demo page's Content-Security-Policy).
 */
export function start({ port = 0, host = '127.0.0.1', serveFiles = false, isolate: isolated = true, headers: extra = {} } = {}) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const isolate = { ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin' } : {}), ...extra };
    const m = url.pathname.match(/^\/s\/(\d+)\/v1\/images\/generations$/);
    if (m) {
      req.resume();
      req.on('end', () => {
        const body = imagesBody(Number(m[1]));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length, 'x-request-id': 'req_bench', ...isolate });
        res.end(body);
      });
      return;
    }
    const c = url.pathname.match(/^\/s\/(\d+)\/v1\/chat\/completions$/);
    if (c) {
      req.resume();
      req.on('end', async () => {
        const fx = sseFixture(Number(c[1]), { real: true });
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'x-request-id': 'req_bench', ...isolate });
        for (const chunk of fx.chunks) {
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
          if (res.destroyed) return;
        }
        res.end();
      });
      return;
    }
    if (!serveFiles) { res.writeHead(404).end(); return; }
    if (url.pathname === '/' || url.pathname === '/bench.html' || url.pathname === '/blank.html') {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store', ...isolate });
      res.end(PAGE);
      return;
    }
    if (!STATIC.some((p) => url.pathname.startsWith(p)) || url.pathname.includes('..')) { res.writeHead(404).end(); return; }
    try {
      // The demo server's static path (compressed by Accept-Encoding, ETag / Last-Modified, 304 on reload).
      await sendFile(req, res, path.join(root, url.pathname), isolate);
    } catch {
      if (res.headersSent) res.destroy();
      else res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({
        url: `http://${host}:${p}`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
