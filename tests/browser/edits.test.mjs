// images.edit and the cost loop in Chromium: a canvas-made Blob and a mask with a transparent half go through the
// package (core-built JSON and multipart bodies, emscripten_fetch over the page's XMLHttpRequest) to the mock
// behind the same-origin proxy; only the transparent half changes; generations.retrieve and credits.retrieve answer.
// The page's aspect-ratio control uses the package's provider-options table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, generateWith } from './harness.mjs';

let h;
before(async () => {
  h = await launch({ apiKey: 'vck_browser_edits_key_0123456789' });
  await h.open();
});
after(async () => { await h?.close(); });

const lastBody = (p) => {
  const r = h.server.mock.requests.filter((q) => q.path === p).at(-1);
  return r?.body;
};

// Both clients: createClient and createWorkerClient (the Blobs cross to the worker by structured clone).
for (const which of ['main', 'worker']) {
  test(`edit from Blobs in the page: JSON and multipart, the mask honoured, then cost and credits [${which}]`, async () => {
    const out = await h.page.evaluate(async (which) => {
      const api = await import('/imagegate/js/index.mjs');
      const make = which === 'worker' ? (await import('/imagegate/js/worker.mjs')).createWorkerClient : api.createClient;
      const client = await make({ baseURL: '/v1', apiKey: null, maxRetries: 0 });
      const canvas = (w, h, paint) => {
        const c = document.createElement('canvas');
        c.width = w; c.height = h;
        paint(c.getContext('2d'));
        return new Promise((resolve) => c.toBlob(resolve, 'image/png'));
      };
      const image = await canvas(40, 30, (g) => { g.fillStyle = '#3070c0'; g.fillRect(0, 0, 40, 30); g.fillStyle = '#e0e040'; g.fillRect(5, 5, 10, 10); });
      const mask = await canvas(40, 30, (g) => { g.fillStyle = '#000'; g.fillRect(20, 0, 20, 30); });  // left half transparent
      const pixels = async (bytes) => {
        const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const c = new OffscreenCanvas(bmp.width, bmp.height);
        const g = c.getContext('2d');
        g.drawImage(bmp, 0, 0);
        return { w: bmp.width, h: bmp.height, data: g.getImageData(0, 0, bmp.width, bmp.height).data };
      };
      const src = await pixels(new Uint8Array(await image.arrayBuffer()));
      const results = {};
      for (const multipart of [false, true]) {
        const res = await client.images.edit({ model: 'openai/gpt-image-2', prompt: 'recolour the left', images: [image], mask }, { multipart });
        const px = await pixels(res.images[0].bytes);
        let left = 0, right = 0;
        for (let y = 0; y < px.h; y++) for (let x = 0; x < px.w; x++) {
          const p = (y * px.w + x) * 4;
          if ([0, 1, 2].some((k) => Math.abs(px.data[p + k] - src.data[p + k]) > 2)) { if (x < 20) left++; else right++; }
        }
        results[multipart ? 'multipart' : 'json'] = { left, right, w: px.w, h: px.h, generationId: res.generationId, warnings: res.warnings };
      }
      const record = await client.generations.retrieve(results.json.generationId);
      const credits = await client.credits.retrieve();
      let maskError = null;
      try {
        await client.images.edit({ model: 'openai/gpt-image-2', prompt: 'x', images: [image], mask: await canvas(8, 8, () => {}) });
      } catch (e) { maskError = { name: e.name, param: e.param }; }
      return { results, cost: record.totalCost, model: record.model, credits, maskError };
    }, which);
    for (const kind of ['json', 'multipart']) {
      const r = out.results[kind];
      assert.deepEqual([r.w, r.h], [40, 30], kind);
      assert.equal(r.right, 0, `${kind}: opaque mask pixels are kept`);
      assert.ok(r.left > 20 * 30 * 0.9, `${kind}: transparent mask pixels change (${r.left})`);
      assert.match(r.generationId, /^gen_/);
      assert.deepEqual(r.warnings, []);
    }
    assert.match(lastBody('/v1/images/edits'), /name="mask"; filename="mask\.png"\r\nContent-Type: image\/png/);
    assert.equal(out.cost, 0.053);
    assert.equal(out.model, 'openai/gpt-image-2');
    assert.match(out.credits.balance, /^\d+\.\d{2,}$/);
    assert.deepEqual(out.maskError, { name: 'ValidationError', param: 'mask' });
    const log = JSON.stringify(await h.settledRequests());
    assert.ok(!log.includes('vck_browser_edits_key'), 'the page never sent the server key');
  });
}

test("the page's aspect control writes providerOptions under the package's namespace for the model", async () => {
  await h.page.selectOption('#model', 'spacexai/grok-imagine-image');
  await h.page.selectOption('#aspect', '16:9');
  await generateWith(h.page, { prompt: 'a wide lighthouse' });
  assert.deepEqual(lastBody('/v1/images/generations').providerOptions, { xai: { aspectRatio: '16:9' } });
  await h.page.selectOption('#model', 'bfl/flux-kontext-pro');
  await generateWith(h.page, { prompt: 'a wide fox' });
  assert.deepEqual(lastBody('/v1/images/generations').providerOptions, { blackForestLabs: { aspectRatio: '16:9' } });
  await h.page.selectOption('#aspect', '');
});
