// The page for people (issue 20): what a click produces is where the person looks at every common screen size; honest
// waiting (elapsed, retry and stall notices); iterate (regenerate, reuse, edit a result with a painted mask), compare
// models, costs, history search/undo, the viewer, the pixel cap; axe-core in each state. Screenshots of every size
// land in test-artifacts/.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, runsDone } from './harness.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SIZES = [[1280, 800], [1366, 768], [1440, 900], [1536, 864], [1920, 1080], [375, 812]];
const KEY = 'vck_page_ux_test_key_0000000';

let h;
before(async () => {
  h = await launch({ viewport: { width: 1280, height: 800 } });
});
afterEach(() => h.server.mock.setFault(null));
after(async () => { await h?.close(); });

const tid = (id) => `[data-testid="${id}"]`;
const page = () => h.page;

/** Whether the element's box lies inside the viewport (no scrolling by the user needed to see it). */
async function inViewport(selector) {
  return page().$eval(selector, (node) => {
    const r = node.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.top < innerHeight && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1
      ? true : `box ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)} in ${innerWidth}×${innerHeight}`;
  });
}
async function assertVisible(selector, what) {
  assert.equal(await inViewport(selector), true, `${what} (${selector}) is inside the viewport`);
}

async function axe(state) {
  const result = await page().evaluate(async (src) => {
    if (!window.axe) (0, eval)(src);
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, axeSource);
  assert.deepEqual(result, [], `axe-core violations ${state}`);
}

async function setKey() {
  if (await page().isHidden(tid('api-key'))) await page().click('#connection-toggle');
  await page().check('#remember-key');
  await page().fill(tid('api-key'), KEY);
  await page().press(tid('api-key'), 'Enter');
  await page().waitForSelector(`${tid('credits')}:not([hidden])`);
}

async function runAndWait(start) {
  const before = await runsDone(page());
  await start();
  await page().waitForFunction((n) => Number(document.getElementById('results').dataset.runs ?? 0) > n, before, { timeout: 30000 });
}

async function fresh({ key = true } = {}) {
  await page().goto(h.server.url);
  await page().evaluate(async () => {
    localStorage.clear();
    await new Promise((resolve) => { const r = indexedDB.deleteDatabase('imagegate'); r.onsuccess = r.onerror = r.onblocked = resolve; });
  });
  await h.open(undefined, { options: false });
  if (key) await setKey();
}

test('every size: prompt, model and Generate above the fold; the error and then the result appear in view', async () => {
  for (const [width, height] of SIZES) {
    await page().setViewportSize({ width, height });
    await fresh({ key: false });
    for (const id of ['model', 'prompt', 'generate']) await assertVisible(tid(id), `${id} at ${width}×${height}`);
    await h.screenshot(`page-${width}x${height}-start.png`, { fullPage: false });
    if (width === 1280) await axe('at the start');

    // A first click with no key does something visible: it says what is missing, where the person looks.
    await page().fill(tid('prompt'), 'a lighthouse at dusk');
    await page().click(tid('generate'));
    await page().waitForSelector(`${tid('error')}:not([hidden])`);
    assert.match(await page().textContent(tid('error')), /key/i);
    // Wide: in the results beside the form; narrow: beside the key field, which has the focus.
    if (width > 820) await assertVisible(tid('error'), `the error at ${width}×${height}`);
    assert.match(await page().textContent(tid('key-state')), /Paste your AI Gateway key under Connection first/);
    await assertVisible(tid('key-state'), `the key hint at ${width}×${height}`);
    assert.equal(await page().evaluate(() => document.activeElement.dataset.testid), 'api-key');
    await h.screenshot(`page-${width}x${height}-no-key.png`, { fullPage: false });
    if (width === 375) await axe('with the no-key error on a phone');

    await setKey();
    // The connection folds to one line once the key works.
    assert.equal(await page().isHidden('#connection-form'), true);
    assert.match(await page().textContent(tid('key-summary')), /…0000 ✓/);
    await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
    await runAndWait(() => page().click(tid('generate')));
    await page().waitForSelector(tid('result-image'));
    await page().$eval(tid('result-image'), (img) => img.decode());
    // Wide screens: the form stays beside the results (a phone scrolls to the results instead).
    if (width > 820) await assertVisible(tid('generate'), `Generate after the run at ${width}×${height}`);
    const image = await page().$eval(tid('result-image'), (img) => {
      const r = img.getBoundingClientRect();
      return { top: r.top, visible: Math.min(r.bottom, innerHeight) - Math.max(r.top, 0), height: r.height };
    });
    assert.ok(image.top >= 0 && image.visible >= Math.min(image.height, 150), `the result image is in view at ${width}×${height}: ${JSON.stringify(image)}`);
    await h.screenshot(`page-${width}x${height}-result.png`, { fullPage: false });
    if (width === 1280) await axe('with a result');
  }
  await page().setViewportSize({ width: 1280, height: 800 });
});

test('compare two models: a slot each, with its own images, time and charged cost; the estimate before', async () => {
  await fresh();
  await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
  await page().click(tid('compare'));
  await page().selectOption(tid('compare-model'), 'openai/gpt-image-1');
  await page().fill(tid('prompt'), 'two foxes');
  assert.match(await page().textContent(tid('cost-estimate')), /^Estimated cost: about \$0\.082\.$/);  // 0.04 + 0.042
  await runAndWait(() => page().click(tid('generate')));
  const slots = page().locator(tid('compare-slot'));
  assert.equal(await slots.count(), 2);
  for (const [k, model] of ['bfl/flux-kontext-pro', 'openai/gpt-image-1'].entries()) {
    const slot = slots.nth(k);
    assert.equal(await slot.getAttribute('data-model'), model);
    assert.equal(await slot.locator(tid('result-image')).count(), 1);
    assert.match(await slot.locator(tid('slot-time')).textContent(), /^\d+(\.\d)? (ms|s)$/);
    await slot.locator(`${tid('cost')}:not([hidden])`).waitFor();
    assert.match(await slot.locator(tid('cost')).textContent(), /^charged \$0\.0\d+$/);
  }
  const bodies = h.requests.filter((r) => r.url.endsWith('/v1/images/generations')).slice(-2).map((r) => JSON.parse(r.body).model).sort();
  assert.deepEqual(bodies, ['bfl/flux-kontext-pro', 'openai/gpt-image-1']);
  await h.screenshot('page-compare.png', { fullPage: false });
  await axe('with two compare slots');
  // Both runs are in the history, one entry per model.
  assert.equal(await page().locator(tid('history-item')).count(), 2);
});

test('regenerate repeats the request; reuse (from the history) restores prompt, models and settings', async () => {
  await fresh();
  await page().selectOption(tid('model'), 'openai/gpt-image-1');
  await page().$eval('#options', (d) => { d.open = true; });
  await page().selectOption('#size', '512x512');
  await page().fill(tid('prompt'), 'a paper boat');
  await runAndWait(() => page().click(tid('generate')));
  const sent = () => h.requests.filter((r) => r.url.endsWith('/v1/images/generations')).map((r) => r.body);
  const first = sent().at(-1);
  await runAndWait(() => page().click(tid('regenerate')));
  assert.equal(sent().at(-1), first);
  assert.equal(await page().locator(tid('history-item')).count(), 2);

  await page().fill(tid('prompt'), 'something else');
  await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
  await page().selectOption('#size', '');
  await page().locator(`${tid('history-item')} ${tid('reuse')}`).first().click();
  assert.equal(await page().inputValue(tid('prompt')), 'a paper boat');
  assert.equal(await page().inputValue(tid('model')), 'openai/gpt-image-1');
  assert.equal(await page().inputValue('#size'), '512x512');
});

test('edit a result with a painted mask: images.edit gets the image and a mask of its size', async () => {
  await fresh();
  await page().selectOption(tid('model'), 'openai/gpt-image-1');
  await page().fill(tid('prompt'), 'a red door');
  await runAndWait(() => page().click(tid('generate')));
  await page().click(tid('edit-result'));
  await page().waitForSelector(`${tid('attachment')}:not([hidden])`);
  await page().selectOption(tid('model'), 'openai/gpt-image-2');  // takes masks
  const canvas = page().locator(tid('mask-editor'));
  await canvas.waitFor();
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  await page().mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await page().mouse.down();
  await page().mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 8 });
  await page().mouse.up();
  assert.equal(await canvas.getAttribute('data-painted'), 'true');
  await h.screenshot('page-mask.png', { fullPage: false });
  await axe('with the mask editor');
  await page().fill(tid('prompt'), 'make the door blue');
  await runAndWait(() => page().click(tid('generate')));
  assert.equal(await page().isHidden(tid('error')), true, await page().textContent(tid('error')));
  const edit = h.requests.filter((r) => r.url.endsWith('/v1/images/edits')).at(-1);
  assert.ok(edit, 'the edit went to /v1/images/edits');
  const body = JSON.parse(edit.body);
  assert.equal(body.model, 'openai/gpt-image-2');
  // JSON edits (API.md §9.1): images: [{ image_url }], mask: { image_url }, each a data URL.
  const png = ({ image_url: url }) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const image = png(body.images[0]);
  const mask = png(body.mask);
  assert.deepEqual([...mask.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  const dims = (b) => [b.readUInt32BE(16), b.readUInt32BE(20)];
  assert.deepEqual(dims(mask), dims(image), 'the mask has the image\'s size');
  assert.equal(await page().locator(tid('result-image')).count(), 1);
  // Erasing everything leaves no mask.
  await page().click(tid('edit-result'));
  await page().waitForSelector(`${tid('mask-editor')}:visible`);
  assert.equal(await page().locator(tid('mask-editor')).getAttribute('data-painted'), 'false');
});

test('history: search by prompt and model, delete with undo, clear all with undo; failed runs are kept', async () => {
  await fresh();
  for (const [model, prompt] of [['bfl/flux-kontext-pro', 'a green apple'], ['openai/gpt-image-1', 'a blue pear']]) {
    await page().selectOption(tid('model'), model);
    await page().fill(tid('prompt'), prompt);
    await runAndWait(() => page().click(tid('generate')));
  }
  h.server.mock.setFault('status=500');
  await page().fill(tid('prompt'), 'a failing plum');
  await runAndWait(() => page().click(tid('generate')));
  const items = page().locator(tid('history-item'));
  assert.equal(await items.count(), 3);
  assert.equal(await items.first().getAttribute('data-status'), 'error');
  assert.match(await items.first().locator(tid('history-error')).textContent(), /failed/i);
  h.server.mock.setFault(null);

  await page().fill(tid('history-search'), 'pear');
  assert.equal(await items.count(), 1);
  await page().fill(tid('history-search'), 'kontext');
  assert.equal(await items.count(), 1);
  assert.match(await items.first().textContent(), /green apple/);
  await page().fill(tid('history-search'), '');
  assert.equal(await items.count(), 3);

  await items.nth(1).locator(tid('history-delete')).click();
  await page().waitForFunction(() => document.querySelectorAll('[data-testid="history-item"]').length === 2);
  await page().click(tid('undo'));
  await page().waitForFunction(() => document.querySelectorAll('[data-testid="history-item"]').length === 3);
  await page().click(tid('history-clear'));
  await page().waitForFunction(() => document.querySelectorAll('[data-testid="history-item"]').length === 0);
  await axe('with the undo bar');
  await page().click(tid('undo'));
  await page().waitForFunction(() => document.querySelectorAll('[data-testid="history-item"]').length === 3);
  await page().reload();
  await page().waitForSelector('#history[data-loaded]', { state: 'attached' });
  assert.equal(await items.count(), 3, 'undone deletions are back in IndexedDB');
});

test('a 429 shows "retrying in N s (rate limited)"; a stalled stream shows a notice, then its own error', async () => {
  await fresh();
  h.server.mock.setFault('fail-first=1:429,retry-after-ms=2500');
  await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
  await page().fill(tid('prompt'), 'rate limited fox');
  await page().click(tid('generate'));
  await page().waitForSelector(`${tid('retry-notice')}:not([hidden])`);
  assert.match(await page().textContent(tid('retry-notice')), /^Retrying in [1-3] s \(rate limited; retry 1 of 2\)\.$/);
  await assertVisible(tid('retry-notice'), 'the retry notice');
  assert.match(await page().textContent(tid('elapsed')), /\d/);
  await h.screenshot('page-retry.png', { fullPage: false });
  await axe('while retrying');
  await page().waitForFunction(() => Number(document.getElementById('results').dataset.runs ?? 0) >= 1, null, { timeout: 20000 });
  assert.equal(await page().isHidden(tid('retry-notice')), true);
  assert.equal(await page().locator(tid('result-image')).count(), 1);

  h.server.mock.setFault('stall-after=200');
  await page().click('#connection-toggle');
  await page().click('#advanced summary');
  await page().fill(tid('idle-timeout'), '3');
  await page().dispatchEvent(tid('idle-timeout'), 'change');
  await page().selectOption(tid('model'), 'google/gemini-2.5-flash-image');
  await page().fill(tid('prompt'), 'a stalled stream');
  await runAndWait(async () => {
    await page().click(tid('generate'));
    await page().waitForSelector(`${tid('stall-notice')}:not([hidden])`, { timeout: 5000 });
    assert.match(await page().textContent(tid('stall-notice')), /Nothing has arrived for [1-3] s: the stream may have stalled/);
  });
  assert.match(await page().textContent(tid('error')), /stalled/);
  assert.equal(await page().getAttribute(tid('error'), 'data-kind'), 'stall');
  await axe('with the stall error');
});

test('a streamed image shows what has arrived (a progressive preview) before it is complete', async () => {
  await fresh();
  h.server.mock.setFault('huge,chunk=65536,delay-events=0');
  await page().selectOption(tid('model'), 'google/gemini-2.5-flash-image');
  await page().fill(tid('prompt'), 'a slow big image');
  // Slow the stream down in the page's worker: every network chunk then arrives on its own.
  await runAndWait(async () => {
    await page().click(tid('generate'));
    await page().waitForSelector(`${tid('image-preview')}`, { timeout: 20000 });
    const bytes = await page().$eval(tid('image-progress'), (n) => Number(n.dataset.previewBytes));
    assert.ok(bytes > 0);
  });
  assert.equal(await page().locator(tid('result-image')).count(), 1);
});

test('an image that declares 50 000 × 50 000 pixels is not rendered: a message and a download instead', async () => {
  await fresh();
  h.server.mock.setFault('declare-size=50000');
  await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
  await page().fill(tid('prompt'), 'a decompression bomb');
  await runAndWait(() => page().click(tid('generate')));
  await page().waitForSelector(tid('pixel-cap'));
  assert.match(await page().textContent(tid('pixel-cap')), /50000×50000 pixels \(2500 MP\)/);
  assert.equal(await page().locator(tid('result-image')).count(), 0);
  assert.equal(await page().locator(`${tid('history-item')} img`).count(), 0, 'no thumbnail either');
  assert.equal(await page().locator(`${tid('result-card')} ${tid('download')}`).count(), 1);
});

test('the viewer: fit to screen, zoom toggle, previous/next across the run and the history, download inside', async () => {
  await fresh();
  await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
  await page().fill(tid('prompt'), 'first');
  await runAndWait(() => page().click(tid('generate')));
  await page().$eval('#options', (d) => { d.open = true; });
  await page().fill('#n', '2');
  await page().fill(tid('prompt'), 'second');
  await runAndWait(() => page().click(tid('generate')));
  await page().locator(tid('result-image')).first().click();
  await page().waitForSelector('#viewer[open]');
  const fit = await page().$eval('#viewer-image', async (img) => {
    await img.decode();
    const body = img.parentElement.getBoundingClientRect(), r = img.getBoundingClientRect();
    return { fits: r.width <= body.width + 1 && r.height <= body.height + 1, natural: img.naturalWidth };
  });
  assert.deepEqual(fit, { fits: true, natural: 1024 });
  assert.match(await page().textContent('#viewer-position'), /^1 of 3$/);  // this run's two, then the first run's
  await page().click(tid('viewer-zoom'));
  assert.equal(await page().getAttribute(tid('viewer-zoom'), 'aria-pressed'), 'true');
  assert.equal(await page().$eval('#viewer-image', (img) => img.getBoundingClientRect().width), 1024);
  await axe('with the viewer open');
  await page().click(tid('viewer-next'));
  assert.match(await page().textContent('#viewer-position'), /^2 of 3$/);
  await page().click(tid('viewer-next'));
  assert.match(await page().textContent('#viewer-title'), /Image 1 from bfl\/flux-kontext-pro/);
  await page().click(tid('viewer-prev'));
  assert.match(await page().textContent('#viewer-position'), /^2 of 3$/);
  const [download] = await Promise.all([page().waitForEvent('download'), page().click(tid('viewer-download'))]);
  assert.match(download.suggestedFilename(), /^imagegate-[\d-]+-2\.png$/);
  await page().keyboard.press('Escape');
  await page().waitForSelector('#viewer:not([open])', { state: 'attached' });
});

test('messages that say what to fix: a wrong base URL, a URL the page\'s CSP blocks', async () => {
  await fresh();
  await page().click('#connection-toggle');
  await page().click('#advanced summary');
  await page().fill(tid('base-url'), '/');
  await page().dispatchEvent(tid('base-url'), 'change');
  await page().fill(tid('prompt'), 'wrong url');
  await runAndWait(() => page().click(tid('generate')));
  assert.match(await page().textContent(tid('error')), /Base URL/);
  await page().fill(tid('base-url'), 'https://example.com/v1');
  await page().dispatchEvent(tid('base-url'), 'change');
  await runAndWait(() => page().click(tid('generate')));
  assert.match(await page().textContent(tid('error')), /Content-Security-Policy does not allow connections to https:\/\/example\.com\/v1/);
  await page().fill(tid('base-url'), '/v1');
  await page().dispatchEvent(tid('base-url'), 'change');
});

test('the form: an attachment goes to images.edit for FLUX Kontext; size and aspect ratio that contradict are refused; the provider-options example follows the model', async () => {
  await fresh();
  await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
  assert.match(await page().getAttribute('#provider-options', 'placeholder'), /^\{"blackForestLabs"/);
  await page().selectOption(tid('model'), 'openai/gpt-image-1');
  assert.match(await page().getAttribute('#provider-options', 'placeholder'), /^\{"openai"/);
  await page().selectOption(tid('model'), 'google/gemini-2.5-flash-image');
  assert.match(await page().getAttribute('#provider-options', 'placeholder'), /^\{"google": \{"imageConfig"/);

  await page().selectOption(tid('model'), 'bfl/flux-kontext-pro');
  await page().$eval('#options', (d) => { d.open = true; });
  await page().selectOption('#size', '1024x1024');
  await page().selectOption('#aspect', '16:9');
  await page().fill(tid('prompt'), 'contradiction');
  const sent = h.requests.length;
  await page().click(tid('generate'));
  await page().waitForSelector(`${tid('error')}:not([hidden])`);
  assert.match(await page().textContent(tid('error')), /Size 1024x1024 and aspect ratio 16:9 contradict each other/);
  assert.equal(h.requests.slice(sent).filter((r) => r.url.includes('/v1/images')).length, 0, 'nothing was sent');
  await page().selectOption('#aspect', '1:1');  // agrees with the size: fine

  const png = readFileSync(new URL('../fixtures/images/fox-64x48.png', import.meta.url));
  await page().setInputFiles('#attach-input', { name: 'door.png', mimeType: 'image/png', buffer: png });
  await page().waitForSelector(`${tid('attachment')}:not([hidden])`);
  assert.equal(await page().isHidden('#mask'), true, 'Kontext takes no mask: no mask editor');
  await page().fill(tid('prompt'), 'paint it blue');
  await runAndWait(() => page().click(tid('generate')));
  assert.equal(await page().isHidden(tid('error')), true, await page().textContent(tid('error')));
  const edit = h.requests.filter((r) => r.url.endsWith('/v1/images/edits')).at(-1);
  assert.equal(JSON.parse(edit.body).model, 'bfl/flux-kontext-pro');
  assert.equal(await page().locator(tid('result-image')).count(), 1);
});
