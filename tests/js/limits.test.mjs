// The documented limits (README "Limits"): an oversized body is stopped with a clear, typed error on every
// transport, and the instance keeps working. The limit is lowered through an internal knob so the test does
// not need a 512 MiB body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, InvalidResponseError } from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';
import { start } from '../../scripts/mock-gateway.mjs';

let gw;
const DEFAULT = wasm._maxResponseBytes();
before(async () => { gw = await start({ port: 0 }); });
after(async () => { wasm._setMaxResponseBytes(DEFAULT); await gw?.close(); });

const small = { model: 'bfl/flux-2-pro', prompt: 'limits', size: '32x24' };
const chat = { model: 'google/gemini-2.5-flash-image', modalities: ['text', 'image'], messages: [{ role: 'user', content: 'x' }] };
const tooLarge = (e) => e instanceof InvalidResponseError && e.reason === 'too_large' && /too large: [\d.]+ MiB, more than imagegate's limit of 1 MiB/.test(e.message);

test('the default limit is 512 MiB', () => {
  assert.equal(DEFAULT, 512 * 1024 * 1024);
});

test('an oversized images response is stopped on each transport; the next request works', async () => {
  const huge = { defaultHeaders: { 'x-mock-fault': 'huge' }, apiKey: 'k', baseURL: gw.url, maxRetries: 2 };
  const base = wasm._heapStats().used;
  wasm._setMaxResponseBytes(1 << 20);
  try {
    const before = gw.requests.length;
    await assert.rejects((await createClient(huge)).images.generate(small), tooLarge);
    assert.equal(gw.requests.length - before, 1, 'not retried');
    assert.equal(wasm._pendingRequests(), 0);
    await assert.rejects((await createClient({ ...huge, fetch: globalThis.fetch })).images.generate(small), tooLarge);
    await assert.rejects(async () => {
      for await (const ev of (await createClient(huge)).chat.completions.stream(chat)) void ev;
    }, tooLarge);
    assert.equal(wasm._chatStreamCount(), 0);
  } finally {
    wasm._setMaxResponseBytes(DEFAULT);
  }
  const ok = await (await createClient({ apiKey: 'k', baseURL: gw.url })).images.generate(small);
  assert.equal(ok.images[0].width, 32);
  assert.ok(Math.abs(wasm._heapStats().used - base) < 1 << 20, 'the heap is back at its baseline');
});
