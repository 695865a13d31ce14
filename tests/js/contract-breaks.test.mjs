// Issue 23: four contract breaks found by a soak, each reproduced on its own, plus the node transport's
// keep-alive resend and its bound. Each test was written before its fix and failed without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import util from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { getEventListeners } from 'node:events';
import {
  createClient, APIError, InternalServerError, InvalidResponseError,
} from 'imagegate';
import { start } from '../../scripts/mock-gateway.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const KEY = 'sk-live-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2';  // 48 characters, like a real key
const MODEL = 'google/gemini-2.5-flash-image';
const chatBody = {
  model: MODEL, modalities: ['text', 'image'], messages: [{ role: 'user', content: 'a small boat' }],
  providerOptions: { google: { imageConfig: { imageSize: '64x48' } } },
};
let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });

/** A server for one test: handler(req, res, body) per request; resolves { url, close, requests }. */
async function rawServer(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => { requests.push(req.url); handler(req, res, Buffer.concat(chunks)); });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`, requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

const respond = (status, type, body) => async () => new Response(body, { status, headers: { 'content-type': type } });

test('1. a long-lived signal keeps no listener and no reference to finished streams', async () => {
  const c = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
  const shared = new AbortController();
  const refs = [];
  // In a function of its own, so that no local of the test's frame keeps the last stream alive.
  const readOne = async () => {
    const stream = c.chat.completions.stream(chatBody, { signal: shared.signal });
    let image = null;
    for await (const ev of stream) if (ev.type === 'image') image = ev.bytes;
    assert.ok(image && image.length > 0);
    return [new WeakRef(stream), new WeakRef(image.buffer)];
  };
  for (let i = 0; i < 20; i++) refs.push(...await readOne());
  // Streams that are made and dropped without being read hold nothing either.
  for (let i = 0; i < 5; i++) refs.push(new WeakRef(c.chat.completions.stream(chatBody, { signal: shared.signal })));
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0, 'listeners left on the shared signal');
  for (let i = 0; i < 4 && refs.some((r) => r.deref()); i++) { await new Promise((r) => setImmediate(r)); gc(); }
  const alive = refs.map((r, i) => (r.deref() !== undefined ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(alive, [], 'finished streams or their images are still reachable');
  // The shared signal still works for a stream that is running.
  const slow = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, defaultHeaders: { 'x-mock-fault': 'delay-events=300' } });
  const live = slow.chat.completions.stream(chatBody, { signal: shared.signal });
  const it = live[Symbol.asyncIterator]();
  await it.next();
  shared.abort();
  await assert.rejects(async () => { for (;;) { const { done } = await it.next(); if (done) break; } }, { name: 'APIUserAbortError' });
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
});

/** Every run of 8 or more characters of KEY that appears in text (a cut key, a prefix, a suffix). */
function keyRuns(text) {
  const found = [];
  for (let i = 0; i + 8 <= KEY.length; i++) if (text.includes(KEY.slice(i, i + 8))) found.push(KEY.slice(i, i + 8));
  return found;
}
const renderings = (err) => [String(err), err.message, err.stack, util.inspect(err, { depth: 6 }), JSON.stringify(err)].join('\n');

test('2. a text error page that echoes the key near its 200th byte leaks no part of it', async () => {
  // The key at every offset around the excerpt's cut, on both routes (injected fetch, emscripten_fetch).
  for (const offset of [150, 180, 185, 190, 195, 199, 200, 205]) {
    const page = `${'x'.repeat(offset - 'credential='.length)}credential=${KEY}; please contact support ${'y'.repeat(200)}`;
    const viaFetch = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, fetch: respond(503, 'text/plain', page) });
    const server = await rawServer((req, res) => { res.writeHead(503, { 'content-type': 'text/plain' }); res.end(page); });
    try {
      const viaXhr = await createClient({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
      for (const [route, c] of [['fetch', viaFetch], ['emscripten_fetch', viaXhr]]) {
        const err = await c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'p' }).catch((e) => e);
        assert.ok(err instanceof InternalServerError, `${route}: ${err}`);
        assert.match(err.message, /not JSON/);
        assert.deepEqual(keyRuns(renderings(err)), [], `${route} offset ${offset}: part of the key leaked:\n${err.message}`);
      }
      const streamErr = await (async () => { for await (const _ of viaFetch.chat.completions.stream(chatBody)); })().catch((e) => e);
      assert.ok(streamErr instanceof InternalServerError);
      assert.deepEqual(keyRuns(renderings(streamErr)), [], `stream offset ${offset}: part of the key leaked`);
    } finally {
      await server.close();
    }
  }
});

test('2b. a prefix or a suffix of the key (8+ characters) is redacted wherever a server puts it', async () => {
  for (const fragment of [KEY.slice(0, 8), KEY.slice(0, 30), KEY.slice(-8), KEY.slice(-20)]) {
    const body = JSON.stringify({ error: { message: `token ${fragment}… is not valid`, code: fragment, param: `k=${fragment}` } });
    const c = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, fetch: respond(401, 'application/json', body) });
    const err = await c.models.list().catch((e) => e);
    assert.equal(err.status, 401);
    assert.deepEqual(keyRuns(renderings(err) + JSON.stringify([err.code, err.param])), [], `fragment ${fragment} leaked`);
    assert.match(err.message, /token \[redacted key\]… is not valid/);
  }
  // Seven characters are not a secret: ordinary words that happen to share a short run with the key stay.
  const c = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, fetch: respond(400, 'application/json', '{"error":{"message":"sk-live is the prefix"}}') });
  assert.match((await c.models.list().catch((e) => e)).message, /sk-live is the prefix/);
});

test('3. models.list() on a 200 carrying an error object throws APIError with the gateway\'s message', async () => {
  const body = JSON.stringify({ error: { message: 'The model catalogue is temporarily unavailable', type: 'internal_server_error', code: 'catalogue_down' } });
  const viaFetch = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, fetch: respond(200, 'application/json', body) });
  const server = await rawServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); });
  try {
    const viaXhr = await createClient({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });
    for (const c of [viaFetch, viaXhr]) {
      const err = await c.models.list().catch((e) => e);
      assert.ok(err instanceof APIError && !(err instanceof InvalidResponseError), `${err?.constructor?.name}: ${err?.message}`);
      assert.match(err.message, /temporarily unavailable/);
      assert.equal(err.type, 'internal_server_error');
      assert.equal(err.code, 'catalogue_down');
    }
    // The same body through images.generate and chat create: the same class and message (one rule in the core).
    const img = await viaFetch.images.generate({ model: 'bfl/flux-2-pro', prompt: 'p' }).catch((e) => e);
    const chat = await viaFetch.chat.completions.create(chatBody).catch((e) => e);
    for (const e of [img, chat]) {
      assert.equal(e.constructor, (await viaFetch.models.list().catch((x) => x)).constructor);
      assert.match(e.message, /temporarily unavailable/);
    }
    // A models document with data keeps working, and one with neither is still unexpected_shape.
    const neither = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, fetch: respond(200, 'application/json', '{"object":"list"}') });
    assert.equal((await neither.models.list().catch((e) => e)).reason, 'unexpected_shape');
  } finally {
    await server.close();
  }
});

test('4. a streamed bad_base64 error counts its position from the start of the stream', async () => {
  const first = 'data: {"choices":[{"index":0,"delta":{"content":"a picture: "}}]}\n\n: a comment line\n\n';
  const bad = 'data: {"choices":[{"index":0,"delta":{"images":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K!GgoAAAANSUhEUg=="}}]}}]}\n\n';
  const text = `${first}${bad}data: [DONE]\n\n`;
  const expected = Buffer.byteLength(text.slice(0, text.indexOf('!')));
  const bytes = new TextEncoder().encode(text);
  for (const split of [1, 7, first.length - 1, first.length, first.length + 10, text.indexOf('!'), text.indexOf('!') + 1, bytes.length]) {
    const fetch = async () => new Response(new ReadableStream({
      start(ctrl) { ctrl.enqueue(bytes.slice(0, split)); if (split < bytes.length) ctrl.enqueue(bytes.slice(split)); ctrl.close(); },
    }), { status: 200, headers: { 'content-type': 'text/event-stream' } });
    const c = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, fetch });
    const err = await (async () => { for await (const _ of c.chat.completions.stream(chatBody)); })().catch((e) => e);
    assert.ok(err instanceof InvalidResponseError, String(err));
    assert.equal(err.reason, 'bad_base64');
    assert.equal(err.position, expected, `split at ${split}`);
    assert.equal(text[err.position], '!');
  }
});

test('keep-alive: a reused socket reset before any response is re-sent once per attempt, never more', async () => {
  // Each connection answers its first request with a retryable 503 and resets on the next one, before any byte.
  const perSocket = new WeakMap();
  const server = await rawServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (n > 1) { req.socket.resetAndDestroy(); return; }
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after-ms': '1', connection: 'keep-alive' });
    res.end('{"error":{"message":"busy"}}');
  });
  try {
    for (const maxRetries of [0, 2]) {
      server.requests.length = 0;
      const c = await createClient({ apiKey: KEY, baseURL: server.url, maxRetries });
      await c.models.list().catch(() => {});  // warm: leaves one idle keep-alive socket that will reset on reuse
      server.requests.length = 0;
      const err = await c.models.list().catch((e) => e);
      assert.ok(err instanceof InternalServerError, String(err));
      // Attempt 1 reuses the warm socket (reset → one resend on a new socket → 503); every later attempt does
      // the same on the socket the previous one left: 2 requests per attempt, 2 × (maxRetries + 1) in all.
      assert.equal(server.requests.length, 2 * (maxRetries + 1), `maxRetries ${maxRetries}: the server saw ${server.requests.length} requests`);
    }
  } finally {
    await server.close();
  }
});
