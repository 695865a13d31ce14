// Key handling and the model list. The mock accepts only KEY, so a successful generation proves the key was
// sent; every request, storage area, the DOM and the console are then searched for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MODELS } from '../../scripts/mock-gateway.mjs';
import { launch, generateWith, until, showConnection } from './harness.mjs';

const KEY = 'vck_SECRET_test_key_0123456789abcdef';
let h;
before(async () => { h = await launch({ mockKeys: [KEY] }); });
after(async () => { await h?.close(); });

const modelRequests = () => h.requests.filter((r) => /\/v1\/models$/.test(r.url));

/** Everything in the page a key could leak into, except the Authorization header. */
async function leakSurfaces() {
  return h.page.evaluate(async () => {
    const records = await new Promise((resolve, reject) => {
      const open = indexedDB.open('imagegate');
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('generations')) return resolve([]);
        const req = db.transaction('generations').objectStore('generations').getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      };
      open.onerror = () => reject(open.error);
    });
    return {
      url: location.href,
      localStorage: JSON.stringify({ ...localStorage }),
      sessionStorage: JSON.stringify({ ...sessionStorage }),
      cookie: document.cookie,
      dom: document.documentElement.outerHTML,
      inputs: [...document.querySelectorAll('input, textarea')].map((i) => i.value).join('\n'),
      history: JSON.stringify(records, (k, v) => (v instanceof Blob ? `[blob ${v.size}]` : v)),
    };
  });
}

/** The key is in no URL, body, header other than Authorization, storage area, DOM, history record or console line. */
async function assertNoLeak() {
  for (const r of await h.settledRequests()) {
    assert.ok(!r.url.includes(KEY), `key in URL ${r.url}`);
    assert.ok(!r.body.includes(KEY), `key in the body of ${r.url}`);
    for (const [name, value] of Object.entries(r.headers)) {
      if (name !== 'authorization') assert.ok(!String(value).includes(KEY), `key in header ${name} of ${r.url}`);
    }
  }
  const surfaces = await leakSurfaces();
  for (const [where, text] of Object.entries(surfaces)) assert.ok(!text.includes(KEY), `key found in ${where}`);
  assert.ok(h.consoleMessages.every((m) => !m.text.includes(KEY)), 'key in the console');
  assert.ok(!h.page.url().includes(KEY));
}

test('models load at once, grouped into image models and chat models that output images', async () => {
  await h.open();
  const groups = await h.page.$$eval('#model optgroup', (gs) => gs.map((g) => ({
    label: g.label, ids: [...g.querySelectorAll('option')].map((o) => o.value),
  })));
  // The mock's late-2026 catalogue, in its order (scripts/mock-gateway/catalogue.mjs).
  const all = [...MODELS.values()];
  const imageIds = all.filter((m) => m.type === 'image').map((m) => m.id);
  const chatIds = all.filter((m) => m.type === 'language' && m.tags.includes('image-generation')).map((m) => m.id);
  assert.deepEqual(imageIds.slice(0, 2), ['bfl/flux-2-pro', 'bfl/flux-kontext-pro']);
  assert.ok(imageIds.includes('spacexai/grok-imagine-image') && chatIds.includes('google/gemini-3.1-flash-image'));
  assert.deepEqual(groups, [
    { label: 'Image models (images API)', ids: imageIds },
    { label: 'Chat models with image output', ids: chatIds },
  ]);
  assert.match(await h.page.textContent('#models-status'), new RegExp(`${imageIds.length} image models and ${chatIds.length} chat models`));
  // The right controls for each kind of model.
  assert.equal(await h.page.isVisible('#n'), true);
  assert.equal(await h.page.isVisible('#system-prompt'), false);
  await h.page.selectOption('#model', 'google/gemini-2.5-flash-image');
  assert.equal(await h.page.isVisible('#n'), false);
  for (const id of ['#system-prompt', '#modality-text', '#modality-image', '#chat-aspect', '#provider-options']) {
    assert.equal(await h.page.isVisible(id), true, id);
  }
  await h.page.selectOption('#model', 'bfl/flux-2-pro');
  for (const id of ['#n', '#size', '#aspect', '#provider-options']) assert.equal(await h.page.isVisible(id), true, id);
});

test('a pasted key reloads the models, is never shown again, and travels only in the Authorization header', async () => {
  const before = modelRequests().length;
  await h.page.fill('#api-key', KEY);
  await h.page.press('#api-key', 'Tab');
  await until(() => modelRequests().length > before, { message: 'entering a key loads the model list again' });
  await h.page.waitForFunction(() => !document.getElementById('model').hasAttribute('aria-busy'));
  assert.equal(await h.page.inputValue('#api-key'), '');
  assert.match(await h.page.textContent('#key-state'), /Key set ending in …cdef; kept in memory only/);

  await h.page.selectOption('#size', '512x512');
  await generateWith(h.page, { model: 'bfl/flux-2-pro', prompt: 'a key-shaped cloud' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true, await h.page.textContent('[data-testid="error"]'));
  assert.equal(await h.page.locator('[data-testid="result-card"]').count(), 1);

  const gen = (await h.settledRequests()).find((r) => r.url.endsWith('/v1/images/generations'));
  assert.equal(gen.headers.authorization, `Bearer ${KEY}`);
  await assertNoLeak();
});

test('"remember on this device" keeps the key across reloads; unticking or forgetting removes it', async () => {
  await showConnection(h.page);
  await h.page.check('#remember-key');
  assert.ok((await leakSurfaces()).localStorage.includes(KEY), 'ticked: the key is in localStorage');
  await h.open();
  assert.match(await h.page.textContent('#key-state'), /remembered on this device/);
  assert.equal(await h.page.isChecked('#remember-key'), true);
  await generateWith(h.page, { model: 'bfl/flux-2-pro', prompt: 'remembered key' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true);

  await showConnection(h.page);
  await h.page.uncheck('#remember-key');
  assert.ok(!(await leakSurfaces()).localStorage.includes(KEY), 'unticked: removed from localStorage');
  assert.match(await h.page.textContent('#key-state'), /kept in memory only/);
  await h.page.check('#remember-key');
  await h.page.click('#forget-key');
  assert.ok(!(await leakSurfaces()).localStorage.includes(KEY));
  assert.match(await h.page.textContent('#key-state'), /No key yet/);
  await h.open();
  assert.match(await h.page.textContent('#key-state'), /No key yet/);
  assert.ok(h.consoleMessages.every((m) => !m.text.includes(KEY)), 'key in the console');
});

test('changing the base URL reloads the models; calling the gateway directly works too (CORS)', async () => {
  await showConnection(h.page, { advanced: true });
  await h.page.fill('#api-key', KEY);
  await h.page.press('#api-key', 'Enter');
  const direct = h.server.mock.url;  // http://127.0.0.1:<port>/v1: another origin, reached directly
  await h.page.fill('#base-url', direct);
  await h.page.press('#base-url', 'Enter');
  await h.page.waitForFunction(() => !document.getElementById('model').hasAttribute('aria-busy'));
  assert.ok(h.requests.some((r) => r.url === `${direct}/models`), 'models listed from the new base URL');
  await generateWith(h.page, { model: 'google/gemini-2.5-flash-image', prompt: 'straight to the gateway' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true, await h.page.textContent('[data-testid="error"]'));
  const chat = (await h.settledRequests()).find((r) => r.url === `${direct}/chat/completions` && r.method === 'POST');
  assert.equal(chat.headers.authorization, `Bearer ${KEY}`);
  assert.ok(!chat.body.includes(KEY));
  await h.page.fill('#base-url', '/v1');
  await h.page.press('#base-url', 'Enter');
  await h.page.waitForFunction(() => !document.getElementById('model').hasAttribute('aria-busy'));
  await assertNoLeak();
});
