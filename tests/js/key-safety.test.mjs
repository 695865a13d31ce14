// Key safety (issue 9): with a marker key, run a representative set of requests — successes, every error
// class, streams — and fail if the marker shows up anywhere it must not: error messages, stacks, anything the
// error prints as (String, util.inspect, JSON), console output, stderr, the request URLs and paths, or any
// request header other than Authorization. The mock gateway scrubs keys from its own log, so the wire is
// checked with a raw server (emscripten_fetch route) and a recording fetch (fetch and streaming routes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import util from 'node:util';
import {
  createClient, parseImagesResponse, ImagegateError, ValidationError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError, InternalServerError,
  APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
} from 'imagegate';
import { start } from '../../scripts/mock-gateway.mjs';

const MARKER = 'sk-MARKER-7f3c9a1e5b2d4086-do-not-log';
const CHAT_MODEL = 'google/gemini-2.5-flash-image';
const small = { model: 'bfl/flux-2-pro', prompt: 'a red fox in the snow', size: '64x48' };
const chatBody = {
  model: CHAT_MODEL, modalities: ['text', 'image'], messages: [{ role: 'user', content: 'a small boat' }],
  providerOptions: { google: { imageConfig: { imageSize: '64x48' } } },
};

let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });

const client = (opts = {}) => createClient({ apiKey: MARKER, baseURL: gw.url, maxRetries: 0, ...opts });
const withFault = (fault, opts = {}) => client({ ...opts, defaultHeaders: { 'x-mock-fault': fault } });

/** Captures console.* and process.stderr.write (still passing them through) while fn runs. */
async function capturingOutput(fn) {
  const lines = [];
  const saved = {};
  for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir']) {
    saved[name] = console[name];
    console[name] = (...args) => {
      lines.push(util.format(...args));
      return saved[name].apply(console, args);
    };
  }
  const stderrWrite = process.stderr.write;
  process.stderr.write = function write(chunk, ...rest) {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return stderrWrite.call(this, chunk, ...rest);
  };
  try {
    await fn();
  } finally {
    for (const [name, f] of Object.entries(saved)) console[name] = f;
    process.stderr.write = stderrWrite;
  }
  return lines.join('\n');
}

/** Every way an error can be shown to a person or a log. */
function renderings(err) {
  const out = [String(err), err?.message ?? '', err?.stack ?? '', util.inspect(err, { depth: 6, showHidden: true })];
  try { out.push(JSON.stringify(err)); } catch { /* cyclic: not a rendering */ }
  if (err?.cause) out.push(util.inspect(err.cause, { depth: 6 }));
  return out.join('\n');
}

/** Any run of 8 characters of the marker counts as a leak: a cut key is still a leak (issue 23). */
const MARKER_RUNS = Array.from({ length: MARKER.length - 7 }, (_, i) => MARKER.slice(i, i + 8));
const noMarker = (text, where) => {
  const run = MARKER_RUNS.find((r) => String(text).includes(r));
  assert.ok(run === undefined, `the key leaked into ${where} (${JSON.stringify(run)}):\n${text}`);
};

/** Runs fn expecting an error of class Cls; checks every rendering of it; logs it like an app would. */
async function expectCleanError(label, fn, Cls) {
  let err = null;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Cls, `${label}: expected ${Cls.name}, got ${err?.constructor?.name}: ${err?.message}`);
  assert.ok(err instanceof ImagegateError);
  noMarker(renderings(err), `${label} (${err.constructor.name})`);
  console.error(`[app log] ${label}:`, err);  // what an app does with it; the capture checks this too
  return err;
}

async function drain(stream) {
  const types = [];
  for await (const ev of stream) types.push(ev.type);
  return types;
}

test('the marker key never appears in errors, console output or the mock\'s log', async () => {
  gw.reset();
  const output = await capturingOutput(async () => {
    // Successes on every route (emscripten_fetch for images/models/create, fetch() for the stream).
    const c = await client();
    noMarker(util.inspect(c, { depth: 6, showHidden: true }), 'util.inspect(client)');
    noMarker(JSON.stringify(c), 'JSON.stringify(client)');
    console.log('[app log] client:', c);
    const res = await c.images.generate(small);
    assert.equal(res.images.length, 1);
    noMarker(util.inspect(res, { depth: 6 }), 'an images result');
    const models = await c.models.list({ imageCapable: true });
    assert.ok(models.length > 0);
    const completion = await c.chat.completions.create(chatBody);
    noMarker(util.inspect(completion, { depth: 6 }), 'a chat completion');
    const stream = c.chat.completions.stream(chatBody);
    assert.ok((await drain(stream)).includes('image'));
    noMarker(util.inspect(stream, { depth: 6, showHidden: true }), 'util.inspect(stream)');
    noMarker(util.inspect(await stream.finalCompletion(), { depth: 6 }), 'finalCompletion()');

    // Every APIError class, by status (mock faults), on the images route and on the stream route.
    for (const [status, Cls] of [[400, BadRequestError], [401, AuthenticationError], [403, PermissionDeniedError],
      [404, NotFoundError], [409, ConflictError], [422, UnprocessableEntityError], [429, RateLimitError],
      [500, InternalServerError], [503, InternalServerError], [418, APIError]]) {
      await expectCleanError(`status=${status}`, async () => (await withFault(`status=${status}`)).images.generate(small), Cls);
      await expectCleanError(`status=${status} (stream)`, async () => drain((await withFault(`status=${status}`)).chat.completions.stream(chatBody)), Cls);
    }
    await expectCleanError('html-error=502', async () => (await withFault('html-error=502')).images.generate(small), InternalServerError);
    await expectCleanError('error-200', async () => (await withFault('error-200')).chat.completions.create(chatBody), APIError);
    await expectCleanError('truncate', async () => (await withFault('truncate=80')).images.generate(small), InvalidResponseError);
    await expectCleanError('bad-base64', async () => (await withFault('bad-base64')).images.generate(small), InvalidResponseError);
    await expectCleanError('stream no-done', async () => drain((await withFault('no-done')).chat.completions.stream(chatBody)), InvalidResponseError);
    await expectCleanError('stream error-mid-stream', async () => drain((await withFault('error-mid-stream')).chat.completions.stream(chatBody)), APIError);
    await expectCleanError('stream bad-base64', async () => drain((await withFault('bad-base64')).chat.completions.stream(chatBody)), InvalidResponseError);
    await expectCleanError('stream reset', async () => drain((await withFault('reset-after=200')).chat.completions.stream(chatBody)), APIConnectionError);
    await expectCleanError('timeout', async () => (await withFault('stall-after=50', { timeout: 200 })).images.generate(small), APIConnectionTimeoutError);
    await expectCleanError('stream stall', async () => drain((await withFault('stall-after=300', { timeout: 200 })).chat.completions.stream(chatBody)), APIConnectionTimeoutError);
    await expectCleanError('refused', async () => (await createClient({ apiKey: MARKER, baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 })).images.generate(small), APIConnectionError);
    await expectCleanError('abort', async () => {
      const ac = new AbortController();
      const p = (await withFault('delay=2000')).images.generate(small, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      return p;
    }, APIUserAbortError);
    await expectCleanError('stream abort', async () => {
      const s = (await withFault('delay-events=500')).chat.completions.stream(chatBody);
      setTimeout(() => s.abort(), 100);
      return drain(s);
    }, APIUserAbortError);
    await expectCleanError('validation', async () => (await client()).images.generate({ ...small, n: 1e9 }), ValidationError);
    await expectCleanError('apiKey with a newline', () => createClient({ apiKey: `${MARKER}\n` }), ValidationError);
    // Retries (429 then success) log nothing either.
    const retrying = await client({ maxRetries: 2, defaultHeaders: { 'x-mock-fault': 'fail-first=1:429,retry-after-ms=10' } });
    assert.equal((await retrying.images.generate(small)).images.length, 1);
  });
  noMarker(output, 'console / stderr output');
  assert.ok(output.includes('[app log]'), 'the capture saw the app log lines');

  // The mock's log: the marker never appears, and its scrubber ([redacted]) only ever fired on Authorization —
  // anywhere else would mean the key was sent in the URL, another header or the body.
  assert.ok(gw.requests.length > 30);
  for (const r of gw.requests) {
    noMarker(JSON.stringify(r), `the mock's log of ${r.method} ${r.path}`);
    assert.ok(!r.path.includes('[redacted]'), `the key was in the URL: ${r.path}`);
    for (const [name, value] of Object.entries(r.headers)) {
      if (name !== 'authorization') assert.ok(!String(value).includes('[redacted]'), `the key was in header ${name}`);
    }
    if (r.body !== undefined) assert.ok(!JSON.stringify(r.body).includes('[redacted]'), 'the key was in the request body');
  }
});

test('servers that echo the key back: redacted from every error the client builds', async () => {
  const echo = (body, status, type = 'application/json') => async () => new Response(body, { status, headers: { 'content-type': type } });
  const cases = [
    ['json error body', echo(JSON.stringify({ error: { message: `Invalid API key: ${MARKER}`, type: 'authentication_error' } }), 401), AuthenticationError, 'images'],
    ['text error body', echo(`denied for Bearer ${MARKER}`, 403, 'text/plain'), PermissionDeniedError, 'images'],
    ['text error body, key across the excerpt\'s cut', echo(`${'.'.repeat(180)}credential=${MARKER}`, 503, 'text/plain'), InternalServerError, 'images'],
    ['text error body, key across the cut (stream)', echo(`${'.'.repeat(180)}credential=${MARKER}`, 503, 'text/plain'), InternalServerError, 'stream'],
    ['html error body', echo(`<html><title>${MARKER}</title></html>`, 502, 'text/html'), InternalServerError, 'images'],
    ['200 error body', echo(JSON.stringify({ error: { message: `quota exceeded for ${MARKER}` } }), 200), APIError, 'images'],
    ['error param/code', echo(JSON.stringify({ error: { message: 'bad', param: { key: MARKER }, code: MARKER, type: MARKER } }), 400), BadRequestError, 'images'],
    ['echoed in a response header', async () => new Response('{"error":{"message":"no"}}', { status: 401, headers: { 'content-type': 'application/json', 'x-debug-auth': `Bearer ${MARKER}`, 'x-request-id': MARKER } }), AuthenticationError, 'images'],
    ['echoed in a response header (stream)', async () => new Response('{"error":{"message":"no"}}', { status: 429, headers: { 'content-type': 'application/json', 'x-debug-auth': `Bearer ${MARKER}`, 'retry-after': MARKER } }), RateLimitError, 'stream'],
    // Malformed JSON that reflects the key: the JSON parser's diagnostics must not carry it into the message.
    ['malformed images JSON', echo(`{"echo":"Bearer ${MARKER}\u0001"}`, 200), InvalidResponseError, 'images'],
    ['malformed chat JSON', echo(`{"echo":"Bearer ${MARKER}\u0001"}`, 200), InvalidResponseError, 'create'],
    ['malformed models JSON', echo(`{"echo":"Bearer ${MARKER}\u0001"}`, 200), InvalidResponseError, 'models'],
    ['malformed stream event', echo(`data: {"echo":"Bearer ${MARKER}\u0001"}\n\n`, 200, 'text/event-stream'), InvalidResponseError, 'stream'],
    ['stream error event', echo(`data: {"error":{"message":"key ${MARKER} revoked"}}\n\n`, 200, 'text/event-stream'), APIError, 'stream'],
    ['stream 401 body', echo(JSON.stringify({ error: { message: `Invalid API key: ${MARKER}` } }), 401), AuthenticationError, 'stream'],
  ];
  const output = await capturingOutput(async () => {
    for (const [label, fetch, Cls, route] of cases) {
      const c = await createClient({ apiKey: MARKER, baseURL: gw.url, maxRetries: 0, fetch });
      const run = {
        images: () => c.images.generate(small),
        create: () => c.chat.completions.create(chatBody),
        models: () => c.models.list(),
        stream: () => drain(c.chat.completions.stream(chatBody)),
      }[route];
      const err = await expectCleanError(label, run, Cls);
      for (const field of ['message', 'type', 'code', 'param', 'generationId', 'requestId', 'reason', 'headers']) {
        noMarker(JSON.stringify(err[field] ?? null), `${label}: err.${field}`);
      }
    }
  });
  noMarker(output, 'console / stderr output');
  // parseImagesResponse has no key to redact, but it never adds one either.
  assert.throws(() => parseImagesResponse(new TextEncoder().encode('{"data":[{"b64_json":"!"}]}')), InvalidResponseError);
});

test('on the wire: the key travels only in the Authorization header', async () => {
  // A raw server sees exactly what the default (emscripten_fetch) transport sends.
  const seen = [];
  const png = (await (await client()).images.generate(small)).images[0].bytes;
  const body = JSON.stringify({ created: 1, data: [{ b64_json: Buffer.from(png).toString('base64') }] });
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      seen.push({ url: req.url, headers: req.headers, raw });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const c = await createClient({ apiKey: MARKER, baseURL: `http://127.0.0.1:${server.address().port}/v1`, maxRetries: 0 });
    await c.images.generate(small);
    await c.models.list().catch(() => {});
    // And the fetch() route (streams, injected fetch): record what it is handed.
    const calls = [];
    const recording = async (url, init) => {
      calls.push({ url: String(url), headers: init.headers, body: init.body });
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const f = await createClient({ apiKey: MARKER, baseURL: gw.url, maxRetries: 0, fetch: recording });
    await f.images.generate(small);
    await drain(f.chat.completions.stream(chatBody)).catch(() => {});
    assert.ok(seen.length >= 2 && calls.length >= 2);
    const wire = [...seen.map((s) => ({ url: s.url, headers: s.headers, body: s.raw })), ...calls];
    for (const w of wire) {
      noMarker(w.url, 'a request URL');
      noMarker(w.body instanceof Uint8Array ? Buffer.from(w.body).toString('utf8') : String(w.body ?? ''), 'a request body');
      for (const [name, value] of Object.entries(w.headers ?? {})) {
        if (name.toLowerCase() === 'authorization') assert.equal(value, `Bearer ${MARKER}`);
        else noMarker(value, `request header ${name}`);
      }
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
