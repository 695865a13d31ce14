// Tests of the mock gateway itself (scripts/mock-gateway.mjs): the wire format the other suites rely on, the
// pictures it encodes (checked with independent decoders: pngjs, jpeg-js, a small VP8L reader below and, when
// /usr/bin/chromium is installed, the browser's own WebP decoder), and every x-mock-fault.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { createParser } from 'eventsource-parser';
import { start, decodePNG, parseFaults } from '../../scripts/mock-gateway.mjs';
import { recordFixtures, SSE_BODY } from '../../scripts/record-fixtures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'sk-MARKER-mock-gateway-test-7f3a9c';  // a marker: it must never show up in the request log
const FOX = { model: 'bfl/flux-2-pro', prompt: 'a red fox in the snow', size: '64x48' };
const CHAT = 'google/gemini-2.5-flash-image';
let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });

async function call(route, body, { fault, key = KEY, method = 'POST', headers = {}, raw } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  if (fault) h['x-mock-fault'] = fault;
  const res = await fetch(`${gw.url}${route}`, { method, headers: h, body: method === 'GET' ? undefined : raw ?? JSON.stringify(body) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}
const images = (body, opts) => call('/images/generations', body, opts);
const chat = (body, opts) => call('/chat/completions', body, opts);
const chatBody = (extra = {}) => ({
  model: CHAT, modalities: ['text', 'image'], messages: [{ role: 'user', content: 'a lighthouse at dusk' }],
  providerOptions: { google: { imageConfig: { imageSize: '64x48' } } }, ...extra,
});

// Raw HTTP, to see bytes, headers, write boundaries and connection errors exactly as sent.
function rawPost(route, body, headers = {}, { stopAfterIdleMs } = {}) {
  return new Promise((resolve) => {
    const u = new URL(`${gw.url}${route}`);
    const data = Buffer.from(JSON.stringify(body));
    const out = { chunks: [], error: null, status: 0, headers: {}, ended: false };
    const req = http.request(u, { method: 'POST', agent: false, headers: {
      authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': data.length, ...headers } }, (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      let idle;
      const arm = () => { if (stopAfterIdleMs) { clearTimeout(idle); idle = setTimeout(() => { out.stalled = true; req.destroy(); }, stopAfterIdleMs); } };
      arm();
      res.on('data', (c) => { out.chunks.push(c); arm(); });
      res.on('end', () => { out.ended = true; clearTimeout(idle); });
      res.on('error', (e) => { out.error ??= e; });
      res.on('close', () => { clearTimeout(idle); out.body = Buffer.concat(out.chunks); resolve(out); });
    });
    req.on('error', (e) => { out.error ??= e; out.body = Buffer.concat(out.chunks); resolve(out); });
    req.end(data);
  });
}

const ihdr = (buf) => ({ png: buf.subarray(1, 4).toString('latin1') === 'PNG', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) });
function jpegSOF(buf) {
  assert.equal(buf.readUInt16BE(0), 0xffd8, 'SOI');
  for (let p = 2; p + 9 < buf.length;) {
    const marker = buf.readUInt16BE(p), len = buf.readUInt16BE(p + 2);
    if (marker >= 0xffc0 && marker <= 0xffcf && ![0xffc4, 0xffc8, 0xffcc].includes(marker)) {
      return { height: buf.readUInt16BE(p + 5), width: buf.readUInt16BE(p + 7) };
    }
    p += 2 + len;
  }
  throw new Error('no SOF marker');
}

// A minimal VP8L (lossless WebP) reader written from RFC 9649: normal and simple prefix codes, no transforms,
// no colour cache, literals only — enough to check the mock's encoder bit for bit, and it refuses incomplete
// codes as libwebp does.
function decodeVP8L(buf) {
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF');
  assert.equal(buf.readUInt32LE(4), buf.length - 8, 'RIFF size');
  assert.equal(buf.toString('latin1', 8, 16), 'WEBPVP8L');
  const data = buf.subarray(20, 20 + buf.readUInt32LE(16));
  let pos = 0, bit = 0;
  const read = (n) => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      if (pos >= data.length) throw new Error('VP8L: read past the end');
      v |= ((data[pos] >> bit) & 1) << i;
      if (++bit === 8) { bit = 0; pos++; }
    }
    return v;
  };
  const build = (lengths) => {
    const used = lengths.map((l, s) => [l, s]).filter(([l]) => l > 0);
    if (used.length === 1) return { single: used[0][1] };
    const maxLen = Math.max(...lengths), count = new Array(maxLen + 1).fill(0);
    for (const [l] of used) count[l]++;
    assert.equal(used.reduce((a, [l]) => a + 2 ** (maxLen - l), 0), 2 ** maxLen, 'prefix code is complete');
    const next = [], map = new Map();
    for (let b = 1, code = 0; b <= maxLen; b++) { code = (code + (b > 1 ? count[b - 1] : 0)) << 1; next[b] = code; }
    for (const [l, s] of used) map.set(`${l}:${next[l]++}`, s);
    return { map, maxLen };
  };
  const sym = (code) => {
    if ('single' in code) return code.single;
    for (let l = 1, c = 0; l <= code.maxLen; l++) { c = (c << 1) | read(1); const s = code.map.get(`${l}:${c}`); if (s !== undefined) return s; }
    throw new Error('VP8L: invalid prefix code');
  };
  const ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const readCode = (size) => {
    const lengths = new Array(size).fill(0);
    if (read(1)) {
      const num = read(1) + 1, s0 = read(read(1) ? 8 : 1);
      lengths[s0] = 1;
      if (num === 2) lengths[read(8)] = 1;
      return build(lengths);
    }
    const cl = new Array(19).fill(0), n = read(4) + 4;
    for (let i = 0; i < n; i++) cl[ORDER[i]] = read(3);
    const clc = build(cl);
    let max = size;
    if (read(1)) max = 2 + read(2 + 2 * read(3));
    for (let s = 0, prev = 8; s < size && max-- > 0;) {
      const c = sym(clc);
      if (c < 16) { lengths[s++] = c; if (c) prev = c; continue; }
      const [extra, base, val] = c === 16 ? [2, 3, prev] : c === 17 ? [3, 3, 0] : [7, 11, 0];
      const rep = base + read(extra);
      assert.ok(s + rep <= size, 'repeat stays inside the alphabet');
      for (let k = 0; k < rep; k++) lengths[s++] = val;
    }
    return build(lengths);
  };
  assert.equal(read(8), 0x2f, 'VP8L signature');
  const width = read(14) + 1, height = read(14) + 1;
  read(1);
  assert.equal(read(3), 0, 'version');
  assert.equal(read(1), 0, 'no transforms (this reader supports none)');
  assert.equal(read(1), 0, 'no colour cache');
  assert.equal(read(1), 0, 'no meta prefix codes');
  const [g, r, b, a] = [280, 256, 256, 256].map(readCode);
  readCode(40);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const gv = sym(g);
    assert.ok(gv < 256, 'literal pixels only');
    rgba[p * 4 + 1] = gv; rgba[p * 4] = sym(r); rgba[p * 4 + 2] = sym(b); rgba[p * 4 + 3] = sym(a);
  }
  assert.ok(data.length - pos <= 1, 'no trailing data');
  return { width, height, data: rgba };
}

async function sse(body, fault) {
  const res = await rawPost('/chat/completions', body, fault ? { 'x-mock-fault': fault } : {});
  const events = [], comments = [];
  const parser = createParser({ onEvent: (e) => events.push(e.data), onComment: (c) => comments.push(c) });
  parser.feed(res.body.toString('utf8'));
  // End of input. eventsource-parser holds a trailing lone '\r' back (it might be half of '\r\n'), so with
  // eol=cr the final blank line would never be seen; at EOF a lone CR is a complete line ending, and CR LF
  // counts as one line ending, so feeding '\n' here completes it without adding a line.
  if (res.body.at(-1) === 0x0d) parser.feed('\n');
  return { res, text: res.body.toString('utf8'), data: events, comments };
}
const parsedChunks = (data) => data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));

// ──────────────────────────────────────────────────────────────────────────────────────────── models, CORS

test('GET /v1/models: the live payload shape, no key needed', async () => {
  const { status, json, headers } = await call('/models', undefined, { method: 'GET', key: null });
  assert.equal(status, 200);
  assert.match(headers.get('x-request-id'), /^req_\d+$/);
  assert.equal(json.object, 'list');
  assert.ok(json.data.length >= 8);
  for (const m of json.data) {
    for (const k of ['id', 'object', 'created', 'owned_by', 'name', 'type', 'tags', 'pricing', 'description']) assert.ok(k in m, `${m.id}.${k}`);
    assert.equal(m.object, 'model');
    assert.equal(m.owned_by, m.id.split('/')[0]);
    for (const v of Object.values(m.pricing)) assert.ok(typeof v === 'string' || Array.isArray(v), 'prices are strings');
  }
  const byId = Object.fromEntries(json.data.map((m) => [m.id, m]));
  for (const id of ['bfl/flux-2-pro', 'bfl/flux-kontext-pro', 'openai/gpt-image-1', 'recraft/recraft-v3', 'bytedance/seedream-4.0']) {
    assert.equal(byId[id].type, 'image');
    assert.deepEqual(byId[id].tags, ['image-generation']);
  }
  for (const id of [CHAT, 'google/gemini-3-pro-image']) {
    assert.equal(byId[id].type, 'language');
    assert.ok(byId[id].tags.includes('image-generation'));
  }
  assert.ok(json.data.some((m) => m.type === 'language' && !m.tags.includes('image-generation')), 'a text-only chat model');
  assert.ok(json.data.some((m) => m.type === 'embedding'));
  const one = await call('/models/bfl/flux-2-pro', undefined, { method: 'GET' });
  assert.equal(one.json.id, 'bfl/flux-2-pro');
  const none = await call('/models/nope/x', undefined, { method: 'GET' });
  assert.equal(none.status, 404);
  assert.equal(none.json.error.type, 'model_not_found');
});

test('CORS: preflight and exposed headers', async () => {
  const res = await fetch(`${gw.url}/images/generations`, { method: 'OPTIONS', headers: {
    origin: 'http://example.test', 'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization,content-type,x-mock-fault' } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const allowed = res.headers.get('access-control-allow-headers');
  for (const h of ['authorization', 'content-type', 'x-mock-fault']) assert.ok(allowed.includes(h), h);
  assert.match(res.headers.get('access-control-allow-methods'), /POST/);
  const { headers } = await images(FOX);
  assert.equal(headers.get('access-control-allow-origin'), '*');
  for (const h of ['x-request-id', 'x-vercel-ai-gateway-generation-id', 'x-generation-id', 'retry-after', 'retry-after-ms']) {
    assert.ok(headers.get('access-control-expose-headers').includes(h), h);
  }
});

// ──────────────────────────────────────────────────────────────────────────────────────────── images

test('images: n = 1..3 are real PNGs of the requested size (pngjs decodes them)', async () => {
  for (let n = 1; n <= 3; n++) {
    const { status, json, headers } = await images({ ...FOX, n });
    assert.equal(status, 200);
    assert.match(headers.get('x-generation-id'), /^gen_[0-9A-Z]{26}$/);
    assert.ok(Number.isInteger(json.created));
    assert.equal(json.data.length, n);
    const seen = new Set();
    for (const item of json.data) {
      const buf = Buffer.from(item.b64_json, 'base64');
      assert.deepEqual(ihdr(buf), { png: true, width: 64, height: 48 });
      const png = PNG.sync.read(buf);
      assert.equal(png.width, 64);
      assert.equal(png.height, 48);
      assert.deepEqual(decodePNG(buf).data, new Uint8Array(png.data), 'the mock\'s own PNG decoder agrees with pngjs');
      seen.add(item.b64_json);
      assert.equal(item.revised_prompt, undefined, 'revised_prompt only for openai/*');
    }
    assert.equal(seen.size, n, 'each index is a different picture');
    assert.equal(json.usage, undefined);
    assert.equal(json.provider_metadata.blackForestLabs.images.length, n);
  }
  const oai = (await images({ ...FOX, model: 'openai/gpt-image-1' })).json;
  assert.equal(typeof oai.data[0].revised_prompt, 'string');
  assert.equal(oai.usage.total_tokens, oai.usage.input_tokens + oai.usage.output_tokens);
  assert.equal(oai.provider_metadata, undefined);
});

test('images: JPEG (SOF size, jpeg-js decodes) and WebP (VP8L header, decodes to the PNG pixels)', async () => {
  const jpg = Buffer.from((await images({ ...FOX, providerOptions: { blackForestLabs: { outputFormat: 'jpeg' } } })).json.data[0].b64_json, 'base64');
  assert.deepEqual(jpegSOF(jpg), { width: 64, height: 48 });
  const dj = jpeg.decode(jpg, { useTArray: true });
  assert.deepEqual([dj.width, dj.height], [64, 48]);
  const openaiJpg = Buffer.from((await images({ ...FOX, model: 'openai/gpt-image-1', output_format: 'jpeg' })).json.data[0].b64_json, 'base64');
  assert.deepEqual(jpegSOF(openaiJpg), { width: 64, height: 48 });

  for (const [w, h] of [[64, 48], [1, 1], [37, 5]]) {
    const body = { ...FOX, size: `${w}x${h}` };
    const webp = Buffer.from((await images({ ...body, providerOptions: { blackForestLabs: { outputFormat: 'webp' } } })).json.data[0].b64_json, 'base64');
    assert.equal(webp.toString('latin1', 12, 16), 'VP8L');
    const bits = webp.readUInt32LE(21);
    assert.deepEqual([(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1], [w, h], 'VP8L header size');
    const png = PNG.sync.read(Buffer.from((await images(body)).json.data[0].b64_json, 'base64'));
    const dec = decodeVP8L(webp);
    assert.deepEqual([dec.width, dec.height], [w, h]);
    assert.deepEqual(dec.data, new Uint8Array(png.data), 'lossless: the same pixels as the PNG');
  }
});

// Opt-in (MOCK_GATEWAY_CHROMIUM=1): launching Chromium takes seconds, more than this whole file should.
test('images: WebP decodes in Chromium to the same pixels (MOCK_GATEWAY_CHROMIUM=1)', async (t) => {
  if (!process.env.MOCK_GATEWAY_CHROMIUM) { t.skip('set MOCK_GATEWAY_CHROMIUM=1 to decode the WebPs in /usr/bin/chromium'); return; }
  let chromium;
  try { ({ chromium } = await import('playwright-core')); } catch { /* not installed */ }
  if (!chromium || !existsSync('/usr/bin/chromium')) { t.skip('no chromium / playwright-core'); return; }
  let browser;
  try { browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], timeout: 15000 }); } catch (e) {
    t.skip(`chromium does not start here: ${e.message.split('\n')[0]}`);
    return;
  }
  try {
    const page = await browser.newPage();
    for (const size of ['64x48', '3x2', '97x31']) {
      const body = { ...FOX, prompt: `webp check ${size}`, size, n: 2 };
      const webps = (await images({ ...body, providerOptions: { blackForestLabs: { outputFormat: 'webp' } } })).json.data;
      const pngs = (await images(body)).json.data;
      for (let i = 0; i < webps.length; i++) {
        const got = await page.evaluate(async (b64) => {
          const img = new Image();
          img.src = `data:image/webp;base64,${b64}`;
          await img.decode();
          const c = document.createElement('canvas');
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          const ctx = c.getContext('2d');
          ctx.drawImage(img, 0, 0);
          return { w: img.naturalWidth, h: img.naturalHeight, px: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
        }, webps[i].b64_json);
        const png = PNG.sync.read(Buffer.from(pngs[i].b64_json, 'base64'));
        assert.deepEqual([got.w, got.h], [png.width, png.height], size);
        assert.deepEqual(Buffer.from(got.px), png.data, `${size} #${i}: Chromium's WebP pixels equal the PNG's`);
      }
    }
  } finally { await browser.close(); }
});

test('images: deterministic for the same request, different per prompt; size from aspect ratio; url format', async () => {
  const a = await images({ ...FOX, n: 2 }), b = await images({ ...FOX, n: 2 });
  assert.equal(a.text, b.text, 'identical bodies (created included)');
  assert.equal(a.json.created, b.json.created);
  const other = await images({ ...FOX, prompt: 'a blue whale' });
  assert.notEqual(other.json.data[0].b64_json, a.json.data[0].b64_json);
  const ar = await images({ model: 'bfl/flux-2-pro', prompt: 'wide', providerOptions: { blackForestLabs: { aspectRatio: '16:9' } } });
  assert.deepEqual(ihdr(Buffer.from(ar.json.data[0].b64_json, 'base64')), { png: true, width: 1024, height: 576 });
  const tall = await images({ model: 'recraft/recraft-v3', prompt: 'tall', aspect_ratio: '9:16' });
  assert.deepEqual(ihdr(Buffer.from(tall.json.data[0].b64_json, 'base64')), { png: true, width: 576, height: 1024 });
  assert.ok(tall.json.provider_metadata.recraft);
  const url = await images({ ...FOX, response_format: 'url' });
  assert.match(url.json.data[0].url, /^https:\/\/mock\.invalid\/images\/[0-9a-f]+\.png$/);
  assert.equal(url.json.data[0].b64_json, undefined);
});

test('images: validation errors have the gateway shape, status, type and param', async () => {
  const cases = [
    [{ raw: '{"model":' }, 400, 'invalid_request_error', undefined, /not valid JSON/],
    [{ body: { ...FOX, model: 'nope/unknown-model' } }, 404, 'model_not_found', { modelId: 'nope/unknown-model' }, /^Model 'nope\/unknown-model' not found$/],
    [{ body: { ...FOX, model: CHAT } }, 400, 'invalid_request_error', 'model',
      /^Model 'google\/gemini-2\.5-flash-image' is a language model, not an image model\. Use the language generation API instead\.$/],
    [{ body: { ...FOX, model: 'openai/gpt-5-mini' } }, 400, 'invalid_request_error', 'model', /is a language model, not an image model/],
    [{ body: { ...FOX, model: 'openai/text-embedding-3-small' } }, 400, 'invalid_request_error', 'model', /embedding model/],
    [{ body: { prompt: 'x' } }, 400, 'invalid_request_error', 'model', /model/],
    [{ body: { model: 'bfl/flux-2-pro' } }, 400, 'invalid_request_error', 'prompt', /prompt/],
    [{ body: { ...FOX, prompt: '  ' } }, 400, 'invalid_request_error', 'prompt', /prompt/],
    [{ body: { ...FOX, n: 0 } }, 400, 'invalid_request_error', 'n', /between 1 and 10/],
    [{ body: { ...FOX, n: 11 } }, 400, 'invalid_request_error', 'n', /between 1 and 10/],
    [{ body: { ...FOX, n: 1.5 } }, 400, 'invalid_request_error', 'n', /integer/],
    [{ body: { ...FOX, size: 'big' } }, 400, 'invalid_request_error', 'size', /WIDTHxHEIGHT/],
    [{ body: { ...FOX, size: '4097x10' } }, 400, 'invalid_request_error', 'size', /4096x4096/],
    [{ body: { ...FOX, size: '0x10' } }, 400, 'invalid_request_error', 'size', /at least 1x1/],
    [{ body: { ...FOX, response_format: 'png' } }, 400, 'invalid_request_error', 'response_format', /response_format/],
    [{ body: { ...FOX, providerOptions: { blackForestLabs: { outputFormat: 'gif' } } } }, 400, 'invalid_request_error', 'outputFormat', /gif/],
  ];
  for (const [{ body, raw }, status, type, param, message] of cases) {
    const res = await call('/images/generations', body, { raw });
    const label = raw ?? JSON.stringify(body);
    assert.equal(res.status, status, label);
    assert.equal(res.json.error.type, type, label);
    assert.deepEqual(res.json.error.param, param, label);
    assert.match(res.json.error.message, message, label);
    assert.match(res.json.generationId, /^gen_/, label);
    assert.match(res.headers.get('content-type'), /application\/json/);
  }
});

test('auth: 401 authentication_error without a key, with a wrong key (keys option); the right key passes', async () => {
  const none = await images(FOX, { key: null });
  assert.equal(none.status, 401);
  assert.equal(none.json.error.type, 'authentication_error');
  const strict = await start({ port: 0, keys: ['sk-right-key-1'] });
  try {
    const post = (key) => fetch(`${strict.url}/images/generations`, { method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(FOX) });
    const wrong = await post('sk-wrong-key-2');
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.type, 'authentication_error');
    assert.equal((await post('sk-right-key-1')).status, 200);
    assert.ok(!JSON.stringify(strict.requests).includes('sk-right-key-1'));
    assert.ok(!JSON.stringify(strict.requests).includes('sk-wrong-key-2'));
  } finally { await strict.close(); }
});

test('the request log: method, path, redacted headers, body; the key appears nowhere', async () => {
  gw.reset();
  await images({ ...FOX, prompt: `echo ${KEY}` }, { headers: { 'x-extra': `also ${KEY}` } });
  await call('/models', undefined, { method: 'GET' });
  assert.equal(gw.requests.length, 2);
  const [first, second] = gw.requests;
  assert.equal(first.method, 'POST');
  assert.equal(first.path, '/v1/images/generations');
  assert.equal(first.headers.authorization, 'Bearer [redacted]');
  assert.equal(first.body.model, 'bfl/flux-2-pro');
  assert.equal(first.body.prompt, 'echo [redacted]');
  assert.equal(first.headers['x-extra'], 'also [redacted]');
  assert.equal(second.method, 'GET');
  assert.equal(second.body, undefined);
  assert.ok(!JSON.stringify(gw.requests).includes(KEY));
});

// ──────────────────────────────────────────────────────────────────────────────────────────── chat

test('chat: non-streaming shape with images; text-only models and modalities without image give text only', async () => {
  const { status, json } = await chat(chatBody({ n: 2 }));
  assert.equal(status, 200);
  assert.match(json.id, /^gen_/);
  assert.equal(json.object, 'chat.completion');
  assert.equal(json.model, CHAT);
  const [choice] = json.choices;
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, 'Here is "a lighthouse at dusk" as requested.');
  assert.equal(choice.message.images.length, 2);
  for (const img of choice.message.images) {
    assert.equal(img.type, 'image_url');
    const m = /^data:image\/png;base64,(.+)$/.exec(img.image_url.url);
    assert.deepEqual(ihdr(Buffer.from(m[1], 'base64')), { png: true, width: 64, height: 48 });
  }
  assert.equal(json.usage.total_tokens, json.usage.prompt_tokens + json.usage.completion_tokens);
  assert.equal((await chat(chatBody({ n: 2 }))).text, JSON.stringify(json), 'deterministic');

  const text = (await chat(chatBody({ model: 'openai/gpt-5-mini' }))).json.choices[0].message;
  assert.equal(typeof text.content, 'string');
  assert.equal(text.images, undefined);
  assert.equal((await chat(chatBody({ modalities: ['text'] }))).json.choices[0].message.images, undefined);

  const sizes = [[{ imageSize: '1K', aspectRatio: '16:9' }, [1024, 576]], [{ imageSize: '512' }, [512, 512]], [{ aspectRatio: '3:4' }, [768, 1024]]];
  for (const [imageConfig, [w, h]] of sizes) {
    const url = (await chat(chatBody({ providerOptions: { google: { imageConfig } } }))).json.choices[0].message.images[0].image_url.url;
    assert.deepEqual(ihdr(Buffer.from(url.split(',')[1], 'base64')), { png: true, width: w, height: h }, JSON.stringify(imageConfig));
  }
});

test('chat: validation errors', async () => {
  const cases = [
    [chatBody({ model: 'bfl/flux-2-pro' }), 400, 'model', /is an image model/],
    [chatBody({ model: 'nope/unknown-model' }), 404, { modelId: 'nope/unknown-model' }, /not found/],
    [{ model: CHAT }, 400, 'messages', /messages/],
    [chatBody({ messages: [] }), 400, 'messages', /messages/],
    [chatBody({ messages: 'hi' }), 400, 'messages', /messages/],
    [chatBody({ n: 5 }), 400, 'n', /between 1 and 4/],
  ];
  for (const [body, status, param, message] of cases) {
    const res = await chat(body);
    assert.equal(res.status, status, JSON.stringify(body));
    assert.deepEqual(res.json.error.param, param);
    assert.match(res.json.error.message, message);
  }
  assert.equal((await chat(chatBody(), { key: null })).status, 401);
});

test('chat streaming: SSE structure parsed with eventsource-parser', async () => {
  const { res, text, data } = await sse(SSE_BODY);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  assert.ok(!text.includes('\r'));
  assert.ok(text.endsWith('data: [DONE]\n\n'));
  assert.equal(text.split('\n\n').filter(Boolean).length, data.length, 'one data line per event');
  assert.equal(data.at(-1), '[DONE]');
  const chunks = parsedChunks(data);
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.id, chunks[0].id);
    assert.equal(c.model, CHAT);
  }
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  assert.equal(chunks[0].choices[0].finish_reason, null);
  const deltas = chunks.filter((c) => typeof c.choices[0]?.delta.content === 'string' && c.choices[0].delta.content);
  assert.ok(deltas.length >= 3, 'text comes in 3+ pieces');
  assert.equal(deltas.map((c) => c.choices[0].delta.content).join(''), 'Here is "x" as requested.');
  const imgs = chunks.filter((c) => c.choices[0]?.delta.images).map((c) => c.choices[0].delta.images);
  assert.equal(imgs.length, 2, 'one chunk per image');
  imgs.forEach(([img], i) => {
    assert.equal(img.index, i);
    assert.equal(img.type, 'image_url');
    const png = PNG.sync.read(Buffer.from(img.image_url.url.replace(/^data:image\/png;base64,/, ''), 'base64'));
    assert.deepEqual([png.width, png.height], [16, 12]);
  });
  const finish = chunks.at(-2);
  assert.deepEqual(finish.choices[0], { index: 0, delta: {}, finish_reason: 'stop' });
  const usage = chunks.at(-1);
  assert.deepEqual(usage.choices, []);
  assert.ok(usage.usage.total_tokens > 0);
  const noUsage = parsedChunks((await sse({ ...SSE_BODY, stream_options: undefined })).data);
  assert.ok(noUsage.every((c) => !c.usage), 'usage only with stream_options.include_usage');
  assert.equal((await sse(SSE_BODY)).text, text, 'identical requests, identical transcripts');
});

test('chat editing: PNG (all filter types, RGBA/RGB/grey) and JPEG inputs come back transformed at the same size', async () => {
  const w = 40, h = 30, src = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) {
    src.data[i * 4] = (i * 7) & 255; src.data[i * 4 + 1] = (i * 13 + (i % w) * 5) & 255; src.data[i * 4 + 2] = (i >> 3) & 255; src.data[i * 4 + 3] = 200 + (i % 50);
  }
  const edit = (buf, mime = 'image/png', n) => chat({ model: CHAT, modalities: ['text', 'image'], n, messages: [{ role: 'user', content: [
    { type: 'text', text: 'invert the colours' }, { type: 'image_url', image_url: { url: `data:${mime};base64,${buf.toString('base64')}` } }] }] });
  for (let filterType = 0; filterType <= 4; filterType++) {  // the mock's decoder, one PNG filter type at a time
    const one = PNG.sync.write(src, { filterType });
    assert.deepEqual(decodePNG(one).data, new Uint8Array(PNG.sync.read(one).data), `filter type ${filterType}`);
  }
  const rgba = PNG.sync.write(src);  // pngjs picks a filter per row, so several filter types occur
  const res = await edit(rgba, 'image/png', 2);
  assert.equal(res.status, 200, res.text);
  const outs = res.json.choices[0].message.images.map((i) => PNG.sync.read(Buffer.from(i.image_url.url.split(',')[1], 'base64')));
  assert.equal(outs.length, 2);
  for (const o of outs) assert.deepEqual([o.width, o.height], [w, h]);
  for (let i = 0; i < w * h * 4; i++) {
    assert.equal(outs[0].data[i], i % 4 === 3 ? src.data[i] : 255 - src.data[i], `inverted byte ${i}`);
  }
  assert.notDeepEqual(outs[0].data, outs[1].data, 'each output index is a different edit');

  for (const colorType of [2, 0]) {
    const buf = PNG.sync.write(src, { colorType });
    const out = (await edit(buf)).json.choices[0].message.images[0].image_url.url.split(',')[1];
    const o = PNG.sync.read(Buffer.from(out, 'base64'));
    assert.deepEqual([o.width, o.height], [w, h], `colour type ${colorType}`);
    const ref = PNG.sync.read(buf);
    assert.equal(o.data[0], 255 - ref.data[0]);
  }
  const fixture = Buffer.from(readFileSync(path.join(root, 'tests/fixtures/base64/gradient-48x32.png.b64'), 'utf8'), 'base64');
  const fo = (await edit(fixture)).json.choices[0].message.images[0].image_url.url.split(',')[1];
  assert.deepEqual(ihdr(Buffer.from(fo, 'base64')), { png: true, width: 48, height: 32 });
  assert.notEqual(fo, fixture.toString('base64'));

  const jpg = Buffer.from(jpeg.encode({ data: src.data, width: w, height: h }, 90).data);
  const jo = (await edit(jpg, 'image/jpeg')).json.choices[0].message.images[0].image_url.url.split(',')[1];
  assert.deepEqual(ihdr(Buffer.from(jo, 'base64')), { png: true, width: w, height: h });

  const bad = await edit(Buffer.from('not an image at all'));
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /could not decode image 0.*unsupported image format/);
  const truncated = await edit(rgba.subarray(0, 60));
  assert.equal(truncated.status, 400);
  assert.match(truncated.json.error.message, /could not decode/);
  const remote = await chat({ model: CHAT, modalities: ['text', 'image'], messages: [{ role: 'user', content: [
    { type: 'image_url', image_url: { url: 'https://example.test/a.png' } }] }] });
  assert.equal(remote.status, 400);
});

// ──────────────────────────────────────────────────────────────────────────────────────────── faults

test('faults: status=N gives the gateway error for that status; retry-after(-ms); unknown faults are 400', async () => {
  const expected = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'forbidden', 404: 'model_not_found',
    429: 'rate_limit_exceeded', 500: 'internal_server_error', 503: 'internal_server_error' };
  for (const [status, type] of Object.entries(expected)) {
    const res = await images(FOX, { fault: `status=${status}` });
    assert.equal(res.status, Number(status));
    assert.equal(res.json.error.type, type);
    assert.ok(res.json.error.message.length > 0);
    assert.match(res.json.generationId, /^gen_/);
    assert.match(res.headers.get('x-request-id'), /^req_/);
  }
  const limited = await images(FOX, { fault: 'status=429' });
  assert.equal(limited.headers.get('retry-after'), '1');
  const ms = await images(FOX, { fault: 'status=503,retry-after-ms=250' });
  assert.equal(ms.headers.get('retry-after-ms'), '250');
  const unknown = await images(FOX, { fault: 'status=500,explode' });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.error.message, /Unknown mock fault 'explode'/);
  assert.throws(() => parseFaults('chunk=0'), /Invalid value/);
  assert.throws(() => gw.setFault('nope'), /Unknown mock fault 'nope'/);
});

test('faults: fail-first counts per header value until reset(); setFault sets a default', async () => {
  gw.reset();
  const fault = 'fail-first=2:503,retry-after-ms=40';
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await images(FOX, { fault })).status);
  assert.deepEqual(statuses, [503, 503, 200]);
  assert.equal((await images(FOX, { fault: 'fail-first=2:503' })).status, 503, 'a different value has its own counter');
  assert.equal((await images(FOX, { fault: `${fault},tag=7` })).status, 503, 'tag=N gives the same fault a counter of its own');
  assert.equal((await images(FOX, { fault: `${fault},tag=7` })).status, 503);
  assert.equal((await images(FOX, { fault: `${fault},tag=7` })).status, 200);
  const r = await images(FOX, { fault: 'fail-first=1:429' });
  assert.equal(r.status, 429);
  assert.equal(r.json.error.type, 'rate_limit_exceeded');
  assert.equal(gw.requests.length, 8);
  gw.reset();
  assert.equal(gw.requests.length, 0);
  assert.equal((await images(FOX, { fault })).status, 503, 'counters start again after reset()');
  gw.setFault('status=500');
  try {
    assert.equal((await images(FOX)).status, 500);
    assert.equal((await images(FOX, { fault: 'delay=1' })).status, 200, 'a header overrides the default');
  } finally { gw.setFault(null); }
  assert.equal((await images(FOX)).status, 200);
});

test('faults: truncate, reset-after, stall-after, delay', async () => {
  const full = await rawPost('/images/generations', FOX);
  const t = await rawPost('/images/generations', FOX, { 'x-mock-fault': 'truncate=200' });
  assert.equal(t.status, 200);
  assert.equal(t.headers['content-length'], '200');
  assert.equal(t.body.length, 200);
  assert.deepEqual(t.body, full.body.subarray(0, 200));
  assert.ok(t.ended && !t.error);
  assert.throws(() => JSON.parse(t.body.toString()));

  const r = await rawPost('/images/generations', FOX, { 'x-mock-fault': 'reset-after=100' });
  assert.equal(r.status, 200);
  assert.ok(r.error || !r.ended, 'the connection breaks');
  assert.ok(r.body.length <= 100);
  await assert.rejects(async () => (await fetch(`${gw.url}/images/generations`, { method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'x-mock-fault': 'reset-after=100' }, body: JSON.stringify(FOX) })).arrayBuffer());

  const s = await rawPost('/images/generations', FOX, { 'x-mock-fault': 'stall-after=150' }, { stopAfterIdleMs: 150 });
  assert.ok(s.stalled, 'no more bytes, connection still open');
  assert.equal(s.body.length, 150);
  assert.equal(s.headers['content-length'], String(full.body.length), 'the announced length is the full one');

  const t0 = performance.now();
  assert.equal((await images(FOX, { fault: 'delay=120' })).status, 200);
  assert.ok(performance.now() - t0 >= 110);
});

test('faults: close() ends stalled responses', async () => {
  const own = await start({ port: 0 });
  const closed = new Promise((resolve) => {
    const req = http.request(`${own.url}/chat/completions`, { method: 'POST', headers: {
      authorization: 'Bearer k-1234', 'x-mock-fault': 'stall-after=10', 'content-type': 'application/json' } }, (res) => {
      res.once('data', () => own.close());
      res.on('close', resolve);
      res.on('error', () => {});
    });
    req.on('error', resolve);
    req.end(JSON.stringify({ ...SSE_BODY }));
  });
  await closed;
});

test('faults: html-error, error-200, bad-base64, huge', async () => {
  const html = await images(FOX, { fault: 'html-error=502' });
  assert.equal(html.status, 502);
  assert.match(html.headers.get('content-type'), /^text\/html/);
  assert.match(html.text, /^<!DOCTYPE html>[\s\S]*Bad Gateway/);
  const e200 = await images(FOX, { fault: 'error-200' });
  assert.equal(e200.status, 200);
  assert.equal(typeof e200.json.error.message, 'string');
  assert.equal(e200.json.error.type, 'internal_server_error');
  const bad = await images({ ...FOX, n: 2 }, { fault: 'bad-base64' });
  const good = await images({ ...FOX, n: 2 });
  assert.equal(bad.json.data[0].b64_json[10], '@');
  assert.equal(bad.json.data[0].b64_json.length, good.json.data[0].b64_json.length);
  assert.equal(bad.json.data[1].b64_json, good.json.data[1].b64_json, 'only the first image is corrupted');
  const badChat = await chat(chatBody(), { fault: 'bad-base64' });
  assert.equal(badChat.json.choices[0].message.images[0].image_url.url.split(',')[1][10], '@');
  // huge: ~16 MB of JSON; look at the PNG header and the length without parsing all of it.
  const huge = (await rawPost('/images/generations', FOX, { 'x-mock-fault': 'huge' })).body;
  const start = huge.indexOf('"b64_json":"') + 12, end = huge.indexOf('"', start);
  assert.deepEqual(ihdr(Buffer.from(huge.toString('latin1', start, start + 64), 'base64')), { png: true, width: 2048, height: 2048 });
  assert.ok(end - start > 4 * 1024 * 1024, 'several MiB of base64');
});

test('faults: image-bytes=N gives real PNGs of exactly N bytes (images API, n = 2, and a streamed chat image); bad N is 400', async () => {
  const N = 300_000;
  const res = await images({ ...FOX, n: 2 }, { fault: `image-bytes=${N}` });
  assert.equal(res.status, 200);
  const pngs = res.json.data.map((d) => Buffer.from(d.b64_json, 'base64'));
  assert.deepEqual(pngs.map((b) => b.length), [N, N]);
  assert.notDeepEqual(pngs[0], pngs[1], 'one picture per index');
  for (const [i, b] of pngs.entries()) {
    const img = PNG.sync.read(b);  // a real PNG: pngjs decodes it (the padding chunk is ancillary)
    assert.equal(img.width, img.height);
    assert.ok(img.width * img.height * 3 > N * 0.9, 'the pixels are most of the file');
    assert.deepEqual(res.json.provider_metadata.blackForestLabs.images[i].width, img.width);
  }
  const again = await images({ ...FOX, n: 2 }, { fault: `image-bytes=${N}` });
  assert.equal(again.json.data[0].b64_json, res.json.data[0].b64_json, 'deterministic');
  // A streamed chat image of exactly N bytes.
  const raw = await rawPost('/chat/completions', chatBody({ stream: true }), { 'x-mock-fault': `image-bytes=${N}` });
  const url = /"url":"(data:image\/png;base64,[^"]+)"/.exec(raw.body.toString('latin1'))[1];
  assert.equal(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').length, N);
  const tooSmall = await images(FOX, { fault: 'image-bytes=10' });
  assert.equal(tooSmall.status, 400);
  assert.equal(tooSmall.json.error.param, 'x-mock-fault');
});

test('faults: chunk=1 and chunk=random change write boundaries, not bytes', async () => {
  const small = { ...FOX, size: '16x12' };
  const whole = await rawPost('/images/generations', small);
  for (const fault of ['chunk=1', 'chunk=random']) {
    const c = await rawPost('/images/generations', small, { 'x-mock-fault': fault });
    assert.deepEqual(c.body, whole.body, fault);
    assert.ok(c.chunks.length > 5, `${fault}: ${c.chunks.length} reads`);
  }
  const s = await sse(SSE_BODY, 'chunk=random');
  assert.deepEqual(s.data, (await sse(SSE_BODY)).data);
});

test('faults: SSE line endings, comments, no-done, error-mid-stream, delay-events', async () => {
  const base = await sse(SSE_BODY);
  const cr = await sse(SSE_BODY, 'eol=cr');
  assert.ok(!cr.text.includes('\n'));
  assert.ok(cr.text.endsWith('data: [DONE]\r\r'));
  assert.deepEqual(cr.data, base.data);
  const crlf = await sse(SSE_BODY, 'eol=crlf');
  assert.equal(crlf.text, base.text.replaceAll('\n', '\r\n'));
  assert.deepEqual(crlf.data, base.data);
  const comments = await sse(SSE_BODY, 'comments');
  assert.match(comments.text, /^: ping\n/m);
  assert.ok(comments.comments.length >= base.data.length);
  assert.deepEqual(comments.data, base.data);
  const noDone = await sse(SSE_BODY, 'no-done');
  assert.deepEqual(noDone.data, base.data.slice(0, -1));
  const mid = await sse(SSE_BODY, 'error-mid-stream');
  assert.equal(mid.data.length, 3);
  assert.deepEqual(mid.data.slice(0, 2), base.data.slice(0, 2));
  assert.deepEqual(JSON.parse(mid.data[2]), { error: { message: 'The upstream provider failed mid-stream', type: 'internal_server_error' } });
  const t0 = performance.now();
  const slow = await sse(SSE_BODY, 'delay-events=25');
  assert.ok(performance.now() - t0 >= 25 * (base.data.length - 1) - 5);
  assert.deepEqual(slow.data, base.data);
});

// ──────────────────────────────────────────────────────────────────────────────────────────── fixtures, CLI

test('recorded fixtures match what the mock produces now (re-record: node scripts/record-fixtures.mjs)', async () => {
  for (const [rel, bytes] of await recordFixtures(gw.url)) {
    assert.deepEqual(readFileSync(path.join(root, rel)), bytes, `${rel} is stale`);
  }
  const transcript = readFileSync(path.join(root, 'tests/fixtures/sse/chat-two-images.sse'));
  assert.ok(transcript.length < 20 * 1024);
  assert.deepEqual(ihdr(readFileSync(path.join(root, 'tests/fixtures/images/fox-64x48.png'))), { png: true, width: 64, height: 48 });
  assert.deepEqual(jpegSOF(readFileSync(path.join(root, 'tests/fixtures/images/fox-64x48.jpg'))), { width: 64, height: 48 });
  const webp = decodeVP8L(readFileSync(path.join(root, 'tests/fixtures/images/fox-64x48.webp')));
  assert.deepEqual([webp.width, webp.height], [64, 48]);
});

test('CLI: --help, listening line, and no key in its output', async () => {
  const script = path.join(root, 'scripts/mock-gateway.mjs');
  const help = spawn(process.execPath, [script, '--help']);
  let helpOut = '';
  help.stdout.on('data', (d) => { helpOut += d; });
  await new Promise((r) => help.on('close', r));
  assert.match(helpOut, /^Usage: node scripts\/mock-gateway\.mjs/);

  const child = spawn(process.execPath, [script, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  try {
    const url = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 5000);
      child.stdout.on('data', () => {
        const m = /mock gateway listening on (http:\/\/127\.0\.0\.1:\d+\/v1)\n/.exec(out);
        if (m) { clearTimeout(t); resolve(m[1]); }
      });
    });
    const res = await fetch(`${url}/images/generations`, { method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...FOX, size: '8x8' }) });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  } finally {
    const exited = new Promise((r) => child.on('close', r));
    child.kill('SIGTERM');
    await exited;
  }
  assert.ok(!out.includes(KEY));
});

// ──────────────────────────────────────────── late 2026: edits, generation records, credits, the catalogue

const foxPng = readFileSync(path.join(root, 'tests/fixtures/images/fox-64x48.png'));
const dataUrl = (buf, type = 'image/png') => `data:${type};base64,${Buffer.from(buf).toString('base64')}`;
const edits = (body, opts) => call('/images/edits', body, opts);

test('catalogue: no Imagen, xAI under spacexai/, gpt-image-2 and gemini-3.1-flash-image with prices', async () => {
  const { json } = await call('/models', null, { method: 'GET', key: null });
  const ids = json.data.map((m) => m.id);
  assert.ok(!ids.some((id) => id.startsWith('google/imagen') || id.startsWith('xai/')), ids.join());
  for (const id of ['spacexai/grok-imagine-image', 'spacexai/grok-imagine-image-pro', 'openai/gpt-image-2', 'google/gemini-3.1-flash-image', 'bfl/flux-pro-1.0-fill']) {
    assert.ok(ids.includes(id), id);
  }
  const byId = new Map(json.data.map((m) => [m.id, m]));
  assert.equal(byId.get('openai/gpt-image-2').pricing.image, '0.053');
  assert.equal(byId.get('google/gemini-3.1-flash-image').type, 'language');
  assert.ok(byId.get('google/gemini-3.1-flash-image').pricing.image_dimension_quality_pricing.length >= 4);
});

test('POST /v1/images/edits: JSON data URLs, errors for a wrong mask, too many images, streaming, a bad URL', async () => {
  const ok = await edits({ model: 'openai/gpt-image-2', prompt: 'night', images: [{ image_url: dataUrl(foxPng) }], n: 2 });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.data.length, 2);
  assert.match(ok.headers.get('x-vercel-ai-gateway-generation-id'), /^gen_/);
  const cases = [
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [{ image_url: dataUrl(foxPng) }], mask: { image_url: dataUrl(readFileSync(path.join(root, 'tests/fixtures/images/fox-64x48.jpg')), 'image/jpeg') } }, 200],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: Array(17).fill({ image_url: dataUrl(foxPng) }) }, 400, 'images'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [] }, 400, 'images'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [{ image_url: 'ftp://x' }] }, 400, 'images[0]'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [{ image_url: dataUrl(foxPng) }], stream: true }, 400, 'stream'],
    [{ model: 'openai/gpt-image-2', images: [{ image_url: dataUrl(foxPng) }] }, 400, 'prompt'],
    [{ model: 'nope/x', prompt: 'x', images: [{ image_url: dataUrl(foxPng) }] }, 404],
  ];
  for (const [body, status, param] of cases) {
    const r = await edits(body);
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 120)} → ${r.text.slice(0, 200)}`);
    if (param) assert.equal(r.json.error.param, param);
  }
  // A mask of another size.
  const { encodePNG } = await import('../../scripts/mock-gateway.mjs');
  const mask = encodePNG(new Uint8Array(8 * 8 * 4), 8, 8, 4);
  const bad = await edits({ model: 'openai/gpt-image-2', prompt: 'x', images: [{ image_url: dataUrl(foxPng) }], mask: { image_url: dataUrl(mask) } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'mask');
  // An https input is not fetched: a picture stands for it.
  const remote = await edits({ model: 'openai/gpt-image-2', prompt: 'x', images: [{ image_url: 'https://example.com/x.png' }] });
  assert.equal(remote.status, 200);
  assert.equal(decodePNG(Buffer.from(remote.json.data[0].b64_json, 'base64')).width, 64);
});

test('POST /v1/images/edits multipart: image[] and mask parts; a part without an image type is refused', async () => {
  const b = 'mockboundary42';
  const part = (name, value, file) => file
    ? Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), value, Buffer.from('\r\n')])
    : Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const body = (type) => Buffer.concat([part('model', 'openai/gpt-image-2'), part('prompt', 'night'), part('n', '1'),
    part('image[]', foxPng, { name: 'a.png', type }), part('image[]', foxPng, { name: 'b.png', type: 'image/png' }), Buffer.from(`--${b}--\r\n`)]);
  const ok = await edits(null, { raw: body('image/png'), headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.data.length, 1);
  const octet = await edits(null, { raw: body('application/octet-stream'), headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
  assert.equal(octet.status, 400);
  assert.match(octet.json.error.message, /unsupported mimetype \('application\/octet-stream'\)/);
  const log = gw.requests.filter((r) => r.path === '/v1/images/edits').at(-1);
  assert.ok(!JSON.stringify(log).includes(KEY));
});

test('GET /v1/generation and /v1/credits: a record per billed generation, the not-ready fault, the balance', async () => {
  const gen = await images({ ...FOX, model: 'bfl/flux-kontext-pro', prompt: 'a billed fox', n: 2 });
  const id = gen.headers.get('x-vercel-ai-gateway-generation-id');
  assert.equal(gen.headers.get('x-generation-id'), id);
  const rec = await call(`/generation?id=${id}`, null, { method: 'GET' });
  assert.equal(rec.status, 200);
  assert.equal(rec.json.data.id, id);
  assert.equal(rec.json.data.total_cost, 0.08);
  assert.equal(rec.json.data.model, 'bfl/flux-kontext-pro');
  const lag = 'not-ready=1';
  const other = await images({ ...FOX, model: 'bfl/flux-kontext-pro', prompt: 'a lagging fox' });
  const otherId = other.headers.get('x-generation-id');
  assert.equal((await call(`/generation?id=${otherId}`, null, { method: 'GET', fault: lag })).status, 404);
  assert.equal((await call(`/generation?id=${otherId}`, null, { method: 'GET', fault: lag })).status, 200);
  assert.equal((await call('/generation?id=gen_nope', null, { method: 'GET' })).status, 404);
  assert.equal((await call('/generation', null, { method: 'GET' })).status, 400);
  assert.equal((await call(`/generation?id=${id}`, null, { method: 'GET', key: null })).status, 401);
  const credits = await call('/credits', null, { method: 'GET' });
  assert.equal(credits.status, 200);
  assert.match(credits.json.balance, /^\d+\.\d{2,}$/);
  assert.equal(Math.round((100 - Number(credits.json.balance)) * 1e6) / 1e6, Math.round(Number(credits.json.total_used) * 1e6) / 1e6);
  assert.equal((await call('/credits', null, { method: 'GET', key: null })).status, 401);
  // Identical requests share a generation id and are billed once.
  const used = Number(credits.json.total_used);
  await images({ ...FOX, model: 'bfl/flux-kontext-pro', prompt: 'a billed fox', n: 2 });
  assert.equal(Number((await call('/credits', null, { method: 'GET' })).json.total_used), used);
});
