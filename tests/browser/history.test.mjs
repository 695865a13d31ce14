// The history in IndexedDB: it survives a reload, an image is saved before it is shown (so a reload in the
// middle of a stream keeps what arrived), past results can be shown again, and entries can be deleted.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, generateWith } from './harness.mjs';

const KEY = 'vck_history_test_key_00000000';
let h;
before(async () => {
  h = await launch();
  await h.open();
  await h.page.check('#remember-key');  // so the reloads below keep the key
  await h.page.fill('#api-key', KEY);
  await h.page.press('#api-key', 'Enter');
});
afterEach(() => h.server.mock.setFault(null));
after(async () => { await h?.close(); });

const items = () => h.page.locator('[data-testid="history-item"]');

test('a generation is in the history after a reload, and can be shown again', async () => {
  await h.page.selectOption('#size', '512x512');
  await generateWith(h.page, { model: 'bfl/flux-2-pro', prompt: 'a harbour at night' });
  assert.equal(await items().count(), 1);
  await h.open();
  assert.equal(await items().count(), 1);
  const item = items().first();
  assert.match(await item.locator('.prompt').textContent(), /^a harbour at night$/);
  assert.match(await item.locator('.meta').textContent(), /bfl\/flux-2-pro · 1 image · [\d.]+ (ms|s)/);
  assert.deepEqual(await item.locator('img').first().evaluate(async (img) => { await img.decode(); return img.naturalWidth; }), 512);
  assert.match(await h.page.textContent('#history-status'), /1 generation saved in this browser/);
  assert.equal(await h.page.locator('[data-testid="result-card"]').count(), 0);  // a fresh page shows no results
  await item.getByRole('button', { name: /^Show/ }).click();
  assert.equal(await h.page.locator('[data-testid="result-card"]').count(), 1);
  assert.match(await h.page.textContent('[data-testid="image-facts"]'), /^bfl\/flux-2-pro · 512×512 · PNG/);
});

test('an image is saved before it is shown: a reload in the middle of a stream keeps it', async () => {
  // Where the image event ends in this (deterministic) stream: the mock stalls right after it, before the
  // finish and [DONE] events, so the page shows the image while the run is still going.
  const prompt = 'a reload mid-stream';
  const res = await fetch(`${h.server.mock.url}/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: prompt }],
      modalities: ['text', 'image'], stream: true, stream_options: { include_usage: true } }),
  });
  const sse = Buffer.from(await res.arrayBuffer());
  const imageAt = sse.indexOf('"images"');
  const stallAfter = sse.indexOf('\n\n', imageAt) + 2;
  assert.ok(imageAt > 0 && stallAfter < sse.length);
  h.server.mock.setFault(`stall-after=${stallAfter}`);

  await generateWith(h.page, { model: 'google/gemini-2.5-flash-image', prompt, wait: false });
  await h.page.waitForSelector('[data-testid="result-card"] img');
  assert.equal(await h.page.isDisabled('#generate'), true, 'the run is still going');
  await h.open();  // reload at once
  const item = items().first();
  assert.match(await item.locator('.prompt').textContent(), new RegExp(prompt));
  assert.equal(await item.getAttribute('data-status'), 'running');
  assert.match(await item.locator('.meta').textContent(), /1 image.*interrupted/);
  assert.equal(await item.locator('.thumbs img').count(), 1);
  await h.screenshot('history.png');
});

test('entries can be deleted, one at a time, and stay deleted after a reload', async () => {
  const count = await items().count();
  assert.ok(count >= 2);
  const firstId = await items().first().getAttribute('data-id');
  await items().first().getByRole('button', { name: /^Delete/ }).click();
  await h.page.waitForFunction((n) => document.querySelectorAll('[data-testid="history-item"]').length === n, count - 1);
  assert.equal(await h.page.locator(`[data-id="${firstId}"]`).count(), 0);
  assert.equal(await h.page.evaluate(() => document.activeElement.dataset.testid), 'history-delete', 'focus stays in the list');
  await h.open();
  assert.equal(await items().count(), count - 1);
  while (await items().count()) {
    const n = await items().count();
    await items().first().getByRole('button', { name: /^Delete/ }).click();
    await h.page.waitForFunction((k) => document.querySelectorAll('[data-testid="history-item"]').length === k, n - 1);
  }
  assert.match(await h.page.textContent('#history-status'), /^Nothing yet/);
  assert.match(await h.page.textContent('#undo-text'), /^Deleted “/);  // and Undo is offered (page-ux.test.mjs)
  const errors = h.consoleMessages.filter((m) => m.type === 'error' || m.type === 'pageerror');
  assert.deepEqual(errors, []);
});
