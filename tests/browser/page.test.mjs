// The package in a real page: Chromium loads the module, decodes a base64 PNG and renders it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, root } from './harness.mjs';

let h;
before(async () => { h = await launch({ gateway: null }); });  // static page only: no gateway needed
after(async () => { await h?.close(); });

test('the page loads the wasm module and reports its version', async () => {
  await h.page.goto(h.server.url);
  await h.page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
  const pkg = JSON.parse(readFileSync(path.join(root, 'wasm/package.json'), 'utf8'));
  assert.match(await h.page.textContent('[data-testid="status"]'), new RegExp(`imagegate ${pkg.version.replace(/\./g, '\\.')} ready`));
});

test('a base64 PNG fixture decodes in the page and renders at its natural size', async () => {
  const b64 = readFileSync(path.join(root, 'tests/fixtures/base64/gradient-48x32.png.b64'), 'utf8');
  const result = await h.page.evaluate(async (text) => {
    const { decodeBase64, sniffImage } = await import('/imagegate/js/index.mjs');
    const bytes = decodeBase64(text);
    const info = sniffImage(bytes);
    const img = document.createElement('img');
    img.dataset.testid = 'fixture-image';
    img.style.width = '192px';
    img.style.imageRendering = 'pixelated';
    img.src = URL.createObjectURL(new Blob([bytes], { type: info.mimeType }));
    document.querySelector('[data-testid="gallery"]').append(img);
    await img.decode();
    return { length: bytes.length, info, natural: [img.naturalWidth, img.naturalHeight] };
  }, b64);
  assert.equal(result.length, Buffer.from(b64, 'base64').length);
  assert.deepEqual(result.info, { format: 'png', mimeType: 'image/png', width: 48, height: 32 });
  assert.deepEqual(result.natural, [48, 32]);
  await h.screenshot('page-decode.png');
});

test('the page UI decodes pasted base64 and refuses bad input with a clear message', async () => {
  const b64 = readFileSync(path.join(root, 'tests/fixtures/base64/gradient-48x32.png.b64'), 'utf8');
  await h.page.fill('[data-testid="b64-input"]', `data:image/png;base64,${b64}`);
  await h.page.click('[data-testid="decode"]');
  const img = h.page.locator('[data-testid="result-image"]').first();
  await img.waitFor();
  assert.deepEqual(await img.evaluate(async (el) => { await el.decode(); return [el.naturalWidth, el.naturalHeight]; }), [48, 32]);
  await h.page.fill('[data-testid="b64-input"]', 'iVBOR!w0KGgo');
  await h.page.click('[data-testid="decode"]');
  assert.match(await h.page.textContent('[data-testid="error"]'), /position 5/);
  const errors = h.consoleMessages.filter((m) => m.type === 'error' || m.type === 'pageerror');
  assert.deepEqual(errors, []);
});
