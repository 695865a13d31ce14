// Issue 16: a streamed image's decoded bytes leave the wasm heap as they are decoded. Before, a 24 MiB image raised
// the heap by ~35 MiB (the bytes accumulated in a std::vector growing by doubling, and again in a JS accumulator).
// In its own file: the wasm memory only grows, so the figure is this process's alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';

const MiB = 1024 * 1024;
const enc = new TextEncoder();
const SSE = { 'content-type': 'text/event-stream; charset=utf-8' };

function pngLike(size, seed) {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24; }
  // A PNG signature and IHDR (640 × 480) so that the sniffer has something to read in the first bytes.
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 2, 0x80, 0, 0, 1, 0xe0, 8, 6, 0, 0, 0]);
  return bytes;
}

function transcript(image) {
  const url = `data:image/png;base64,${Buffer.from(image).toString('base64')}`;
  const chunk = { id: 'gen_h', object: 'chat.completion.chunk', created: 1, model: 'google/gemini-2.5-flash-image',
    choices: [{ index: 0, delta: { images: [{ type: 'image_url', image_url: { url } }] }, finish_reason: null }] };
  return enc.encode(`data: ${JSON.stringify(chunk)}\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`);
}

function streamOf(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) { controller.close(); return; }
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function streamImage(client, image, chunkSize) {
  const body = transcript(image);
  const c = await createClient({ apiKey: 'sk-heap', baseURL: 'https://gateway.test/v1', maxRetries: 0,
    fetch: async () => new Response(streamOf(body, chunkSize), { headers: SSE }) });
  const stream = c.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'x' }] });
  let got = null;
  for await (const ev of stream) if (ev.type === 'image') got = ev;
  return { got, final: await stream.finalCompletion() };
}

test('a streamed 24 MiB image grows the wasm heap by at most a few chunk sizes, and is held once', async () => {
  await streamImage(null, pngLike(300 << 10, 1), 64 << 10);  // warm-up: the scratch and the tables exist
  const before = wasm._heapStats();
  const image = pngLike(24 * MiB, 2);
  const { got, final } = await streamImage(null, image, 64 << 10);
  const after = wasm._heapStats();
  assert.equal(got.bytes.length, image.length);
  assert.ok(Buffer.from(got.bytes).equals(Buffer.from(image)), 'the bytes');
  assert.equal(got.format, 'png');
  assert.deepEqual([got.width, got.height], [640, 480], 'sniffed from the prefix the core keeps');
  const grown = after.total - before.total;
  assert.ok(grown <= 2 * MiB, `the wasm memory grew by ${(grown / MiB).toFixed(1)} MiB for a 24 MiB image`);
  assert.ok(after.used - before.used <= 64 << 10, `heap in use after the stream: +${after.used - before.used} bytes`);
  // finalCompletion() hands out the very bytes the image event had: one copy in JS, none in the heap.
  assert.equal(final.choices[0].message.images[0].bytes, got.bytes);
  assert.equal(final.choices[0].finish_reason, 'stop');
});
