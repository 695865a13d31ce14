// images.edit end to end against the mock gateway: every input kind, the core-built JSON and multipart bodies, the
// mask (checked before sending, honoured by the mock), warnings and strict, and the openai SDK's images.edit on the
// same mock (wire conformance).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import OpenAI, { toFile } from 'openai';
import { createClient, sniffImage, ValidationError, NotFoundError, BadRequestError } from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';
import { start, encodePNG, decodePNG } from '../../scripts/mock-gateway.mjs';

const KEY = 'sk-test-edits-0123456789';
const fox = new Uint8Array(readFileSync(new URL('../fixtures/images/fox-64x48.png', import.meta.url)));
const foxJpeg = new Uint8Array(readFileSync(new URL('../fixtures/images/fox-64x48.jpg', import.meta.url)));
let gw;
before(async () => { gw = await start({ port: 0 }); });
after(async () => { await gw?.close(); });

const client = (opts = {}) => createClient({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, ...opts });
const b64 = (u8) => Buffer.from(u8).toString('base64');
const lastEdit = () => gw.requests.filter((r) => r.path === '/v1/images/edits').at(-1);

/** A w×h RGBA PNG whose left half is transparent (alpha 0) and right half opaque. */
function halfMask(w, h) {
  const px = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[(y * w + x) * 4 + 3] = x < w / 2 ? 0 : 255;
  return new Uint8Array(encodePNG(px, w, h, 4));
}

test('every input kind becomes a data URL with the sniffed type (JSON body built by the core)', async () => {
  const c = await client();
  const inputs = [
    fox,                                                              // Uint8Array
    foxJpeg.slice().buffer,                                           // ArrayBuffer
    new Blob([fox], { type: 'application/octet-stream' }),            // a Blob with the wrong type
    new File([foxJpeg], 'fox.jpg'),                                   // a File without a type
    `data:application/octet-stream;base64,${b64(fox)}`,               // a data URL with the wrong type
    new URL('https://example.com/source.png'),                        // a URL object
  ];
  const res = await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'make it night', images: inputs });
  const body = lastEdit().body;
  assert.equal(lastEdit().headers['content-type'], 'application/json');
  assert.deepEqual(body.images.map((i) => i.image_url.slice(0, 30)), [
    `data:image/png;base64,${b64(fox)}`.slice(0, 30), `data:image/jpeg;base64,${b64(foxJpeg)}`.slice(0, 30),
    `data:image/png;base64,${b64(fox)}`.slice(0, 30), `data:image/jpeg;base64,${b64(foxJpeg)}`.slice(0, 30),
    `data:image/png;base64,${b64(fox)}`.slice(0, 30), 'https://example.com/source.png']);
  assert.equal(body.images[0].image_url, `data:image/png;base64,${b64(fox)}`);
  assert.equal(body.images[1].image_url, `data:image/jpeg;base64,${b64(foxJpeg)}`);
  assert.equal(body.model, 'openai/gpt-image-2');
  assert.equal(res.images.length, 1);
  assert.equal(res.images[0].width, 64);
  assert.equal(res.images[0].height, 48);
  assert.equal(sniffImage(res.images[0].bytes).format, 'png');
  assert.match(res.generationId, /^gen_/);
  assert.deepEqual(res.warnings, []);
  assert.ok(!JSON.stringify(lastEdit()).includes(KEY), 'the key is not in the logged request');
});

test('the mask: checked before sending, and only its transparent pixels change', async () => {
  const c = await client();
  const before = gw.requests.length;
  await assert.rejects(c.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', images: [fox], mask: halfMask(32, 32) }),
    (e) => e instanceof ValidationError && e.param === 'mask' && /32x32 but the first image is 64x48/.test(e.message));
  await assert.rejects(c.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', images: [fox], mask: foxJpeg }),
    (e) => e instanceof ValidationError && e.param === 'mask' && /must be a PNG/.test(e.message));
  assert.equal(gw.requests.length, before, 'nothing was sent');

  const res = await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'recolour', images: [fox], mask: halfMask(64, 48) });
  assert.match(lastEdit().body.mask.image_url, /^data:image\/png;base64,/);
  const src = decodePNG(Buffer.from(fox)), out = decodePNG(Buffer.from(res.images[0].bytes));
  let changedLeft = 0, changedRight = 0;
  for (let y = 0; y < 48; y++) {
    for (let x = 0; x < 64; x++) {
      const p = (y * 64 + x) * 4;
      const same = [0, 1, 2].every((k) => src.data[p + k] === out.data[p + k]);
      if (!same) { if (x < 32) changedLeft++; else changedRight++; }
    }
  }
  assert.equal(changedRight, 0, 'opaque mask pixels are kept');
  assert.ok(changedLeft > 32 * 48 * 0.9, `transparent mask pixels change (${changedLeft})`);
  assert.deepEqual(res.warnings, []);
});

test('a mask for a model without masks: a warning (ours and the gateway\'s), or ValidationError with strict', async () => {
  const c = await client();
  const params = { model: 'bfl/flux-kontext-pro', prompt: 'x', images: [fox], mask: halfMask(64, 48) };
  const res = await c.images.edit(params);
  assert.deepEqual(res.warnings.map((w) => [w.type, w.param]), [['unsupported-setting', 'mask'], ['unsupported-setting', 'mask']]);
  assert.match(res.warnings[0].message, /does not take a mask: the gateway edits the whole image/);
  assert.match(res.warnings[1].message, /does not support masks/);
  assert.ok(!('warnings' in res.extra));
  const before = gw.requests.length;
  await assert.rejects(c.images.edit(params, { strict: true }), (e) => e instanceof ValidationError && e.param === 'mask' && /strict: true/.test(e.message));
  const strictClient = await client({ strict: true });
  await assert.rejects(strictClient.images.edit(params), ValidationError);
  assert.equal(gw.requests.length, before);
  // Input images for a model that takes none.
  const rec = await c.images.edit({ model: 'recraft/recraft-v3', prompt: 'x', images: [fox] });
  assert.deepEqual(rec.warnings.map((w) => w.param), ['images']);
});

test('multipart: image / image[] and mask parts with sniffed types (a Blob typed octet-stream is sent as image/png)', async () => {
  const c = await client();
  const res = await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'one', images: new Blob([fox]), mask: halfMask(64, 48), n: 2,
    providerOptions: { openai: { quality: 'low' } } }, { multipart: true });
  const req = lastEdit();
  assert.match(req.headers['content-type'], /^multipart\/form-data; boundary=imagegate-[0-9a-f]{24}$/);
  assert.match(req.body, /name="image"; filename="image-1\.png"\r\nContent-Type: image\/png/);
  assert.match(req.body, /name="mask"; filename="mask\.png"\r\nContent-Type: image\/png/);
  assert.match(req.body, /name="n"\r\n\r\n2\r\n/);
  assert.match(req.body, /name="providerOptions"\r\n\r\n\{"openai":\{"quality":"low"\}\}\r\n/);
  assert.equal(res.images.length, 2);
  await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'two', images: [fox, new File([fox], 'b.png')] }, { multipart: true });
  assert.match(lastEdit().body, /name="image\[\]"; filename="image-1\.png"/);
  assert.match(lastEdit().body, /name="image\[\]"; filename="b\.png"/);
  await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', images: ['https://example.com/café one.png'] });
  assert.equal(lastEdit().body.images[0].image_url, 'https://example.com/caf%C3%A9%20one.png', 'an https string is sent as new URL().href');
  await assert.rejects(c.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', images: ['https://example.com/a.png'] }, { multipart: true }),
    (e) => e instanceof ValidationError && e.param === 'images[0]' && /multipart upload cannot carry/.test(e.message));
});

test('bad input is a typed error before anything is sent, and nothing leaks in the heap', async () => {
  const c = await client();
  const before = gw.requests.length;
  const heap0 = wasm._heapStats().used;
  const bad = [
    [{ model: 'openai/gpt-image-2', prompt: 'x' }, 'images'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [] }, 'images'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: Array(17).fill(fox) }, 'images'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [fox, new Uint8Array([1, 2, 3])] }, 'images[1]'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [42] }, 'images[0]'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: ['http://example.com/a.png'] }, 'images[0]'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: ['data:image/png;base64,@@'] }, 'images[0]'],
    [{ model: 'openai/gpt-image-2', images: [fox] }, 'prompt'],
    [{ prompt: 'x', images: [fox] }, 'model'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [fox], n: 0 }, 'n'],
    [{ model: 'openai/gpt-image-2', prompt: 'x', images: [fox], mask: {} }, 'mask'],
  ];
  for (const [params, param] of bad) {
    await assert.rejects(c.images.edit(params), (e) => e instanceof ValidationError && e.param === param, JSON.stringify(param));
  }
  await assert.rejects(c.images.edit(null), ValidationError);
  await assert.rejects(c.images.edit([fox]), ValidationError);
  assert.equal(gw.requests.length, before);
  assert.equal(Object.prototype.polluted, undefined);
  assert.equal(wasm._heapStats().used, heap0, 'every heap copy was freed');
});

test("edit accepts openai-node's singular `image`; gateway errors keep their class; an unknown model names the closest", async () => {
  const c = await client();
  const res = await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', image: fox });
  assert.equal(res.images.length, 1);
  await assert.rejects(c.images.edit({ model: 'openai/text-embedding-3-small', prompt: 'x', images: [fox] }), BadRequestError);
  await assert.rejects(c.images.edit({ model: 'xai/grok-imagine-image', prompt: 'x', images: [fox] }),
    (e) => e instanceof NotFoundError && e.suggestion === 'spacexai/grok-imagine-image' && /did you mean 'spacexai\/grok-imagine-image'\?/.test(e.message));
});

test('the size the gateway returned is reported against the request', async () => {
  const c = await client();
  const res = await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', images: [fox], size: '1024x1024' });
  assert.deepEqual(res.warnings, [{ type: 'other', param: 'size', message: 'asked for 1024x1024, the gateway returned 64x48' }]);
});

test('wire conformance: the openai SDK\'s images.edit works against the mock (multipart, image[] and mask)', async () => {
  const oai = new OpenAI({ apiKey: KEY, baseURL: gw.url });
  const one = await oai.images.edit({ model: 'openai/gpt-image-2', prompt: 'night', image: await toFile(Buffer.from(fox), 'fox.png', { type: 'image/png' }) });
  assert.equal(one.data.length, 1);
  assert.equal(sniffImage(Buffer.from(one.data[0].b64_json, 'base64')).width, 64);
  const two = await oai.images.edit({
    model: 'openai/gpt-image-2', prompt: 'night', n: 2,
    image: [await toFile(Buffer.from(fox), 'a.png', { type: 'image/png' }), await toFile(Buffer.from(foxJpeg), 'b.jpg', { type: 'image/jpeg' })],
    mask: await toFile(Buffer.from(halfMask(64, 48)), 'mask.png', { type: 'image/png' }),
  });
  assert.equal(two.data.length, 2);
  assert.match(lastEdit().body, /name="image\[\]"; filename="a\.png"/);
  // The same edit through imagegate gives the same pixels as the SDK's.
  const c = await client();
  const ours = await c.images.edit({ model: 'openai/gpt-image-2', prompt: 'night', n: 2, images: [fox, foxJpeg], mask: halfMask(64, 48) });
  assert.deepEqual(Buffer.from(ours.images[1].bytes), Buffer.from(two.data[1].b64_json, 'base64'));
  // openai-node#1468: an upload without an image type is refused by the gateway (the mock as OpenAI).
  await assert.rejects(oai.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', image: await toFile(Buffer.from(fox), 'x', { type: 'application/octet-stream' }) }),
    (e) => e.status === 400 && /unsupported mimetype/.test(e.message));
});

test('the SIMD128 base64 encoder equals the scalar reference in the wasm build (every length to 300, 1 MiB)', () => {
  const enc = (fn, bytes, url, pad) => {
    const inPtr = wasm._malloc(bytes.length + 1), outPtr = wasm._malloc(Math.ceil(bytes.length / 3) * 4 + 4);
    try {
      wasm.HEAPU8.set(bytes, inPtr);
      const n = fn(inPtr, bytes.length, outPtr, url, pad);
      return Buffer.from(wasm.HEAPU8.subarray(outPtr, outPtr + n)).toString('latin1');
    } finally { wasm._free(inPtr); wasm._free(outPtr); }
  };
  assert.equal(wasm._simdEnabled(), true);
  let seed = 18;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 24; };
  for (let n = 0; n <= 300; n++) {
    const bytes = Uint8Array.from({ length: n }, rnd);
    for (const url of [false, true]) {
      for (const pad of [true, false]) {
        const fast = enc(wasm._encodeBase64Into, bytes, url, pad);
        assert.equal(fast, enc(wasm._encodeBase64ScalarInto, bytes, url, pad), `n=${n}`);
        if (!url && pad) assert.equal(fast, Buffer.from(bytes).toString('base64'));
      }
    }
  }
  const big = Uint8Array.from({ length: 1 << 20 }, rnd);
  assert.equal(enc(wasm._encodeBase64Into, big, false, true), enc(wasm._encodeBase64ScalarInto, big, false, true));
});
