// The cost loop against the mock gateway: generationId on every result, generations.retrieve (retried while the
// record lags), credits.retrieve, estimateCost from /v1/models pricing, capability warnings, the providers table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createClient, estimateCost, providerOptionsKey, checkCapabilities, closestModel, NotFoundError, ValidationError,
  AuthenticationError, InvalidResponseError,
} from 'imagegate';
import { start } from '../../scripts/mock-gateway.mjs';

const KEY = 'sk-test-usage-0123456789';
let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });
const client = (opts = {}) => createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, ...opts });

test('every result carries generationId: images (header), chat (header and body id), streams (header)', async () => {
  const c = await client();
  const img = await c.images.generate({ model: 'bfl/flux-kontext-pro', prompt: 'a lighthouse', size: '64x48' });
  assert.match(img.generationId, /^gen_[0-9A-Z]{26}$/);
  const chat = await c.chat.completions.create({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(chat.generationId, chat.id);
  const stream = c.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(stream.generationId, null);
  for await (const ev of stream) void ev;
  assert.match(stream.generationId, /^gen_/);
  // A body-only id (no header): provider_metadata.gateway.generationId, else a gen_ id.
  const { generationIdOf } = await import('../../wasm/js/resources/json.mjs');
  assert.equal(generationIdOf({}, { provider_metadata: { gateway: { generationId: 'gen_A' } } }), 'gen_A');
  assert.equal(generationIdOf({}, { id: 'chatcmpl-1' }), null);
  assert.equal(generationIdOf({ 'x-vercel-ai-gateway-generation-id': 'gen_H' }, { id: 'gen_B' }), 'gen_H');
});

test('generations.retrieve: the record (cost from the catalogue price × n), retried while it is not written yet', async () => {
  const c = await client();
  const res = await c.images.generate({ model: 'bfl/flux-kontext-pro', prompt: 'three foxes', size: '64x48', n: 3 });
  const rec = await c.generations.retrieve(res.generationId);
  assert.equal(rec.id, res.generationId);
  assert.equal(rec.totalCost, 0.12);
  assert.equal(rec.model, 'bfl/flux-kontext-pro');
  assert.equal(rec.providerName, 'bfl');
  assert.equal(typeof rec.latency, 'number');
  assert.equal(rec.raw.total_cost, 0.12);

  const lagging = await client({ defaultHeaders: { 'x-mock-fault': 'not-ready=2' } });
  gw.reset();
  const t0 = Date.now();
  const again = await lagging.generations.retrieve(res.generationId, { notReadyDelayMs: 20 });
  assert.equal(again.totalCost, 0.12);
  assert.equal(gw.requests.filter((r) => r.path.startsWith('/v1/generation')).length, 3, 'two 404s, then the record');
  assert.ok(Date.now() - t0 < 2000);
  await assert.rejects(c.generations.retrieve('gen_unknown', { notReadyRetries: 1, notReadyDelayMs: 1 }), NotFoundError);
  await assert.rejects(c.generations.retrieve(''), (e) => e instanceof ValidationError && e.param === 'id');
  await assert.rejects(c.generations.retrieve(42), ValidationError);
  const noKey = await createClient({ baseURL: gw.url, apiKey: null, maxRetries: 0 });
  await assert.rejects(noKey.generations.retrieve(res.generationId), AuthenticationError);
  // The id is query-encoded: no path or query injection.
  await assert.rejects(c.generations.retrieve('gen_x&id=other', { notReadyRetries: 0 }), NotFoundError);
  assert.equal(gw.requests.at(-1).path, '/v1/generation?id=gen_x%26id%3Dother');
});

test('credits.retrieve: the balance, lowered by what each generation cost', async () => {
  const c = await client();
  const a = await c.credits.retrieve();
  assert.match(a.balance, /^\d+\.\d{2,}$/);
  assert.match(a.totalUsed, /^\d+\.\d{2,}$/);
  await c.images.generate({ model: 'recraft/recraft-v3', prompt: `a unique prompt ${Date.now()}`, size: '64x48', n: 2 });
  const b = await c.credits.retrieve();
  assert.equal(Math.round((Number(a.balance) - Number(b.balance)) * 100) / 100, 0.08);
  assert.equal(Math.round((Number(b.totalUsed) - Number(a.totalUsed)) * 100) / 100, 0.08);
  const bad = await client({ defaultHeaders: { 'x-mock-fault': 'truncate=5' } });
  await assert.rejects(bad.credits.retrieve(), InvalidResponseError);
});

test('estimateCost from /v1/models pricing: per image × n, a token range for chat models, unknown without a price', async () => {
  const c = await client();
  const models = new Map((await c.models.list()).map((m) => [m.id, m]));
  assert.deepEqual(estimateCost(models.get('bfl/flux-kontext-pro'), { n: 3 }),
    { currency: 'USD', model: 'bfl/flux-kontext-pro', min: 0.12, max: 0.12, perImage: 0.04, basis: 'per-image' });
  assert.equal(estimateCost(models.get('bfl/flux-2-pro'), {}).basis, 'unknown');
  const chat = estimateCost(models.get('google/gemini-3.1-flash-image'), {
    messages: [{ role: 'user', content: 'a'.repeat(400) }], modalities: ['text', 'image'],
    providerOptions: { google: { imageConfig: { imageSize: '2K' } } } });
  assert.equal(chat.basis, 'tokens');
  assert.equal(chat.perImage, 0.101);
  assert.equal(chat.min, 0.10105);  // 100 prompt tokens × 0.0000005 + one 2K image
  assert.ok(chat.max > chat.min);
  const text = estimateCost(models.get('openai/gpt-5-mini'), { messages: [{ role: 'user', content: 'hello' }], max_tokens: 1000 });
  assert.equal(text.perImage, null);
  assert.equal(text.max, 0.0020005);
  // The estimate is what the mock then bills.
  const res = await c.images.generate({ model: 'spacexai/grok-imagine-image', prompt: 'estimate me', size: '64x48', n: 2 });
  assert.equal((await c.generations.retrieve(res.generationId)).totalCost, estimateCost(models.get('spacexai/grok-imagine-image'), { n: 2 }).max);
  assert.throws(() => estimateCost('bfl/flux-2-pro', {}), TypeError);
});

test('capability warnings on generate: n above images per call, an ignored aspect ratio or size; strict throws', async () => {
  const c = await client();
  const bfl = await c.images.generate({ model: 'bfl/flux-kontext-pro', prompt: 'w', size: '64x48', n: 3 });
  assert.deepEqual(bfl.warnings, [{ type: 'other', param: 'n', message: 'bfl/flux-kontext-pro returns at most 1 image per provider call: n=3 makes 3 calls, each billed' }]);
  const oai = await c.images.generate({ model: 'openai/gpt-image-2', prompt: 'w', size: '64x48', providerOptions: { openai: { aspectRatio: '16:9' } } });
  assert.deepEqual(oai.warnings.map((w) => w.param), ['providerOptions.openai.aspectRatio']);
  const x = await c.images.generate({ model: 'spacexai/grok-imagine-image', prompt: 'w', size: '64x48' });
  assert.deepEqual(x.warnings.map((w) => w.param), ['size']);
  const ok = await c.images.generate({ model: 'bfl/flux-kontext-pro', prompt: 'w', size: '64x48' });
  assert.deepEqual(ok.warnings, []);
  // The returned pixel size against the asked aspect ratio (the mock honours it: no warning).
  const ar = await c.images.generate({ model: 'bfl/flux-kontext-pro', prompt: 'w', providerOptions: { blackForestLabs: { aspectRatio: '16:9' } } });
  assert.deepEqual(ar.warnings, []);
  const before = gw.requests.length;
  await assert.rejects(c.images.generate({ model: 'bfl/flux-kontext-pro', prompt: 'w', n: 3 }, { strict: true }),
    (e) => e instanceof ValidationError && e.param === 'n');
  assert.equal(gw.requests.length, before);
  await assert.rejects(createClient({ strict: 'yes' }), ValidationError);
});

test('one providers table: providerOptionsKey, capabilities, closest model', () => {
  assert.equal(providerOptionsKey('bfl/flux-2-pro'), 'blackForestLabs');
  assert.equal(providerOptionsKey('google/imagen-4.0-generate-001'), 'googleVertex');
  assert.equal(providerOptionsKey('google/gemini-3.1-flash-image'), 'google');
  assert.equal(providerOptionsKey('openai/gpt-image-2'), 'openai');
  assert.equal(providerOptionsKey('spacexai/grok-imagine-image'), 'xai');
  assert.equal(providerOptionsKey('xai/grok-imagine-image'), 'xai');
  assert.equal(providerOptionsKey('newco/model-1'), 'newco');
  assert.throws(() => providerOptionsKey('nope'), TypeError);
  assert.deepEqual(checkCapabilities('newco/model-1', { n: 10 }, { images: 3, mask: true }), []);
  const ids = ['spacexai/grok-imagine-image', 'spacexai/grok-imagine-image-pro', 'openai/gpt-image-2', 'bfl/flux-2-pro'];
  assert.equal(closestModel('xai/grok-imagine-image-pro', ids), 'spacexai/grok-imagine-image-pro');
  assert.equal(closestModel('openai/gpt-image2', ids), 'openai/gpt-image-2');
  assert.equal(closestModel('nope/unknown-model', ids), null);
});

test('an unknown model names the closest listed one (generate and chat), or null when none is close', async () => {
  const c = await client();
  await assert.rejects(c.images.generate({ model: 'xai/grok-imagine-image', prompt: 'x' }),
    (e) => e instanceof NotFoundError && e.suggestion === 'spacexai/grok-imagine-image' && /^404 Model 'xai\/grok-imagine-image' not found/.test(e.message));
  await assert.rejects(c.chat.completions.create({ model: 'google/gemini-3.1-flash-imag', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof NotFoundError && e.suggestion === 'google/gemini-3.1-flash-image');
  await assert.rejects(c.images.generate({ model: 'nope/unknown-model', prompt: 'x' }), (e) => e instanceof NotFoundError && e.suggestion === null);
});
