#!/usr/bin/env node
// Serves the web page (web/) and the built package (wasm/ → /imagegate/), with a strict
// Content-Security-Policy, and proxies /v1/* to a gateway so CORS never stands in a user's way.
// Without --gateway it starts the local mock gateway in-process.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MOUNTS = [
  // [url prefix, directory, allowed sub-directories (null = all)]
  ['/imagegate/', path.join(root, 'wasm'), ['js', 'dist', 'types']],
  ['/fixtures/', path.join(root, 'tests', 'fixtures'), null],
  ['/', path.join(root, 'web'), null],
];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm',
  '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg', '.webp': 'image/webp',
  '.gif': 'image/gif', '.avif': 'image/avif', '.svg': 'image/svg+xml', '.b64': 'text/plain',
  '.ts': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.sse': 'text/plain; charset=utf-8',
};

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",      // wasm compile, nothing else: no inline script, no eval
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self' https://ai-gateway.vercel.sh http://127.0.0.1:* http://localhost:*",
  "worker-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

function resolveStatic(urlPath) {
  for (const [prefix, dir, allowed] of MOUNTS) {
    if (!urlPath.startsWith(prefix)) continue;
    const rel = decodeURIComponent(urlPath.slice(prefix.length)) || 'index.html';
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep)) return null;  // no escaping the mount
    if (allowed && !allowed.includes(rel.split('/')[0])) return null;
    return file;
  }
  return null;
}

// ---- static files: compressed by Accept-Encoding, revalidated with ETag / Last-Modified -----------------------------
// Also used by the benchmark's server (scripts/bench/server.mjs), so that its page start-up figures are this server's.

/** Types worth compressing (text, JSON, SVG and the .wasm); images are already compressed. */
const COMPRESSIBLE = /^(text\/|application\/(json|wasm|javascript)|image\/svg\+xml)/;
const MIN_COMPRESS = 256;
const brotli = promisify(zlib.brotliCompress), gzip = promisify(zlib.gzip);
/** file → { key: size+mtime, raw, br, gzip } (the encodings as promises, made on first request, kept until the file changes). */
const fileCache = new Map();

/** The coding to send for an Accept-Encoding header: 'br' preferred, then 'gzip', else null (identity). */
export function pickEncoding(accept) {
  const q = {};
  for (const part of String(accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    q[name] = qp ? Number(qp.slice(2)) || 0 : 1;
  }
  const ok = (name) => (q[name] ?? q['*'] ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : null;
}

function cached(file, info) {
  const key = `${info.size}/${info.mtimeMs}`;
  let entry = fileCache.get(file);
  if (!entry || entry.key !== key) {
    entry = { key, raw: readFile(file) };
    entry.raw.catch(() => fileCache.delete(file));
    fileCache.set(file, entry);
  }
  return entry;
}
function encoded(entry, encoding) {
  if (!encoding) return entry.raw;
  entry[encoding] ??= entry.raw.then((raw) => (encoding === 'br'
    ? brotli(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
    : gzip(raw, { level: 9 })));
  return entry[encoding];
}

/**
 * Sends `file` (known to exist) for a GET or HEAD: 304 when the request's If-None-Match (or, without one,
 * If-Modified-Since) matches; else the bytes, compressed by Accept-Encoding when the type is compressible (brotli
 * quality 11 or gzip -9, cached per file until its size or mtime changes). `headers` are added to every answer.
 * Cache-Control: no-cache — always revalidated, so a rebuild shows at once, and a reload that changed nothing is
 * 304s (the browser then reuses its cache, and its compiled code).
 */
export async function sendFile(req, res, file, headers = {}) {
  const info = await stat(file);
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const compressible = COMPRESSIBLE.test(type) && info.size >= MIN_COMPRESS;
  const common = {
    ...headers, 'cache-control': 'no-cache', etag: `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
    'last-modified': new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString(),
    ...(compressible ? { vary: 'Accept-Encoding' } : {}),
  };
  const inm = req.headers['if-none-match'];
  const ims = Date.parse(req.headers['if-modified-since'] ?? '');
  const fresh = inm !== undefined
    ? inm.split(',').map((t) => t.trim()).some((t) => t === '*' || t.replace(/^W\//, '') === common.etag.replace(/^W\//, ''))
    : Number.isFinite(ims) && Math.floor(info.mtimeMs / 1000) * 1000 <= ims;
  if (fresh) {
    res.writeHead(304, common);
    return res.end();
  }
  const encoding = compressible ? pickEncoding(req.headers['accept-encoding']) : null;
  const body = await encoded(cached(file, info), encoding);
  res.writeHead(200, { ...common, 'content-type': type, 'content-length': body.length, ...(encoding ? { 'content-encoding': encoding } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function serveStatic(req, res) {
  const urlPath = new URL(req.url, 'http://x').pathname;
  let file = resolveStatic(urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath);
  try {
    const info = file ? await stat(file) : null;
    if (!info?.isFile()) throw new Error('not found');
    await sendFile(req, res, file, { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
  } catch {
    if (res.headersSent) return res.destroy();
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': CSP });
    res.end('not found\n');
  }
}

// Hop-by-hop headers are not forwarded (RFC 9110 §7.6.1).
const HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'origin', 'referer', 'cookie']);

// The proxy spends the server's key, so only this page may use it: a request that a browser made from another
// site (Origin / Sec-Fetch-Site), or that reached us under a foreign host name (DNS rebinding), is refused.
// Programs without those headers (curl, node) are served as before.
function allowedProxyRequest(req, listenHost) {
  const host = req.headers.host ?? '';
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const local = ['127.0.0.1', 'localhost', '::1', listenHost];
  if (!['0.0.0.0', '::'].includes(listenHost) && !local.includes(hostname)) return false;
  const origin = req.headers.origin;
  if (origin && origin !== `http://${host}`) return false;
  const site = req.headers['sec-fetch-site'];
  return !site || site === 'same-origin' || site === 'none';
}

function refuse(res, status, message, code) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-security-policy': CSP });
  res.end(JSON.stringify({ error: { message, type: 'proxy_error', param: null, code } }));
}

function proxy(req, res, gatewayURL, serverKey) {
  const target = new URL(gatewayURL.pathname.replace(/\/$/, '') + req.url.slice('/v1'.length), gatewayURL);
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
  // The key configured on the server is added only to requests that carry none: it never reaches the page.
  if (serverKey && !headers.authorization) headers.authorization = `Bearer ${serverKey}`;
  const lib = target.protocol === 'https:' ? https : http;
  const upstream = lib.request(target, { method: req.method, headers }, (up) => {
    const out = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k)) out[k] = v;
    res.writeHead(up.statusCode ?? 502, out);
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `proxy: gateway unreachable (${err.code ?? err.message})`,
        type: 'proxy_error', param: null, code: 'gateway_unreachable' } }));
    } else res.destroy();
  });
  req.on('aborted', () => upstream.destroy());
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

/**
 * Starts the server. Returns { url, gatewayURL, close }.
 * @param {{port?: number, host?: string, gateway?: string|null, apiKey?: string, mockKeys?: string[]}} opts
 *   gateway: a base URL; undefined starts the local mock; null serves static files only (no /v1 proxy).
 *   apiKey: added by the proxy to requests that carry no Authorization (the page never sees it).
 *   mockKeys: with the local mock, the only keys it accepts (default: any non-empty key).
 */
export async function start({ port = 8787, host = '127.0.0.1', gateway, apiKey, mockKeys } = {}) {
  let mock = null;
  if (gateway === undefined) {
    const { start: startMock } = await import(pathToFileURL(path.join(root, 'scripts', 'mock-gateway.mjs')).href);
    mock = await startMock({ port: 0, host: '127.0.0.1', keys: mockKeys });
    gateway = mock.url;
  }
  const gatewayURL = gateway === null ? null : new URL(gateway.endsWith('/') ? gateway : gateway + '/');
  const server = http.createServer((req, res) => {
    if (gatewayURL && (req.url === '/v1' || req.url.startsWith('/v1/'))) {
      if (!allowedProxyRequest(req, host)) return refuse(res, 403, 'proxy: cross-site requests are not proxied', 'cross_site');
      return proxy(req, res, gatewayURL, apiKey);
    }
    if (req.url === '/server.json') {
      // What the page may know about this server: whether it proxies and whether it adds a key (never the key).
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-security-policy': CSP });
      const connectSrc = CSP.split('; ').find((d) => d.startsWith('connect-src ')).split(' ').slice(1);
      return res.end(JSON.stringify({ proxy: gatewayURL ? '/v1' : null, serverKey: !!(gatewayURL && apiKey), mock: !!mock, connectSrc }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405); return res.end(); }
    serveStatic(req, res);
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  const url = `http://${host}:${server.address().port}/`;
  return {
    url, gatewayURL: gatewayURL?.href ?? null, mock,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
      if (mock) await mock.close();
    },
  };
}

const HELP = `Usage: node scripts/serve.mjs [--port N] [--host H] [--gateway URL]
Serves web/ and the built package (/imagegate/) with a strict CSP, and proxies /v1/* to the gateway.
  --port N        port to listen on (default 8787)
  --host H        interface (default 127.0.0.1)
  --gateway URL   gateway base URL, e.g. https://ai-gateway.vercel.sh/v1 (default: start the local mock)
Environment: AI_GATEWAY_API_KEY, if set, is added by the proxy to requests that carry no key (the page
  never sees it; /server.json tells the page only that a key is set). The proxy serves this page and
  programs only: requests from other sites (Origin, Sec-Fetch-Site) or other host names get 403.`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) { console.log(HELP); process.exit(0); }
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const s = await start({ port: Number(opt('--port') ?? 8787), host: opt('--host') ?? '127.0.0.1',
    gateway: opt('--gateway'), apiKey: process.env.AI_GATEWAY_API_KEY || undefined });
  console.log(`imagegate demo: ${s.url}`);
  console.log(`gateway: ${s.mock ? `local mock (${s.gatewayURL})` : s.gatewayURL}${process.env.AI_GATEWAY_API_KEY ? ' (server key set: the proxy adds it)' : ''}`);
  const stop = async () => { await s.close(); process.exit(0); };
  process.on('SIGINT', stop); process.on('SIGTERM', stop);
}
