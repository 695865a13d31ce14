// Every failure class reads as a clear message, through both routes (images API and streamed chat), and the
// page keeps working afterwards. Faults come from the mock gateway (its default fault, set by the test: the
// page itself has no test hooks); retries are off (Advanced → Retries 0) so each failure shows at once.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { MODELS } from '../../scripts/mock-gateway.mjs';
import { launch, generateWith } from './harness.mjs';

const KEY = 'vck_errors_test_key_0123456789';
let h;

async function setField(id, value) {
  await h.page.fill(id, value);
  await h.page.press(id, 'Tab');  // commits the value (change event)
  // A new key or base URL reloads the models (aria-busy is set synchronously): let that finish before the
  // next fault is armed, or the list request would get it.
  await h.page.waitForFunction(() => !document.getElementById('model').hasAttribute('aria-busy'));
}

before(async () => {
  h = await launch({ mockKeys: [KEY] });
  await h.open();
  await h.page.click('details.advanced summary');
  await setField('#retries', '0');
  await setField('#api-key', KEY);
});
afterEach(() => h.server.mock.setFault(null));
after(async () => { await h?.close(); });

/** Runs one generation and returns the error box's kind and text. */
async function failWith(model, prompt = 'this will fail') {
  await generateWith(h.page, { model, prompt });
  await h.page.waitForSelector('[data-testid="error"]:not([hidden])', { timeout: 2000 });
  return { kind: await h.page.getAttribute('[data-testid="error"]', 'data-kind'), text: await h.page.textContent('[data-testid="error"]') };
}

const IMAGES = 'bfl/flux-2-pro';
const CHAT = 'google/gemini-2.5-flash-image';

test('a bad key (401) says so, on both routes', async () => {
  await setField('#api-key', 'vck_wrong_key_000000000000');
  for (const model of [IMAGES, CHAT]) {
    const { kind, text } = await failWith(model);
    assert.equal(kind, 'auth', model);
    assert.match(text, /^The gateway rejected the key \(401\)\. Paste a valid AI Gateway key under Connection\.401 Invalid API key/);
    assert.ok(!text.includes('vck_wrong_key'), 'the key is not in the message');
  }
  await h.screenshot('error-bad-key.png');
  await setField('#api-key', KEY);
});

test('an unknown model (404) names the model', async () => {
  h.server.mock.setFault('status=404');
  for (const model of [IMAGES, CHAT]) {
    const { kind, text } = await failWith(model);
    assert.equal(kind, 'unknown-model');
    assert.match(text, new RegExp(`^Unknown model “${model.replace(/[./]/g, '\\$&')}”: the gateway does not offer it`));
  }
});

test('a rate limit (429) tells how long to wait', async () => {
  h.server.mock.setFault('status=429');  // retry-after: 1
  let { kind, text } = await failWith(CHAT);
  assert.equal(kind, 'rate-limit');
  assert.match(text, /^Rate limited \(429\): wait 1 s, then try again\./);
  h.server.mock.setFault('status=429,retry-after-ms=2500');
  ({ kind, text } = await failWith(IMAGES));
  assert.equal(kind, 'rate-limit');
  assert.match(text, /^Rate limited \(429\): wait 2\.5 s, then try again\./);
  await h.screenshot('error-rate-limit.png');
});

test('a network failure (nothing listening) is reported for the models and for generation', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  await setField('#base-url', `http://127.0.0.1:${port}/v1`);
  await h.page.waitForFunction(() => /Could not load the models/.test(document.getElementById('models-status').textContent));
  assert.match(await h.page.textContent('#models-status'), /Network error: the gateway at http:\/\/127\.0\.0\.1:\d+\/v1 could not be reached/);
  for (const model of [IMAGES, CHAT]) {
    const { kind, text } = await failWith(model);  // the previous model list stays usable
    assert.equal(kind, 'network');
    assert.match(text, /^Network error: the gateway at http:\/\/127\.0\.0\.1:\d+\/v1 could not be reached/);
  }
  await setField('#base-url', '/v1');
  const imageModels = [...MODELS.values()].filter((m) => m.type === 'image').length;
  assert.match(await h.page.textContent('#models-status'), new RegExp(`${imageModels} image models`));
});

test('a timeout says how long the page waited', async () => {
  await setField('#timeout', '0.5');
  h.server.mock.setFault('delay=3000');
  for (const model of [IMAGES, CHAT]) {
    const { kind, text } = await failWith(model);
    assert.equal(kind, 'timeout');
    assert.match(text, /^Timed out: no answer within 500 ms\. Try again, or raise the timeout under Advanced\./);
  }
  await setField('#timeout', '600');
});

test('an invalid response (corrupt image, cut stream) is reported as such', async () => {
  h.server.mock.setFault('bad-base64');
  let { kind, text } = await failWith(IMAGES);
  assert.equal(kind, 'invalid-response');
  assert.match(text, /^The gateway answered, but the answer is not valid/);
  h.server.mock.setFault('truncate=2000');
  ({ kind, text } = await failWith(CHAT, 'cut me off'));
  assert.equal(kind, 'invalid-response');
  // What arrived before the cut is still shown.
  assert.match(await h.page.textContent('[data-testid="output-text"]'), /^Here is/);
});

test('server errors (500, an error in the middle of a stream) are reported', async () => {
  h.server.mock.setFault('status=500');
  let { kind, text } = await failWith(IMAGES);
  assert.equal(kind, 'server');
  assert.match(text, /^The gateway or the model provider failed\. Try again in a moment\.500 Internal server error/);
  h.server.mock.setFault('error-mid-stream');
  ({ kind, text } = await failWith(CHAT));
  assert.equal(kind, 'server');
  assert.match(text, /^The gateway or the model provider failed\. Try again in a moment\.The upstream provider failed mid-stream/);
});

test('after all that, the page still works', async () => {
  await generateWith(h.page, { model: IMAGES, prompt: 'all is well again' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true);
  assert.equal(await h.page.locator('[data-testid="result-card"]').count(), 1);
  const errors = h.consoleMessages.filter((m) => m.type === 'pageerror');
  assert.deepEqual(errors, []);
  assert.ok(h.consoleMessages.every((m) => !m.text.includes(KEY)));
});
