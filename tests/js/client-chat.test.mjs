// chat.completions.create / stream with images: the package against the mock gateway (openai SDK as the
// oracle), the mock's SSE faults, and every split point of a recorded transcript through an injected fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import {
  createClient, imagePart, sniffImage, APIError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
  ValidationError,
} from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';
import { start } from '../../scripts/mock-gateway.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'sk-test-imagegate-chat-0123456789';
const MODEL = 'google/gemini-2.5-flash-image';
let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });

const client = (opts = {}) => createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, ...opts });
const withFault = (fault, opts = {}) => client({ ...opts, defaultHeaders: { 'x-mock-fault': fault } });
const body = (text, extra = {}) => ({
  model: MODEL, modalities: ['text', 'image'], messages: [{ role: 'user', content: text }],
  providerOptions: { google: { imageConfig: { imageSize: '64x48' } } }, ...extra,
});

async function collect(stream) {
  const events = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

test('non-streaming create: text and images decoded, same bytes as the openai SDK sees', async () => {
  const c = await client();
  const res = await c.chat.completions.create(body('two small boats', { n: 2 }));
  const oai = new OpenAI({ apiKey: KEY, baseURL: gw.url });
  const ref = await oai.chat.completions.create(body('two small boats', { n: 2 }));
  const msg = res.choices[0].message;
  assert.equal(msg.content, ref.choices[0].message.content);
  const refImages = ref.choices[0].message.images;
  assert.equal(msg.images.length, refImages.length);
  assert.ok(msg.images.length >= 2);
  msg.images.forEach((img, i) => {
    const b64 = refImages[i].image_url.url.split(',')[1];
    assert.deepEqual(Buffer.from(img.bytes), Buffer.from(b64, 'base64'));
    assert.equal(img.format, 'png');
    assert.ok(img.width > 0 && img.height > 0);
  });
  assert.equal(res.choices[0].finish_reason, 'stop');
});

test('streaming: text deltas, two images, usage and finish; finalCompletion aggregates', async () => {
  const c = await client();
  const stream = c.chat.completions.stream(body('a lighthouse at dusk', { n: 2 }));
  const events = await collect(stream);
  const types = events.map((e) => e.type);
  assert.ok(types.includes('text'));
  const images = events.filter((e) => e.type === 'image');
  assert.equal(images.length, 2);
  images.forEach((img, i) => {
    assert.equal(img.index, i);
    assert.equal(sniffImage(img.bytes).format, img.format);
    assert.ok(['png', 'jpeg', 'webp'].includes(img.format));
  });
  assert.ok(types.includes('finish'));
  assert.ok(types.includes('usage'));
  const text = events.filter((e) => e.type === 'text').map((e) => e.delta).join('');
  const final = await stream.finalCompletion();
  assert.equal(final.choices[0].message.content, text);
  assert.equal(final.choices[0].message.images.length, 2);
  assert.equal(final.choices[0].finish_reason, 'stop');
  assert.ok(final.usage);
  assert.equal(wasm._chatStreamCount(), 0, 'the core stream was released');
});

test('streaming agrees with the openai SDK on the same transcript', async () => {
  const oai = new OpenAI({ apiKey: KEY, baseURL: gw.url });
  const ref = await oai.chat.completions.create({ ...body('agree'), stream: true });
  let refText = '';
  const refImages = [];
  for await (const chunk of ref) {
    for (const ch of chunk.choices ?? []) {
      refText += ch.delta?.content ?? '';
      for (const img of ch.delta?.images ?? []) refImages.push(Buffer.from(img.image_url.url.split(',')[1], 'base64'));
    }
  }
  const c = await client();
  const events = await collect(c.chat.completions.stream(body('agree')));
  assert.equal(events.filter((e) => e.type === 'text').map((e) => e.delta).join(''), refText);
  assert.deepEqual(events.filter((e) => e.type === 'image').map((e) => Buffer.from(e.bytes)), refImages);
});

test('SSE faults: 1-byte and random chunks, CR and CRLF, comments', async () => {
  const base = await collect((await client()).chat.completions.stream(body('faults')));
  const summary = (evs) => evs.filter((e) => e.type !== 'image-progress')
    .map((e) => (e.type === 'image' ? `image:${Buffer.from(e.bytes).toString('base64')}` : JSON.stringify(e)));
  for (const fault of ['chunk=1', 'chunk=random', 'eol=cr', 'eol=crlf', 'comments', 'eol=crlf,chunk=random,comments']) {
    const evs = await collect((await withFault(fault)).chat.completions.stream(body('faults')));
    assert.deepEqual(summary(evs), summary(base), fault);
  }
});

test('SSE faults: missing [DONE], error mid-stream, stall → timeout, abort', async () => {
  await assert.rejects(collect((await withFault('no-done')).chat.completions.stream(body('x'))),
    (e) => e instanceof InvalidResponseError && e.reason === 'no_done');
  await assert.rejects(collect((await withFault('error-mid-stream')).chat.completions.stream(body('x'))),
    (e) => e instanceof APIError && e.message.length > 0);
  await assert.rejects(collect((await withFault('stall-after=300', { timeout: 400 })).chat.completions.stream(body('x'))),
    APIConnectionTimeoutError);
  const slow = await withFault('delay-events=200');
  const stream = slow.chat.completions.stream(body('x'));
  const seen = [];
  await assert.rejects((async () => {
    for await (const ev of stream) { seen.push(ev); if (seen.length === 1) stream.abort(); }
  })(), APIUserAbortError);
  assert.equal(seen.length, 1);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(collect((await client()).chat.completions.stream(body('x'), { signal: ac.signal })), APIUserAbortError);
  assert.equal(wasm._chatStreamCount(), 0);
});

test('streams: errors before the first byte are typed and retried', async () => {
  await assert.rejects(collect((await withFault('status=401')).chat.completions.stream(body('x'))), (e) => e.status === 401);
  gw.reset?.();
  const before = gw.requests.length;
  const events = await collect((await withFault('fail-first=1:503', { maxRetries: 1 })).chat.completions.stream(body('x')));
  assert.ok(events.some((e) => e.type === 'image'));
  assert.equal(gw.requests.length - before, 2);
  await assert.rejects(async () => (await client()).chat.completions.stream({ model: MODEL }), ValidationError);
});

test('editing round trip: imagePart sends an image, the mock returns a transformed one', async () => {
  const png = Buffer.from(readFileSync(path.join(root, 'tests/fixtures/base64/gradient-48x32.png.b64'), 'utf8'), 'base64');
  const part = await imagePart(new Uint8Array(png));
  assert.match(part.image_url.url, /^data:image\/png;base64,iVBOR/);
  const c = await client();
  const res = await c.chat.completions.create({
    model: MODEL, modalities: ['text', 'image'],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'invert the colours' }, part] }],
  });
  const img = res.choices[0].message.images[0];
  assert.equal(img.width, 48);
  assert.equal(img.height, 32);
  assert.notDeepEqual(Buffer.from(img.bytes), png);
  const blobPart = await imagePart(new Blob([png], { type: 'image/png' }));
  assert.equal(blobPart.image_url.url, part.image_url.url);
  await assert.rejects(imagePart(new Uint8Array([1, 2, 3])), TypeError);
});

function transcriptFetch(chunks) {
  return async () => new Response(new ReadableStream({
    start(controller) { for (const c of chunks) controller.enqueue(c); controller.close(); },
  }), { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

test('every two-chunk split of a recorded transcript, and 1-byte chunks, give the same events', async () => {
  const transcript = new Uint8Array(readFileSync(path.join(root, 'tests/fixtures/sse/chat-two-images.sse')));
  const run = async (chunks) => {
    const c = await createClient({ apiKey: KEY, baseURL: 'http://127.0.0.1:9/v1', fetch: transcriptFetch(chunks) });
    return (await collect(c.chat.completions.stream(body('x')))).filter((e) => e.type !== 'image-progress')
      .map((e) => (e.type === 'image' ? `image:${e.index}:${Buffer.from(e.bytes).toString('base64')}` : JSON.stringify(e)));
  };
  const whole = await run([transcript]);
  assert.ok(whole.filter((e) => e.startsWith('image:')).length === 2);
  for (let cut = 0; cut <= transcript.length; cut += Math.max(1, Math.floor(transcript.length / 400))) {
    assert.deepEqual(await run([transcript.subarray(0, cut), transcript.subarray(cut)]), whole, `cut ${cut}`);
  }
  assert.deepEqual(await run(Array.from(transcript, (b) => new Uint8Array([b]))), whole);
});
