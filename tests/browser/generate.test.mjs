// Generating: the images API with n=2 (facts, download, copy, full size), the keyboard alone, a streamed chat
// with per-image progress and cancel, and editing an attached image (file picker, drop, paste).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, generateWith, runsDone, root } from './harness.mjs';

let h;
before(async () => {
  h = await launch();
  await h.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.server.url.replace(/\/$/, '') });
  await h.open();
  await h.page.fill('#api-key', 'vck_generate_test_key_000000');
  await h.page.press('#api-key', 'Enter');
  await h.page.waitForFunction(() => !document.getElementById('model').hasAttribute('aria-busy'));
});
afterEach(() => h.server.mock.setFault(null));
after(async () => { await h?.close(); });

const lastBody = (suffix) => JSON.parse([...h.requests].reverse().find((r) => r.url.endsWith(suffix) && r.method === 'POST').body);

test('images API with n=2: two images with model, time, size and usage; download, copy, open full size', async () => {
  await h.page.selectOption('#model', 'openai/gpt-image-1');
  await h.page.fill('#n', '2');
  await h.page.selectOption('#size', '512x512');
  await h.page.fill('#provider-options', '{"openai": {"quality": "high"}}');
  await generateWith(h.page, { prompt: 'two red foxes in fresh snow' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true, await h.page.textContent('[data-testid="error"]'));
  assert.deepEqual(lastBody('/v1/images/generations'),
    { model: 'openai/gpt-image-1', prompt: 'two red foxes in fresh snow', n: 2, size: '512x512', providerOptions: { openai: { quality: 'high' } } });

  const cards = h.page.locator('[data-testid="result-card"]');
  assert.equal(await cards.count(), 2);
  for (let i = 0; i < 2; i++) {
    const facts = await cards.nth(i).locator('[data-testid="image-facts"]').textContent();
    assert.match(facts, /^openai\/gpt-image-1 · 512×512 · PNG · [\d.]+ KB · [\d.]+ (ms|s)$/);
    assert.match(await cards.nth(i).locator('[data-testid="image-usage"]').textContent(), /input \d+ · output 2112 · total \d+ tokens/);
    const natural = await cards.nth(i).locator('img').evaluate(async (img) => { await img.decode(); return [img.naturalWidth, img.naturalHeight]; });
    assert.deepEqual(natural, [512, 512]);
  }
  assert.match(await h.page.textContent('#run-status'), /^Done: openai\/gpt-image-1 · 2 images · /);

  // Download: a real file with the PNG signature.
  const [download] = await Promise.all([h.page.waitForEvent('download'), cards.nth(1).locator('[data-testid="download"]').click()]);
  assert.match(download.suggestedFilename(), /^imagegate-[\d-]+-2\.png$/);
  const file = readFileSync(await download.path());
  assert.deepEqual([...file.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  // Copy: the clipboard then holds a PNG.
  await cards.nth(0).locator('[data-testid="copy"]').click();
  await h.page.waitForFunction(() => /copied|could not copy/i.test(document.getElementById('run-status').textContent));
  assert.match(await h.page.textContent('#run-status'), /Image copied to the clipboard/);
  const types = await h.page.evaluate(async () => (await navigator.clipboard.read()).flatMap((item) => item.types));
  assert.deepEqual(types, ['image/png']);

  // Open full size in a modal dialog; Escape closes it.
  await cards.nth(0).locator('[data-testid="open"]').click();
  await h.page.waitForSelector('#viewer[open]');
  const full = await h.page.$eval('#viewer-image', async (img) => { await img.decode(); return [img.naturalWidth, img.clientWidth]; });
  assert.deepEqual(full, [512, 512]);
  await h.screenshot('viewer.png', { fullPage: false });
  await h.page.keyboard.press('Escape');
  await h.page.waitForSelector('#viewer:not([open])', { state: 'attached' });
  await h.screenshot('images-n2.png');
});

test('the keyboard alone: choose a model, type a prompt, Enter, then reach the results', async () => {
  await h.page.fill('#n', '1');
  await h.page.fill('#prompt', '');
  await h.page.fill('#provider-options', '');
  await h.page.focus('#model');
  await h.page.keyboard.press('Home');  // first option: bfl/flux-2-pro
  assert.equal(await h.page.inputValue('#model'), 'bfl/flux-2-pro');
  const order = [];
  for (let i = 0; i < 20 && order.at(-1) !== 'prompt'; i++) {
    await h.page.keyboard.press('Tab');
    order.push(await h.page.evaluate(() => document.activeElement.id));
  }
  assert.equal(order.at(-1), 'prompt', `Tab order: ${order.join(', ')}`);
  await h.page.keyboard.type('a lighthouse, by keyboard');
  await h.page.keyboard.press('Shift+Enter');
  await h.page.keyboard.type('second line');
  assert.equal(await h.page.inputValue('#prompt'), 'a lighthouse, by keyboard\nsecond line');
  const runs = await runsDone(h.page);
  await h.page.keyboard.press('Enter');
  await h.page.waitForFunction((n) => Number(document.getElementById('results').dataset.runs) > n, runs);
  assert.equal(await h.page.locator('[data-testid="result-card"]').count(), 1);
  // Tab on from the prompt reaches the result's Open button, and Enter opens it.
  for (let i = 0; i < 20; i++) {
    await h.page.keyboard.press('Tab');
    if (await h.page.evaluate(() => document.activeElement.dataset.testid === 'open')) break;
  }
  await h.page.keyboard.press('Enter');
  await h.page.waitForSelector('#viewer[open]');
  await h.page.keyboard.press('Escape');
});

test('streamed chat: text appears as it arrives, an image shows its progress, then the image', async () => {
  // Small pieces, so the image event spans many network reads and the page sees it arriving.
  h.server.mock.setFault('chunk=256');
  await h.page.evaluate(() => {
    window.__seen = { progress: [], textBeforeImage: null };
    new MutationObserver(() => {
      const p = document.querySelector('[data-testid="image-progress"]');
      if (p?.dataset.received) window.__seen.progress.push(Number(p.dataset.received));
      if (window.__seen.textBeforeImage === null && document.querySelector('[data-testid="result-card"]')) {
        window.__seen.textBeforeImage = document.querySelector('[data-testid="output-text"]').textContent;
      }
    }).observe(document.getElementById('gallery'), { subtree: true, childList: true, attributes: true });
  });
  await h.page.selectOption('#model', 'google/gemini-2.5-flash-image');
  await h.page.fill('#system-prompt', 'You draw things.');
  await h.page.selectOption('#chat-aspect', '16:9');
  await generateWith(h.page, { prompt: 'a lighthouse at dusk' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true, await h.page.textContent('[data-testid="error"]'));
  const body = lastBody('/v1/chat/completions');
  assert.deepEqual(body.messages, [{ role: 'system', content: 'You draw things.' }, { role: 'user', content: 'a lighthouse at dusk' }]);
  assert.deepEqual(body.modalities, ['text', 'image']);
  assert.deepEqual(body.providerOptions, { google: { imageConfig: { aspectRatio: '16:9' } } });
  assert.equal(body.stream, true);

  const seen = await h.page.evaluate(() => window.__seen);
  assert.ok(seen.progress.length >= 2, `progress updates: ${seen.progress}`);
  assert.ok(seen.progress.at(-1) > seen.progress[0], 'the received byte count grows');
  assert.equal(seen.textBeforeImage, 'Here is "a lighthouse at dusk" as requested.');
  const card = h.page.locator('[data-testid="result-card"]');
  assert.equal(await card.count(), 1);
  assert.match(await card.locator('[data-testid="image-facts"]').textContent(), /^google\/gemini-2\.5-flash-image · 1024×576 · PNG · /);
  assert.match(await h.page.textContent('#run-status'), /Done: .* · prompt \d+ · .* tokens/);
  assert.equal(await h.page.locator('[data-testid="image-progress"]').count(), 0);
  await h.screenshot('chat-streamed.png');
});

test('cancel stops a stream at once and keeps what arrived', async () => {
  // The stream stops after part of the image and hangs: only Cancel (or Escape) ends it.
  h.server.mock.setFault('stall-after=40000');
  await h.page.selectOption('#chat-aspect', '');
  await h.page.fill('#system-prompt', '');
  let done = await generateWith(h.page, { prompt: 'a slow painting', wait: false });
  await h.page.waitForSelector('[data-testid="image-progress"][data-received]');
  assert.match(await h.page.textContent('[data-testid="image-progress"]'), /Receiving image 1… [\d.]+ KB/);
  assert.equal(await h.page.isEnabled('#cancel'), true);
  await h.screenshot('chat-progress.png');
  const t0 = Date.now();
  await h.page.click('#cancel');
  await done(3000);
  assert.ok(Date.now() - t0 < 2000);
  assert.match(await h.page.textContent('#run-status'), /^Cancelled after [\d.]+ (ms|s); what arrived is kept\.$/);
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true);
  assert.equal(await h.page.locator('[data-testid="image-progress"]').count(), 0);
  assert.equal(await h.page.textContent('[data-testid="output-text"]'), 'Here is "a slow painting" as requested.');
  const item = h.page.locator('[data-testid="history-item"]').first();
  assert.equal(await item.getAttribute('data-status'), 'cancelled');

  // An images API request (no stream) is cancelled the same way.
  h.server.mock.setFault('delay=5000');
  done = await generateWith(h.page, { model: 'bfl/flux-2-pro', prompt: 'a slow flux', wait: false });
  await h.page.waitForFunction(() => document.getElementById('generate').disabled);
  await h.page.click('#cancel');
  await done(3000);
  assert.match(await h.page.textContent('#run-status'), /^Cancelled after [\d.]+ (ms|s)\.$/);
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true);
  h.server.mock.setFault('stall-after=40000');

  // Escape cancels too.
  await h.page.selectOption('#model', 'google/gemini-2.5-flash-image');
  done = await generateWith(h.page, { prompt: 'another slow painting', wait: false });
  await h.page.waitForSelector('[data-testid="image-progress"][data-received]');
  await h.page.keyboard.press('Escape');
  await done(3000);
  assert.match(await h.page.textContent('#run-status'), /^Cancelled/);
});

test('editing: an attached image (file picker) goes to the chat model, and the edit comes back', async () => {
  await h.page.setInputFiles('#attach-input', path.join(root, 'tests/fixtures/images/fox-64x48.png'));
  await h.page.waitForSelector('[data-testid="attachment"]:not([hidden])');
  assert.match(await h.page.textContent('#attachment-info'), /^fox-64x48\.png · 64×48 · [\d.]+ (B|KB)$/);
  await generateWith(h.page, { model: 'google/gemini-2.5-flash-image', prompt: 'make the fox purple' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true, await h.page.textContent('[data-testid="error"]'));
  const body = lastBody('/v1/chat/completions');
  const content = body.messages.at(-1).content;
  assert.deepEqual(content[0], { type: 'text', text: 'make the fox purple' });
  assert.equal(content[1].type, 'image_url');
  const fixture = readFileSync(path.join(root, 'tests/fixtures/images/fox-64x48.png'));
  assert.equal(content[1].image_url.url, `data:image/png;base64,${fixture.toString('base64')}`);
  assert.match(await h.page.textContent('[data-testid="output-text"]'), /applied to your image/);
  assert.match(await h.page.textContent('[data-testid="image-facts"]'), /64×48/);
  await h.screenshot('edit.png');
});

test('editing: drop and paste attach an image too; an image model that edits gets images.edit, one that cannot is refused clearly', async () => {
  const attachVia = (kind, file) => h.page.evaluate(async ({ kind, file }) => {
    const blob = await (await fetch(`/fixtures/images/${file}`)).blob();
    const dt = new DataTransfer();
    dt.items.add(new File([blob], file, { type: blob.type }));
    if (kind === 'drop') {
      const zone = document.getElementById('dropzone');
      zone.dispatchEvent(new DragEvent('dragenter', { bubbles: true, dataTransfer: dt }));
      zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    } else {
      document.getElementById('prompt').dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
    }
  }, { kind, file });
  await attachVia('drop', 'fox-64x48.webp');
  await h.page.waitForFunction(() => /fox-64x48\.webp · 64×48/.test(document.getElementById('attachment-info').textContent));
  await attachVia('paste', 'fox-64x48.jpg');
  await h.page.waitForFunction(() => /fox-64x48\.jpg · 64×48/.test(document.getElementById('attachment-info').textContent));

  // recraft-v3 takes no input image (the package's table): refused before anything is sent.
  await h.page.selectOption('#model', 'recraft/recraft-v3');
  await h.page.fill('#prompt', 'edit me');
  await h.page.press('#prompt', 'Enter');
  await h.page.waitForSelector('[data-testid="error"]:not([hidden])');
  assert.equal(await h.page.getAttribute('[data-testid="error"]', 'data-kind'), 'validation');
  assert.equal(await h.page.textContent('[data-testid="error"]'),
    'recraft/recraft-v3 cannot edit images. Pick a model that edits (for example bfl/flux-kontext-pro, openai/gpt-image-1, or a chat model), or remove the image.');
  // FLUX.2 edits through the images API (POST /v1/images/edits).
  await generateWith(h.page, { model: 'bfl/flux-2-pro', prompt: 'edit me' });
  assert.equal(lastBody('/v1/images/edits').model, 'bfl/flux-2-pro');

  await generateWith(h.page, { model: 'google/gemini-2.5-flash-image', prompt: 'sharpen it' });
  const url = lastBody('/v1/chat/completions').messages.at(-1).content[1].image_url.url;
  assert.match(url, /^data:image\/jpeg;base64,\/9j\//);
  await h.page.click('#remove-attachment');
  assert.equal(await h.page.isHidden('[data-testid="attachment"]'), true);
  const errors = h.consoleMessages.filter((m) => m.type === 'error' || m.type === 'pageerror');
  assert.deepEqual(errors, []);
  await h.page.emulateMedia({ colorScheme: 'dark' });
  await h.screenshot('dark.png');
  await h.page.emulateMedia({ colorScheme: 'light' });
});

// Both clients: createClient, and createWorkerClient (the response buffer is transferred from the worker as it is).
for (const which of ['main', 'worker']) {
  test(`the package in the page: images.generate (browser XHR under emscripten_fetch) decodes into the response buffer [${which}]`, async () => {
    const r = await h.page.evaluate(async (which) => {
      const { createClient, sniffImage } = await import('/imagegate/js/index.mjs');
      const make = which === 'worker' ? (await import('/imagegate/js/worker.mjs')).createWorkerClient : createClient;
      const client = await make({ apiKey: 'vck_generate_test_key_000000', baseURL: `${location.origin}/v1`, maxRetries: 0 });
      const res = await client.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '64x48', n: 2 });
      const [a, b] = res.images.map((img) => img.bytes);
      return {
        shared: a.buffer === b.buffer, bufferBytes: a.buffer.byteLength, imageBytes: a.length + b.length,
        ordered: a.byteOffset + a.length <= b.byteOffset, sniffed: res.images.map((img) => ({ ...sniffImage(img.bytes) })),
      };
    }, which);
    assert.equal(r.shared, true, 'both images are views of one buffer: the XHR response');
    assert.ok(r.bufferBytes > r.imageBytes, `the response (${r.bufferBytes} B) holds both images (${r.imageBytes} B)`);
    assert.equal(r.ordered, true);
    assert.deepEqual(r.sniffed, [1, 2].map(() => ({ format: 'png', mimeType: 'image/png', width: 64, height: 48, orientation: 1, displayWidth: 64, displayHeight: 48 })));
  });
}
