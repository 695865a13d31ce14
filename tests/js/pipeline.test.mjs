// Issue 17: one request loop for every call, transports chosen by what the runtime has, errors that keep their
// cause, onRetry and idleTimeout, init() resolving to nothing, dropped streams freeing their core state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  createClient, init, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, RateLimitError,
  InternalServerError, ImagegateError,
} from 'imagegate';
import { wasm, _replaceGlueXMLHttpRequest } from '../../wasm/js/core.mjs';
import { _simulateNoXMLHttpRequest } from '../../wasm/js/transport.mjs';
import { start } from '../../scripts/mock-gateway.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'sk-test-pipeline-0123456789';
const small = { model: 'bfl/flux-2-pro', prompt: 'a red fox in the snow', size: '64x48' };
const chatBody = {
  model: 'google/gemini-2.5-flash-image', modalities: ['text', 'image'], messages: [{ role: 'user', content: 'a boat' }],
  providerOptions: { google: { imageConfig: { imageSize: '64x48' } } },
};
let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });

const drain = async (stream) => { const out = []; for await (const ev of stream) out.push(ev); return out; };

test('init() resolves to undefined: the raw embind module is not handed out', async () => {
  assert.equal(await init(), undefined);
});

test('the retry decision is called in one place in wasm/js', () => {
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.mjs')) files.push(path.join(dir, e.name));
    }
  };
  walk(path.join(root, 'wasm/js'));
  const calls = files.flatMap((f) => (readFileSync(f, 'utf8').match(/\b_decideRetry\(/g) ?? []).map(() => path.relative(root, f)));
  assert.deepEqual(calls, ['wasm/js/client.mjs']);
});

/** A loopback URL where nothing listens (a port just freed; fetch() refuses "bad ports" such as 9 outright). */
async function closedPort() {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}/v1`;
}

test('connection errors keep their cause and say what failed, on every route', async () => {
  const refused = await closedPort();
  const viaXhr = await createClient({ apiKey: KEY, baseURL: refused, maxRetries: 0 });
  const viaFetch = await createClient({ apiKey: KEY, baseURL: refused, maxRetries: 0, fetch: globalThis.fetch });
  for (const [route, run] of [
    ['emscripten_fetch', () => viaXhr.images.generate(small)],
    ['injected fetch', () => viaFetch.images.generate(small)],
    ['stream', () => drain(viaXhr.chat.completions.stream(chatBody))],
  ]) {
    const err = await run().catch((e) => e);
    assert.ok(err instanceof APIConnectionError, `${route}: ${err}`);
    assert.match(err.message, /refused/, route);
    assert.match(err.message, /ECONNREFUSED/, route);
    let code = null;
    for (let e = err.cause; e && !code; e = e.cause) code = e.code ?? null;
    assert.equal(code, 'ECONNREFUSED', `${route}: the cause chain carries the node error`);
  }
  const dns = await (await createClient({ apiKey: KEY, baseURL: 'http://imagegate-no-such-host.invalid/v1', maxRetries: 0 }))
    .models.list().catch((e) => e);
  assert.ok(dns instanceof APIConnectionError);
  assert.match(dns.message, /DNS/);
});

test('onRetry is told before each wait: attempt, delay, and the error with status and retryAfterMs', async () => {
  const seen = [];
  const c = await createClient({
    apiKey: KEY, baseURL: gw.url, maxRetries: 3, onRetry: (info) => seen.push(info),
    defaultHeaders: { 'x-mock-fault': 'fail-first=2:429,retry-after-ms=30,tag=1' },
  });
  const t0 = performance.now();
  const res = await c.images.generate(small);
  assert.equal(res.images.length, 1);
  assert.deepEqual(seen.map((s) => s.attempt), [1, 2]);
  for (const s of seen) {
    assert.equal(s.delayMs, 30);
    assert.ok(s.error instanceof RateLimitError);
    assert.equal(s.error.status, 429);
    assert.equal(s.error.retryAfterMs, 30);
  }
  assert.ok(performance.now() - t0 >= 60);
  // A request option overrides the client's, and streams go through the same loop.
  const own = [];
  const s = c.chat.completions.stream(chatBody, { onRetry: (i) => own.push(i) });
  const failing = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 1, defaultHeaders: { 'x-mock-fault': 'status=503,retry-after-ms=5' } });
  const streamed = [];
  await assert.rejects(drain(failing.chat.completions.stream(chatBody, { onRetry: (i) => streamed.push(i) })), InternalServerError);
  assert.deepEqual(streamed.map((i) => [i.attempt, i.delayMs, i.error.status]), [[1, 5, 503]]);
  await drain(s);
  assert.deepEqual(own, []);
  // Connection errors are retried and reported too (no retry-after: exponential backoff).
  const conn = [];
  const down = await createClient({ apiKey: KEY, baseURL: await closedPort(), maxRetries: 1, onRetry: (i) => conn.push(i) });
  await assert.rejects(down.models.list(), APIConnectionError);
  assert.equal(conn.length, 1);
  assert.ok(conn[0].error instanceof APIConnectionError && conn[0].delayMs > 0);
  await assert.rejects(createClient({ onRetry: 5 }), /onRetry/);
});

test('idleTimeout ends a stalled stream with a message that says it stalled; timeout bounds only its start', async () => {
  const stalled = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, timeout: 5000, defaultHeaders: { 'x-mock-fault': 'stall-after=300' } });
  const t0 = performance.now();
  const err = await drain(stalled.chat.completions.stream(chatBody, { idleTimeout: 150 })).catch((e) => e);
  const ms = performance.now() - t0;
  assert.ok(err instanceof APIConnectionTimeoutError, String(err));
  assert.match(err.message, /stalled/);
  assert.match(err.message, /idleTimeout/);
  assert.ok(ms < 2000, `took ${ms} ms`);
  // A slow but steady stream outlives a `timeout` shorter than the whole stream.
  const slow = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, timeout: 300, idleTimeout: 1000, defaultHeaders: { 'x-mock-fault': 'delay-events=120' } });
  const events = await drain(slow.chat.completions.stream(chatBody));
  assert.ok(events.some((e) => e.type === 'image'));
  await assert.rejects(createClient({ idleTimeout: -1 }), /idleTimeout/);
});

test('a runtime without XMLHttpRequest uses fetch() for everything, with the same results and errors', async () => {
  const withXhr = await (await createClient({ apiKey: KEY, baseURL: gw.url })).images.generate(small);
  _simulateNoXMLHttpRequest(true);
  const calls = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (...args) => { calls.push(String(args[0])); return realFetch(...args); };
  try {
    const c = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
    const res = await c.images.generate(small);
    assert.deepEqual(Buffer.from(res.images[0].bytes), Buffer.from(withXhr.images[0].bytes));
    assert.ok((await c.models.list()).length > 0);
    assert.ok((await drain(c.chat.completions.stream(chatBody))).some((e) => e.type === 'image'));
    assert.equal(calls.length, 3, 'every call went through globalThis.fetch');
    const down = await createClient({ apiKey: KEY, baseURL: await closedPort(), maxRetries: 0 });
    const err = await down.images.generate(small).catch((e) => e);
    assert.ok(err instanceof APIConnectionError && err instanceof ImagegateError, `a transport failure is typed: ${err}`);
    const unauth = await (await createClient({ apiKey: null, baseURL: gw.url, maxRetries: 0, defaultHeaders: { 'x-mock-fault': 'status=401' } }))
      .images.generate(small).catch((e) => e);
    assert.equal(unauth.status, 401);
  } finally {
    globalThis.fetch = realFetch;
    _simulateNoXMLHttpRequest(false);
  }
});

test('an XMLHttpRequest that cannot even start a request is a typed, final ImagegateError (never a raw TypeError, never retried)', async () => {
  // What workerd and the Edge Runtime did: emscripten_fetch ran `new XMLHttpRequest()` where none could be made.
  const previous = _replaceGlueXMLHttpRequest(function XMLHttpRequest() { throw new TypeError('XMLHttpRequest is not a constructor'); });
  try {
    const retries = [];
    const c = await createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 2, onRetry: (i) => retries.push(i) });
    const t0 = performance.now();
    const err = await c.images.generate(small).catch((e) => e);
    assert.ok(err instanceof ImagegateError, `typed: ${err?.name}: ${err?.message}`);
    assert.ok(!(err instanceof APIConnectionError), 'not a network failure');
    assert.ok(err.cause instanceof TypeError && /not a constructor/.test(err.cause.message));
    assert.match(err.message, /could not be started/);
    assert.deepEqual(retries, []);
    assert.ok(performance.now() - t0 < 500);
    assert.ok(!err.message.includes(KEY));
    assert.equal(wasm._pendingRequests(), 0, 'the request that never started leaves no state in the core');
  } finally {
    _replaceGlueXMLHttpRequest(previous);
  }
  assert.equal((await (await createClient({ apiKey: KEY, baseURL: gw.url })).images.generate(small)).images.length, 1);
});

test('a runtime with neither XMLHttpRequest nor fetch() fails each call with a final ImagegateError', async () => {
  _simulateNoXMLHttpRequest(true);
  const realFetch = globalThis.fetch;
  globalThis.fetch = undefined;
  try {
    const retries = [];
    const c = await createClient({ apiKey: KEY, baseURL: gw.url, onRetry: (i) => retries.push(i) });
    for (const call of [() => c.images.generate(small), () => drain(c.chat.completions.stream(chatBody))]) {
      const err = await call().catch((e) => e);
      assert.ok(err instanceof ImagegateError && !(err instanceof APIConnectionError), `${err?.name}: ${err?.message}`);
      assert.match(err.message, /neither XMLHttpRequest nor fetch/);
    }
    assert.deepEqual(retries, []);
  } finally {
    globalThis.fetch = realFetch;
    _simulateNoXMLHttpRequest(false);
  }
});

test('a stream dropped unfinished frees its core state when it is collected', async () => {
  // The whole transcript is in memory (an injected fetch), so nothing but the stream object holds it.
  const transcript = readFileSync(path.join(root, 'tests/fixtures/sse/chat-two-images.sse'));
  const fetch = async () => new Response(transcript, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  const c = await createClient({ apiKey: KEY, baseURL: gw.url, fetch });
  await drain(c.chat.completions.stream(chatBody));  // warm
  const dropOne = async () => {
    const it = c.chat.completions.stream(chatBody)[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);  // the core state exists now; the iterator is then dropped
  };
  const collect = async (count) => {
    for (let i = 0; i < 20 && wasm._chatStreamCount() > count; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }
  };
  // One round first: the bindings' handle table keeps the capacity of the most streams alive at once.
  for (let i = 0; i < 5; i++) await dropOne();
  await collect(0);
  gc();
  const streams0 = wasm._chatStreamCount();
  const heap0 = wasm._heapStats().used;
  for (let i = 0; i < 5; i++) await dropOne();
  assert.equal(wasm._chatStreamCount(), streams0 + 5);
  await collect(streams0);
  assert.equal(wasm._chatStreamCount(), streams0, 'dropped streams were freed by the FinalizationRegistry');
  assert.equal(wasm._heapStats().used, heap0);
});

test('the abort of a running request settles at once and leaves nothing on the caller\'s signal', async () => {
  const { getEventListeners } = await import('node:events');
  const ac = new AbortController();
  const c = await createClient({ apiKey: KEY, baseURL: gw.url, defaultHeaders: { 'x-mock-fault': 'delay=3000' } });
  const p = c.images.generate(small, { signal: ac.signal });
  setTimeout(() => ac.abort(), 30);
  const t0 = performance.now();
  await assert.rejects(p, APIUserAbortError);
  assert.ok(performance.now() - t0 < 500);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  const keep = new AbortController();
  await (await createClient({ apiKey: KEY, baseURL: gw.url })).images.generate(small, { signal: keep.signal });
  assert.equal(getEventListeners(keep.signal, 'abort').length, 0);
});
