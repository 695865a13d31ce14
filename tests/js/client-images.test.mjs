// images.generate and models.list end to end: the package (emscripten_fetch in node, through the
// package's node:http XMLHttpRequest) against the mock gateway, with the openai SDK as the oracle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  createClient, parseImagesResponse, sniffImage, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, RateLimitError, InternalServerError, APIConnectionError,
  APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError, ValidationError,
} from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';
import { start } from '../../scripts/mock-gateway.mjs';

const KEY = 'sk-test-imagegate-0123456789';
let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });

const client = (opts = {}) => createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, ...opts });
const withFault = (fault, opts = {}) => client({ ...opts, defaultHeaders: { 'x-mock-fault': fault } });
const small = { model: 'bfl/flux-2-pro', prompt: 'a red fox in the snow', size: '64x48' };

test('n = 1..4: bytes identical to what the gateway encoded (openai SDK as the oracle)', async () => {
  const c = await client();
  const oai = new OpenAI({ apiKey: KEY, baseURL: gw.url });
  for (let n = 1; n <= 4; n++) {
    const res = await c.images.generate({ ...small, n });
    const ref = await oai.images.generate({ ...small, n });
    assert.equal(res.images.length, n);
    assert.equal(res.created, ref.created);
    res.images.forEach((img, i) => {
      assert.deepEqual(Buffer.from(img.bytes), Buffer.from(ref.data[i].b64_json, 'base64'), `image ${i} of ${n}`);
      assert.equal(img.mimeType, 'image/png');
      assert.equal(img.format, 'png');
      assert.equal(img.width, 64);
      assert.equal(img.height, 48);
      assert.deepEqual({ ...sniffImage(img.bytes) }, { format: 'png', mimeType: 'image/png', width: 64, height: 48, orientation: 1, displayWidth: 64, displayHeight: 48 });
      assert.equal(img.revisedPrompt ?? null, ref.data[i].revised_prompt ?? null);
    });
    assert.ok(res.requestId, 'x-request-id is surfaced');
  }
});

test('JPEG and WebP outputs are sniffed from the bytes', async () => {
  const c = await client();
  for (const [fmt, mime] of [['jpeg', 'image/jpeg'], ['webp', 'image/webp']]) {
    const res = await c.images.generate({ ...small, providerOptions: { blackForestLabs: { outputFormat: fmt } } });
    assert.equal(res.images[0].mimeType, mime);
    assert.equal(res.images[0].width, 64);
    assert.equal(res.images[0].height, 48);
  }
});

test('the request carries the key only in the Authorization header', async () => {
  const c = await client();
  gw.reset?.();
  await c.images.generate(small);
  const req = gw.requests.at(-1);
  assert.equal(req.method, 'POST');
  assert.ok(!req.path.includes(KEY));
  assert.ok(!JSON.stringify(req.headers).includes(KEY), 'the mock log redacts authorization; nothing else carries the key');
});

test('invalid parameters are refused before any request, naming the field', async () => {
  const c = await client();
  const cases = [[{ prompt: 'x' }, 'model'], [{ model: 'm' }, 'prompt'], [{ ...small, n: 0 }, 'n'], [{ ...small, n: 11 }, 'n'],
    [{ ...small, size: 'big' }, 'size'], [{ ...small, response_format: 'png' }, 'response_format']];
  for (const [params, param] of cases) {
    await assert.rejects(c.images.generate(params), (e) => e instanceof ValidationError && e.param === param);
  }
  await assert.rejects(c.images.generate(null), ValidationError);
  await assert.rejects(createClient({ apiKey: 42 }), ValidationError);
  await assert.rejects(createClient({ baseURL: 'ftp://x' }), ValidationError);
});

test('gateway validation errors map to their classes with the gateway fields', async () => {
  const c = await client();
  await assert.rejects(c.images.generate({ ...small, model: 'nope/unknown-model' }), (e) =>
    e instanceof NotFoundError && e.status === 404 && e.type === 'model_not_found' && /unknown-model/.test(e.message) &&
    /^gen_/.test(e.generationId) && /^req_/.test(e.requestId));
  await assert.rejects(c.images.generate({ ...small, model: 'google/gemini-2.5-flash-image' }), (e) =>
    e instanceof BadRequestError && /language model/.test(e.message));
  const noKey = await createClient({ baseURL: gw.url, maxRetries: 0 });
  await assert.rejects(noKey.images.generate(small), (e) => e instanceof AuthenticationError && e.status === 401);
});

test('every error status and body shape', async () => {
  const cases = [[400, BadRequestError], [401, AuthenticationError], [403, PermissionDeniedError], [404, NotFoundError],
    [429, RateLimitError], [500, InternalServerError], [503, InternalServerError]];
  for (const [status, Cls] of cases) {
    const c = await withFault(`status=${status}`);
    await assert.rejects(c.images.generate(small), (e) => {
      assert.ok(e instanceof Cls, `${status} → ${e.constructor.name}`);
      assert.ok(e instanceof APIError);
      assert.equal(e.status, status);
      assert.match(e.message, new RegExp(`^${status} `));
      assert.ok(!e.message.includes(KEY));
      return true;
    });
  }
  const html = await withFault('html-error=502');
  await assert.rejects(html.images.generate(small), (e) => e instanceof InternalServerError && /HTML page/.test(e.message));
  const ok200 = await withFault('error-200');
  await assert.rejects(ok200.images.generate(small), (e) => e instanceof APIError && !(e instanceof InvalidResponseError));
});

test('malformed 200 bodies are InvalidResponseError with a position', async () => {
  const t = await withFault('truncate=200');
  await assert.rejects(t.images.generate(small), (e) => e instanceof InvalidResponseError && e.reason === 'invalid_json' && e.position >= 0);
  const b = await withFault('bad-base64');
  await assert.rejects(b.images.generate(small), (e) => e instanceof InvalidResponseError && e.reason === 'bad_base64' &&
    Number.isInteger(e.position) && e.imageIndex === 0);
});

test('retries: 429 then success honouring retry-after-ms; 500 twice then success; 400 never retried', async () => {
  gw.reset?.();
  const r = await withFault('fail-first=1:429,retry-after-ms=120', { maxRetries: 2 });
  const t0 = performance.now();
  const res = await r.images.generate(small);
  assert.equal(res.images.length, 1);
  assert.ok(performance.now() - t0 >= 110, 'waited for retry-after-ms');

  const limited = await withFault('status=429,retry-after-ms=2500');
  await assert.rejects(limited.images.generate(small), (e) => e instanceof RateLimitError && e.retryAfterMs === 2500 &&
    /retry after 2\.5 s/.test(e.message));

  gw.reset?.();
  const before = gw.requests.length;
  const f = await withFault('fail-first=2:500', { maxRetries: 2 });
  assert.equal((await f.images.generate(small)).images.length, 1);
  assert.equal(gw.requests.length - before, 3);

  gw.reset?.();
  const before400 = gw.requests.length;
  const bad = await withFault('status=400', { maxRetries: 2 });
  await assert.rejects(bad.images.generate(small), BadRequestError);
  assert.equal(gw.requests.length - before400, 1);
});

test('connection failures: reset mid-body, refused, stall → timeout, abort mid-transfer', async () => {
  const reset = await withFault('reset-after=100');
  await assert.rejects(reset.images.generate(small), APIConnectionError);
  const refused = await createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });
  await assert.rejects(refused.images.generate(small), (e) => e instanceof APIConnectionError && !(e instanceof APIConnectionTimeoutError));
  const stall = await withFault('stall-after=100', { timeout: 300 });
  await assert.rejects(stall.images.generate(small), APIConnectionTimeoutError);
  const slow = await withFault('delay=2000');
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const t0 = performance.now();
  await assert.rejects(slow.images.generate(small, { signal: ac.signal }), APIUserAbortError);
  assert.ok(performance.now() - t0 < 1500, 'abort is prompt');
  assert.equal(wasm.pendingRequests(), 0);
});

test('16 requests in parallel', async () => {
  const c = await client();
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => c.images.generate({ ...small, prompt: `parallel ${i}` })));
  assert.equal(results.length, 16);
  assert.equal(new Set(results.map((r) => Buffer.from(r.images[0].bytes).toString('base64'))).size, 16, 'each prompt its own image');
  assert.equal(wasm.pendingRequests(), 0);
});

test('the wasm heap returns to its baseline after 100 requests', async () => {
  const c = await client();
  await c.images.generate(small);  // warm up allocator pools
  const base = wasm.heapStats().used;
  for (let i = 0; i < 100; i++) {
    const fault = i % 4 === 1 ? 'status=500' : i % 4 === 2 ? 'truncate=150' : '';
    const cc = fault ? await withFault(fault) : c;
    try { await cc.images.generate({ ...small, prompt: `heap ${i}` }); } catch { /* errors are part of the mix */ }
  }
  const after = wasm.heapStats().used;
  assert.ok(Math.abs(after - base) <= 1 << 20, `heap used ${base} → ${after}`);
});

test('models.list keeps image-capable models and tells which endpoint makes images', async () => {
  const c = await client();
  const all = await c.models.list();
  assert.ok(all.length >= 6);
  const images = await c.models.list({ imageCapable: true });
  assert.ok(images.every((m) => m.imageEndpoint === 'images' || m.imageEndpoint === 'chat'));
  assert.ok(images.some((m) => m.id === 'bfl/flux-2-pro' && m.imageEndpoint === 'images'));
  assert.ok(images.some((m) => m.id === 'google/gemini-2.5-flash-image' && m.imageEndpoint === 'chat'));
  assert.ok(all.some((m) => m.imageEndpoint === null), 'a text-only model is listed but not image-capable');
  assert.deepEqual((await c.models.list({ type: 'image' })).map((m) => m.type).filter((t) => t !== 'image'), []);
});

test('parseImagesResponse works on raw bytes without a network, and an injected fetch works too', async () => {
  const res = await fetch(`${gw.url}/images/generations`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...small, n: 2 }),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const parsed = parseImagesResponse(bytes);
  assert.equal(parsed.images.length, 2);
  assert.equal(parsed.images[1].width, 64);
  assert.throws(() => parseImagesResponse(new TextEncoder().encode('{"data":[{"b64_json":"@@@"}]}')), InvalidResponseError);
  const viaFetch = await client({ fetch: globalThis.fetch });
  const r = await viaFetch.images.generate({ ...small, n: 2 });
  assert.deepEqual(Buffer.from(r.images[1].bytes), Buffer.from(parsed.images[1].bytes));
});

test('parseImagesResponse leaves its input alone by default; inPlace decodes into it and returns views of it', async () => {
  const res = await fetch(`${gw.url}/images/generations`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...small, n: 2 }),
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const original = body.slice();
  const copied = parseImagesResponse(body);
  assert.deepEqual(body, original, 'the default parse does not write into its input');
  for (const img of copied.images) assert.notEqual(img.bytes.buffer, body.buffer);

  // The response in the middle of a bigger buffer: only its own base64 regions may change.
  const outer = new Uint8Array(body.length + 20).fill(0xAB);
  outer.set(body, 10);
  const view = outer.subarray(10, 10 + body.length);
  const inPlace = parseImagesResponse(view, { inPlace: true });
  assert.equal(inPlace.images.length, 2);
  inPlace.images.forEach((img, i) => {
    assert.equal(img.bytes.buffer, outer.buffer, `image ${i} is a view of the input`);
    assert.ok(img.bytes.byteOffset >= 10 && img.bytes.byteOffset + img.bytes.length <= 10 + body.length);
    assert.deepEqual(Buffer.from(img.bytes), Buffer.from(copied.images[i].bytes), `image ${i} bytes`);
    assert.equal(img.width, 64);
  });
  assert.deepEqual([...outer.subarray(0, 10), ...outer.subarray(10 + body.length)], new Array(20).fill(0xAB));
  assert.notDeepEqual(view, original, 'inPlace overwrote the base64 text');
  assert.throws(() => parseImagesResponse(new TextEncoder().encode('{"data":[{"b64_json":"@@@"}]}'), { inPlace: true }), InvalidResponseError);
});

test('images.generate hands out views of the response buffer (no new buffer per image) on both routes', async () => {
  for (const opts of [{}, { fetch: globalThis.fetch }]) {
    const c = await client(opts);
    const r = await c.images.generate({ ...small, n: 3 });
    const [a, b, d] = r.images.map((img) => img.bytes);
    assert.equal(a.buffer, b.buffer, 'two images share one buffer: the response');
    assert.equal(b.buffer, d.buffer);
    assert.ok(a.buffer.byteLength > a.length + b.length + d.length, 'that buffer is the whole response (JSON around the images)');
    assert.ok(a.byteOffset + a.length <= b.byteOffset && b.byteOffset + b.length <= d.byteOffset, 'in response order, not overlapping');
    for (const img of r.images) assert.deepEqual({ ...sniffImage(img.bytes) }, { format: 'png', mimeType: 'image/png', width: 64, height: 48, orientation: 1, displayWidth: 64, displayHeight: 48 });
  }
});

test('APIError.retryAfterMs is the delay the retry logic reads from the headers, no other parse', async () => {
  const { makeAPIError } = await import('../../wasm/js/errors.mjs');
  const info = { errorClass: 'RateLimitError', status: 429, message: 'slow down', type: null, code: null, param: null, generationId: null };
  const inTen = new Date(Date.now() + 10_000).toUTCString();   // an IMF-fixdate, 10 s ahead
  const cases = [
    [{ 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after-ms': '2500abc' }, null],                            // not a number: the retry logic ignores it
    [{ 'retry-after': 'Tuesday, 06-Nov-94 08:49:37 GMT' }, null],        // RFC 850 date: not an IMF-fixdate
    [{ 'retry-after': inTen }, 'about 10 s'],
    [{ 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' }, null],          // in the past
    [{ 'retry-after-ms': '-5', 'retry-after': '9' }, null],              // a number, but negative: backoff
    [{}, null],
  ];
  for (const [headers, expected] of cases) {
    const err = makeAPIError(info, { headers });
    const label = JSON.stringify(headers);
    if (expected === 'about 10 s') assert.ok(err.retryAfterMs > 8000 && err.retryAfterMs <= 10_000, `${label}: ${err.retryAfterMs}`);
    else assert.equal(err.retryAfterMs, expected, label);
    const d = wasm.decideRetry(429, '', headers['retry-after-ms'] ?? '', headers['retry-after'] ?? '', 0, 2, Date.now(), 0);
    if (err.retryAfterMs !== null) assert.ok(Math.abs(d.delayMs - err.retryAfterMs) < 50, `${label}: waits ${d.delayMs}, says ${err.retryAfterMs}`);
    else assert.equal(d.delayMs, 500, `${label}: a header the error ignores is ignored by the retry too (backoff)`);
  }
});

test('the key never appears in a logged client or in error messages', async () => {
  const c = await client();
  assert.ok(!JSON.stringify(c).includes(KEY));
  const errors = [];
  for (const f of ['status=401', 'status=500', 'html-error=502', 'truncate=50']) {
    try { await (await withFault(f)).images.generate(small); } catch (e) { errors.push(`${e.message} ${e.stack}`); }
  }
  assert.equal(errors.length, 4);
  for (const e of errors) assert.ok(!e.includes(KEY), e);
});
