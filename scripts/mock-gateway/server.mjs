// The mock gateway's HTTP server: request log (keys scrubbed), CORS, faults, the route table, billing (every
// answered generation gets a /v1/generation record and is charged to /v1/credits), and the sending of bodies and
// event streams with the cut-off faults.
import http from 'node:http';
import { MODELS } from './catalogue.mjs';
import { generationId, mulberry32, seed32 } from './encoders.mjs';
import { GatewayError, errorResult, faultError, invalid, parseFaults } from './faults.mjs';
import {
  chatCompletions, creditsBalance, generationLookup, generationRecord, imagesEdits, imagesGenerations, listModels,
} from './routes.mjs';

const MAX_BODY = 64 * 1024 * 1024;  // request body limit (editing requests carry data URLs: up to 16 images)
const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'x-mock-fault'];
// The generation id header: `x-vercel-ai-gateway-generation-id` is the one clients of the real gateway read
// (third-party code, API.md §9.3 as verified); `x-generation-id` is kept for older clients of the mock.
const GENERATION_HEADERS = ['x-vercel-ai-gateway-generation-id', 'x-generation-id'];
const CORS_EXPOSE_HEADERS = `x-request-id, ${GENERATION_HEADERS.join(', ')}, retry-after, retry-after-ms`;
const STARTING_BALANCE = 100;

// ──────────────────────────────────────────────────────────────────────────────────────────── sending

// SSE serialisation with the eol / comments faults. Each returned Buffer is one event (plus any comments).
export function sseSegments(events, f) {
  const eol = f.eol === 'cr' ? '\r' : f.eol === 'crlf' ? '\r\n' : '\n';
  return events.map((ev, i) => {
    let s = '';
    if (f.comments) {
      s += `: ping${eol}${eol}`;                 // a comment-only block between events (dispatches nothing)
      if (i % 2 === 0) s += `: ping${eol}`;      // and a comment line inside an event, right before its data
    }
    s += `data: ${typeof ev === 'string' ? ev : JSON.stringify(ev)}${eol}${eol}`;
    return Buffer.from(s, 'utf8');
  });
}

function sleep(ms, res) {
  return new Promise((resolve) => {
    if (!ms) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); res.off('close', done); resolve(); }
    res.once('close', done);
  });
}

const writeAsync = (res, buf) => new Promise((resolve) => {
  if (res.destroyed) return resolve();
  if (res.write(buf)) resolve();
  else { const done = () => { res.off('drain', done); res.off('close', done); resolve(); }; res.on('drain', done); res.on('close', done); }
});
// For chunk faults every piece waits for its write callback and then for a turn of the event loop (setImmediate),
// so pieces leave in separate TCP segments and a client in the same process gets to read between them.
const writeFlushed = (res, buf) => new Promise((resolve) => {
  if (res.destroyed) resolve(); else res.write(buf, () => setImmediate(resolve));
});

async function sendResult(res, result, f, rng) {
  const streaming = !!result.segments.streaming;
  const segments = result.segments;
  const total = segments.reduce((a, s) => a + s.length, 0);
  // Only one cut-off applies: truncate, then reset-after, then stall-after.
  const cutKind = f.truncate !== undefined ? 'truncate' : f['reset-after'] !== undefined ? 'reset' : f['stall-after'] !== undefined ? 'stall' : null;
  const cut = cutKind === 'truncate' ? f.truncate : cutKind === 'reset' ? f['reset-after'] : cutKind === 'stall' ? f['stall-after'] : Infinity;
  const headers = { ...result.headers };
  if (!streaming) headers['content-length'] = String(cutKind === 'truncate' ? Math.min(cut, total) : total);
  res.writeHead(result.status, headers);
  if (cutKind || f['delay-events'] || f.chunk) res.flushHeaders();
  let sent = 0, stopped = false;
  for (let si = 0; si < segments.length && !stopped; si++) {
    if (si > 0 && f['delay-events']) await sleep(f['delay-events'], res);
    if (res.destroyed) return;
    let seg = segments[si];
    if (sent + seg.length >= cut) { seg = seg.subarray(0, cut - sent); stopped = true; }
    if (f.chunk) {
      for (let o = 0; o < seg.length;) {
        const size = f.chunk === 'random' ? 1 + Math.floor(rng() * 97) : f.chunk;
        await writeFlushed(res, seg.subarray(o, o + size));
        if (res.destroyed) return;
        o += size;
      }
    } else if (seg.length) await writeAsync(res, seg);
    sent += seg.length;
  }
  if (!stopped || cutKind === 'truncate') { res.end(); return; }
  if (cutKind === 'stall') return;  // keep the connection open; close() or the client ends it
  // reset-after: let the bytes reach the client, then reset the connection (RST; FIN where unsupported).
  await new Promise((resolve) => { if (res.destroyed) resolve(); else res.write('', () => resolve()); });
  await sleep(20, res);
  const socket = res.socket;
  if (socket && !socket.destroyed) { if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy(); else socket.destroy(); }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new GatewayError(413, `Request body exceeds ${MAX_BODY} bytes`, { type: 'invalid_request_error' })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// ──────────────────────────────────────────────────────────────────────────────────────────── server

/**
 * Starts the mock. `port: 0` picks a free port. `keys`: accepted bearer keys (default: any non-empty key).
 * Returns { url (base URL including /v1), port, close(), requests, reset(), setFault(str|null) }.
 */
export async function start({ port = 8788, host = '127.0.0.1', keys } = {}) {
  const requests = [];
  // Spend: generation records by id, lookups per id (the not-ready fault), the balance.
  const state = { generations: new Map(), lookups: new Map(), balance: STARTING_BALANCE, totalUsed: 0 };
  const failCounts = new Map();
  const sockets = new Set();
  let defaultFault = null, counter = 0;
  const accepted = keys ? new Set(keys.map(String)) : null;
  const secretsKnown = [...(accepted ?? [])].filter((k) => k.length >= 4);

  function authKey(header) {
    const m = /^Bearer[ \t]+(\S.*?)\s*$/i.exec(header ?? '');
    return m ? m[1] : null;
  }
  // The log must never contain a key: authorization is replaced, and any occurrence of the presented key or a
  // configured key elsewhere (other headers, path, body) becomes [redacted].
  function scrubber(key) {
    const secrets = [...secretsKnown, ...(key && key.length >= 4 ? [key] : [])];
    return (s) => { for (const k of secrets) s = s.split(k).join('[redacted]'); return s; };
  }

  async function handle(req, res) {
    const requestId = `req_${++counter}`;
    res.setHeader('x-request-id', requestId);  // also on responses written by the error handler below
    const common = {
      'x-request-id': requestId, 'access-control-allow-origin': '*', 'access-control-expose-headers': CORS_EXPOSE_HEADERS,
    };
    const url = new URL(req.url, 'http://mock.invalid');
    const key = authKey(req.headers.authorization);
    const scrub = scrubber(key);
    let raw;
    try { raw = await readBody(req); } catch (e) {
      if (!res.headersSent && !res.destroyed) { res.writeHead(e.status ?? 400, { ...common, 'content-type': 'application/json' }); res.end(JSON.stringify({ error: { message: e.message, type: e.type ?? 'invalid_request_error' } })); }
      return;
    }
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) {
      headers[k] = k === 'authorization' ? (/^bearer\b/i.test(String(v)) ? 'Bearer [redacted]' : '[redacted]') : scrub(String(v));
    }
    const entry = { method: req.method, path: scrub(url.pathname + url.search), headers };
    if (raw.length) {
      const text = scrub(raw.toString(/^multipart\//i.test(req.headers['content-type'] ?? '') ? 'latin1' : 'utf8'));
      try { entry.body = JSON.parse(text); } catch { entry.body = text; }
    }
    requests.push(entry);

    if (req.method === 'OPTIONS') {
      const asked = String(req.headers['access-control-request-headers'] ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
      res.writeHead(204, {
        ...common, 'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': [...new Set([...CORS_ALLOW_HEADERS, ...asked])].join(', '), 'access-control-max-age': '600',
      });
      res.end();
      return;
    }

    let body, parsedOk = false;
    if (raw.length) { try { body = JSON.parse(raw.toString('utf8')); parsedOk = true; } catch { /* reported by the route */ } }
    const genId = generationId(url.pathname, raw.toString('latin1'));

    const faultStr = String(req.headers['x-mock-fault'] ?? defaultFault ?? '').trim();
    let f, result;
    try { f = parseFaults(faultStr); } catch (e) {
      f = {};
      result = errorResult(invalid(e.message, 'x-mock-fault', 'unknown_fault'), genId);
    }
    if (f.delay) { await sleep(f.delay, res); if (res.destroyed) return; }

    if (!result && f['fail-first']) {
      const seen = (failCounts.get(faultStr) ?? 0) + 1;
      failCounts.set(faultStr, seen);
      if (seen <= f['fail-first'].count) result = errorResult(faultError(f['fail-first'].status, body), genId);
    }
    if (!result && f.status) result = errorResult(faultError(f.status, body), genId);
    if (!result && f['html-error']) {
      const s = f['html-error'];
      result = { status: s, headers: { 'content-type': 'text/html; charset=utf-8' }, text:
        `<!DOCTYPE html>\n<html><head><title>${s} Bad Gateway</title></head>\n<body><h1>${s} Bad Gateway</h1>` +
        '<p>The proxy server received an invalid response from an upstream server.</p><hr><address>mock-edge</address></body></html>\n' };
    }
    if (!result && f['error-200']) {
      result = errorResult(new GatewayError(200, 'The upstream provider returned an error (mock fault: error-200)', { type: 'internal_server_error' }), genId);
    }
    if (!result) {
      try {
        const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
        const posts = ['POST /v1/images/generations', 'POST /v1/images/edits', 'POST /v1/chat/completions'];
        const needsAuth = posts.includes(route) || route === 'GET /v1/generation' || route === 'GET /v1/credits';
        const multipart = route === 'POST /v1/images/edits' && /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
        if (needsAuth) {
          if (!req.headers.authorization) throw new GatewayError(401, 'Missing Authorization header: send "Authorization: Bearer <AI Gateway API key>"');
          if (!key || (accepted && !accepted.has(key))) throw new GatewayError(401, 'Invalid API key');
          if (req.method === 'POST' && !parsedOk && !multipart) {
            throw invalid(raw.length ? 'Invalid request: the body is not valid JSON' : 'Invalid request: the body is empty (JSON expected)', undefined, 'invalid_json');
          }
        }
        if (route === 'GET /v1/models') result = listModels();
        else if (req.method === 'GET' && url.pathname.startsWith('/v1/models/')) {
          const id = decodeURIComponent(url.pathname.slice('/v1/models/'.length));
          const m = MODELS.get(id);
          if (!m) throw new GatewayError(404, `Model '${id}' not found`, { type: 'model_not_found', param: { modelId: id } });
          result = { status: 200, json: m };
        } else if (route === 'POST /v1/images/generations') result = await imagesGenerations(body, f);
        else if (route === 'POST /v1/images/edits') result = await imagesEdits(body, f, raw, req.headers['content-type']);
        else if (route === 'POST /v1/chat/completions') result = await chatCompletions(body, f, genId);
        else if (route === 'GET /v1/generation') result = generationLookup(url, f, state);
        else if (route === 'GET /v1/credits') result = creditsBalance(state);
        else if (['/v1/models', '/v1/images/generations', '/v1/images/edits', '/v1/chat/completions', '/v1/generation', '/v1/credits']
          .includes(url.pathname.replace(/\/+$/, ''))) {
          throw new GatewayError(405, `Method ${req.method} is not allowed on ${url.pathname}`, { type: 'invalid_request_error' });
        } else throw new GatewayError(404, `Not found: ${req.method} ${url.pathname}`, { type: 'not_found' });
      } catch (e) {
        if (!(e instanceof GatewayError) && !e.status) throw e;
        result = errorResult(e instanceof GatewayError ? e : new GatewayError(e.status, e.message), genId);
      }
    }

    const outHeaders = { ...common, ...(result.headers ?? {}) };
    // The generation id of every generation attempt and every error (also in the body: `id` / `generationId`).
    if (req.method === 'POST' || result.status >= 400) for (const h of GENERATION_HEADERS) outHeaders[h] = genId;
    if (result.bill && result.status === 200) {
      // Billed once per generation id (identical requests get identical ids, as their bodies are identical).
      if (!state.generations.has(genId)) {
        const record = generationRecord(genId, result.bill, Date.now());
        state.generations.set(genId, record);
        state.balance -= record.total_cost;
        state.totalUsed += record.total_cost;
      }
    }
    if (f['retry-after-ms'] !== undefined && result.status >= 400) {
      outHeaders['retry-after-ms'] = String(f['retry-after-ms']);
      if (outHeaders['retry-after']) outHeaders['retry-after'] = String(Math.ceil(f['retry-after-ms'] / 1000));
    }
    let segments;
    if (result.sse) {
      Object.assign(outHeaders, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      segments = sseSegments(result.sse, f);
      segments.streaming = true;
    } else if (result.text !== undefined) {
      segments = [Buffer.from(result.text, 'utf8')];
    } else {
      outHeaders['content-type'] = 'application/json';
      segments = [Buffer.from(JSON.stringify(result.json), 'utf8')];
    }
    await sendResult(res, { status: result.status, headers: outHeaders, segments }, f, mulberry32(seed32('chunks', faultStr, raw.length)));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      // A bug in the mock: answer 500 (the message never contains a key: keys are only in headers).
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        res.end(JSON.stringify({ error: { message: `mock gateway bug: ${err?.message ?? err}`, type: 'internal_server_error' } }));
      } else res.destroy();
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.setNoDelay(true); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => { server.off('error', reject); resolve(); }); });
  const actualPort = server.address().port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let closed = null;
  return {
    url: `http://${hostPart}:${actualPort}/v1`,
    port: actualPort,
    requests,
    /** Clears the request log and every fail-first counter (the default fault set by setFault stays). */
    reset() { requests.length = 0; failCounts.clear(); state.lookups.clear(); },
    /** The generation records so far (id → the /v1/generation `data`), and the balance. */
    generations: state.generations,
    get balance() { return state.balance; },
    /** Sets the fault applied to requests without an x-mock-fault header; null/'' clears it. Throws if invalid. */
    setFault(s) { if (s) parseFaults(s); defaultFault = s || null; },
    close() {
      closed ??= new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();  // also ends stalled responses and keep-alive connections
      });
      return closed;
    },
  };
}

