// The streamed chat parser against eventsource-parser + JSON.parse (the way openai-node and the AI SDK read
// streams) on random, valid SSE streams, and one 28 MiB event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createParser } from 'eventsource-parser';
import { createClient } from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';
import { rng, randomStream } from './sse-streams.mjs';

// A stream fetch: serves `bytes` in the given chunk sizes.
function streamFetch(bytes, chunkSizes) {
  return async () => new Response(new ReadableStream({
    start(controller) {
      let at = 0;
      for (const n of chunkSizes) {
        if (at >= bytes.length) break;
        controller.enqueue(bytes.slice(at, at + n));
        at += n;
      }
      if (at < bytes.length) controller.enqueue(bytes.slice(at));
      controller.close();
    },
  }), { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

async function ours(bytes, chunkSizes) {
  const client = await createClient({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: streamFetch(bytes, chunkSizes) });
  const out = { text: '', images: [], finish: [] };
  for await (const ev of client.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'x' }] })) {
    if (ev.type === 'text') out.text += ev.delta;
    else if (ev.type === 'image') out.images.push(Buffer.from(ev.bytes).toString('hex'));
    else if (ev.type === 'finish') out.finish.push(ev.reason);
  }
  return out;
}

// The peer: eventsource-parser for framing, JSON.parse for chunks, Buffer.from for the base64.
function peer(bytes) {
  const out = { text: '', images: [], finish: [] };
  const parser = createParser({
    onEvent(ev) {
      if (ev.data === '[DONE]') return;
      const chunk = JSON.parse(ev.data);
      for (const ch of chunk.choices ?? []) {
        out.text += ch.delta?.content ?? '';
        for (const img of ch.delta?.images ?? []) out.images.push(Buffer.from(img.image_url.url.split(',')[1], 'base64').toString('hex'));
        if (ch.finish_reason) out.finish.push(ch.finish_reason);
      }
    },
  });
  parser.feed(new TextDecoder().decode(bytes));
  parser.feed('\n\n');  // eventsource-parser holds a final lone CR back until it sees what follows
  return out;
}

test('random SSE streams in random chunks: same text, images and finish reasons as eventsource-parser', async () => {
  const rand = rng(99);
  let images = 0;
  let crOnly = 0;
  for (let k = 0; k < 150; k++) {
    const bytes = randomStream(rand);
    const chunks = Array.from({ length: 64 }, () => 1 + Math.floor(rand() * (rand() < 0.3 ? 3 : 64)));
    const expected = peer(bytes);
    images += expected.images.length;
    if (!bytes.includes(10)) crOnly++;
    assert.deepEqual(await ours(bytes, chunks), expected, `stream ${k}: ${new TextDecoder().decode(bytes).slice(0, 200)}`);
  }
  assert.ok(images > 100 && crOnly > 20, `the streams exercised images (${images}) and CR-only line endings (${crOnly})`);
  assert.equal(wasm._chatStreamCount(), 0);
});

test('one 28 MiB event: decoded correctly, in 64 KiB chunks', async () => {
  const image = randomBytes(21 << 20);  // 21 MiB → 28 MiB of base64
  image.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const event = JSON.stringify({ choices: [{ index: 0, delta: { images: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } }] }, finish_reason: null }] });
  const bytes = new TextEncoder().encode(`data: ${event}\n\ndata: [DONE]\n\n`);
  assert.ok(bytes.length > 28 << 20);
  const client = await createClient({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', fetch: streamFetch(bytes, Array(Math.ceil(bytes.length / 65536)).fill(65536)) });
  let got = null;
  let progress = 0;
  for await (const ev of client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] })) {
    if (ev.type === 'image') got = ev;
    if (ev.type === 'image-progress') progress++;
  }
  assert.ok(got, 'the image arrived');
  assert.equal(got.bytes.length, image.length);
  assert.ok(Buffer.from(got.bytes).equals(image));
  assert.ok(progress > 0, 'image-progress events were reported while the event was arriving');
  assert.equal(wasm._chatStreamCount(), 0);
});

test('big images (copied out while they arrive): two in one event and one per event, any chunking', async () => {
  const a = randomBytes(300 << 10);
  const b = randomBytes(700 << 10);
  const url = (x) => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${x.toString('base64')}` } });
  const ev = (images) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { images }, finish_reason: null }] })}\n\n`;
  const streams = [ev([url(a), url(b)]) + 'data: [DONE]\n\n', ev([url(a)]) + ev([url(b)]) + ev([url(a)]) + 'data: [DONE]\n\n'];
  const rand = rng(7);
  for (const [k, s] of streams.entries()) {
    const bytes = new TextEncoder().encode(s);
    for (let round = 0; round < 4; round++) {
      const chunks = Array.from({ length: 400 }, () => 1 + Math.floor(rand() * (round === 0 ? 100_000 : 9_000)));
      const got = await ours(bytes, chunks);
      const expected = k === 0 ? [a, b] : [a, b, a];
      assert.deepEqual(got.images, expected.map((x) => x.toString('hex')), `stream ${k} round ${round}`);
    }
  }
  assert.equal(wasm._chatStreamCount(), 0);
});

test('image-progress carries the decoded prefix (a view of the image buffer) with its choice and index', async () => {
  const first = randomBytes(200 << 10);
  const second = randomBytes(900 << 10);
  first.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  second.set([0xff, 0xd8, 0xff], 0);
  const part = (x, mime) => ({ type: 'image_url', image_url: { url: `data:${mime};base64,${x.toString('base64')}` } });
  const ev = (choice, images) => `data: ${JSON.stringify({ choices: [{ index: choice, delta: { images }, finish_reason: null }] })}\n\n`;
  const text = ev(0, [part(first, 'image/png')]) + ev(0, [part(second, 'image/jpeg')]) + 'data: [DONE]\n\n';
  const bytes = new TextEncoder().encode(text);
  const client = await createClient({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', fetch: streamFetch(bytes, Array(Math.ceil(bytes.length / 16384)).fill(16384)) });
  const previews = [];
  let images = [];
  for await (const e of client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] })) {
    if (e.type === 'image-progress' && e.bytes) previews.push({ choice: e.choice, index: e.index, copy: Buffer.from(e.bytes), view: e.bytes, decoded: e.decodedBytes });
    if (e.type === 'image') images.push(e);
  }
  assert.equal(images.length, 2);
  const of = (index) => previews.filter((p) => p.index === index);
  assert.ok(of(0).length >= 3 && of(1).length >= 10, `previews of both images (${of(0).length}, ${of(1).length})`);
  for (const p of previews) {
    const full = p.index === 0 ? first : second;
    assert.equal(p.choice, 0);
    assert.equal(p.decoded, p.copy.length);
    assert.ok(p.copy.length > 0 && p.copy.length <= full.length);
    assert.ok(p.copy.equals(full.subarray(0, p.copy.length)), 'the prefix is the image\'s first bytes');
  }
  // Growing prefixes, and no copy: a preview is a view of the buffer the finished image is a view of too (until
  // the buffer has to grow).
  const lens = of(1).map((p) => p.copy.length);
  assert.deepEqual(lens, [...lens].sort((a, b) => a - b));
  assert.ok(of(1).some((p) => p.view.buffer === images[1].bytes.buffer), 'the last previews share the image\'s buffer');
  assert.equal(wasm._chatStreamCount(), 0);
});
