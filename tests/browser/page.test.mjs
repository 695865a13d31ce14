// The page without a gateway: the wasm module loads and reports its version, the package decodes in a real
// page, every control has a label, and a missing gateway is a readable message rather than a broken page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, root } from './harness.mjs';

let h;
before(async () => { h = await launch({ gateway: null }); });  // static page only: no /v1 proxy
after(async () => { await h?.close(); });

test('the page loads the wasm module and reports its version', async () => {
  await h.open();
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
    img.src = URL.createObjectURL(new Blob([bytes], { type: info.mimeType }));
    img.alt = 'decoded fixture';
    img.dataset.testid = 'decoded-fixture';
    document.body.prepend(img);
    await img.decode();
    return { length: bytes.length, info, natural: [img.naturalWidth, img.naturalHeight] };
  }, b64);
  await h.screenshot('fixture-decoded.png');  // the artifact a person can look at
  assert.equal(result.length, Buffer.from(b64, 'base64').length);
  assert.deepEqual(result.info, { format: 'png', mimeType: 'image/png', width: 48, height: 32, orientation: 1, displayWidth: 48, displayHeight: 32 });
  assert.deepEqual(result.natural, [48, 32]);
});

test('every control has a label, status regions are live, and the CSP is strict', async () => {
  const unlabelled = await h.page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((c) => {
      const name = c.labels?.[0]?.textContent.trim() || c.getAttribute('aria-label') ||
        (c.getAttribute('aria-labelledby') && document.getElementById(c.getAttribute('aria-labelledby'))?.textContent.trim()) ||
        (c.tagName === 'BUTTON' && c.textContent.trim());
      return !name;
    }).map((c) => c.outerHTML));
  assert.deepEqual(unlabelled, []);
  for (const id of ['status', 'models-status', 'run-status', 'history-status']) {
    assert.equal(await h.page.getAttribute(`#${id}`, 'aria-live'), 'polite', id);
  }
  assert.equal(await h.page.getAttribute('#error', 'role'), 'alert');
  const res = await fetch(h.server.url);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  assert.match(csp, /img-src 'self' blob:(;|$)/);
});

test('without a gateway the model list fails with a readable message and the page stays usable', async () => {
  await h.page.waitForFunction(() => /Could not load the models/.test(document.getElementById('models-status').textContent));
  assert.match(await h.page.textContent('#models-status'), /Not found \(404\): check the Base URL/);
  await h.page.fill('#prompt', 'a fox');
  await h.page.press('#prompt', 'Enter');
  assert.equal(await h.page.textContent('[data-testid="error"]'), 'Pick a model first: the list loads from the gateway (reload it with ↻).');
  assert.equal(await h.page.getAttribute('[data-testid="error"]', 'data-kind'), 'validation');
  await h.screenshot('page-no-gateway.png');
  const errors = h.consoleMessages.filter((m) => m.type === 'error' && !/404/.test(m.text) || m.type === 'pageerror');
  assert.deepEqual(errors, []);
});
