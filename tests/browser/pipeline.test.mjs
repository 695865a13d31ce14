// Issue 17 in Chromium: the one request loop on the browser's transports (emscripten_fetch over the page's
// XMLHttpRequest; fetch() for streams) — onRetry, idleTimeout, connection errors with a cause — through the
// package's public API, in the demo page's origin (same-origin /v1 proxy to the mock gateway).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

const KEY = 'vck_pipeline_test_key_0123456789';
let h;
before(async () => {
  h = await launch({ mockKeys: [KEY] });
  await h.open();
});
afterEach(() => h.server.mock.setFault(null));
after(async () => { await h?.close(); });

/** Runs fn([key, which]) in the page (Playwright's own channel: the page's CSP allows no eval); fn imports the package itself. */
const inPage = (which, fn) => h.page.evaluate(fn, [KEY, which]);

// Every scenario runs against both clients: createClient (main thread) and imagegate/worker's createWorkerClient.
for (const which of ['main', 'worker']) {
  const name = (t) => `${t} [${which === 'worker' ? 'createWorkerClient' : 'createClient'}]`;

  test(name('onRetry is told before each wait, on the images route and on a stream'), async () => {
    h.server.mock.setFault(`fail-first=2:429,retry-after-ms=20,tag=${which === 'worker' ? 2 : 1}`);  // tag: a fail-first counter per client
    const images = await inPage(which, async ([key, which]) => {
      const ig = await import('/imagegate/js/index.mjs');
      const make = which === 'worker' ? (await import('/imagegate/js/worker.mjs')).createWorkerClient : ig.createClient;
      const seen = [];
      const c = await make({ apiKey: key, baseURL: '/v1', onRetry: ({ attempt, delayMs, error }) => seen.push([attempt, delayMs, error.status, error.retryAfterMs, error.constructor.name]) });
      const res = await c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '64x48' });
      return { seen, format: res.images[0].format, width: res.images[0].width };
    });
    assert.deepEqual(images.seen, [[1, 20, 429, 20, 'RateLimitError'], [2, 20, 429, 20, 'RateLimitError']]);
    assert.deepEqual([images.format, images.width], ['png', 64]);
    h.server.mock.setFault('status=503,retry-after-ms=5');
    const stream = await inPage(which, async ([key, which]) => {
      const ig = await import('/imagegate/js/index.mjs');
      const make = which === 'worker' ? (await import('/imagegate/js/worker.mjs')).createWorkerClient : ig.createClient;
      const seen = [];
      const c = await make({ apiKey: key, baseURL: '/v1', maxRetries: 1 });
      try {
        for await (const _ of c.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'x' }] }, { onRetry: (i) => seen.push([i.attempt, i.delayMs, i.error.status]) }));
      } catch (err) { return { seen, error: err.constructor.name }; }
      return { seen, error: null };
    });
    assert.deepEqual(stream, { seen: [[1, 5, 503]], error: 'InternalServerError' });
  });

  test(name('idleTimeout ends a stalled stream with a message that says it stalled'), async () => {
    h.server.mock.setFault('stall-after=300');
    const r = await inPage(which, async ([key, which]) => {
      const ig = await import('/imagegate/js/index.mjs');
      const make = which === 'worker' ? (await import('/imagegate/js/worker.mjs')).createWorkerClient : ig.createClient;
      const c = await make({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
      const t0 = performance.now();
      try {
        for await (const _ of c.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'x' }] }, { idleTimeout: 250 }));
        return { error: null };
      } catch (err) {
        return { error: err.constructor.name, message: err.message, ms: performance.now() - t0, timeout: err instanceof ig.APIConnectionTimeoutError };
      }
    });
    assert.equal(r.error, 'APIConnectionTimeoutError');
    assert.ok(r.timeout);
    assert.match(r.message, /stalled: no data for 250 ms/);
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
  });

  /** In the page: images.generate and a stream against `baseURL`; how each failed. */
  const failuresAt = (baseURL) => h.page.evaluate(async ([key, url, which]) => {
    const ig = await import('/imagegate/js/index.mjs');
    const make = which === 'worker' ? (await import('/imagegate/js/worker.mjs')).createWorkerClient : ig.createClient;
    const out = {};
    const c = await make({ apiKey: key, baseURL: url, maxRetries: 0 });
    for (const [route, run] of [['images', () => c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'x' })],
      ['stream', async () => { for await (const _ of c.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'x' }] })); }]]) {
      try { await run(); out[route] = 'resolved'; } catch (err) {
        out[route] = { name: err.constructor.name, isConnection: err instanceof ig.APIConnectionError, message: err.message,
          cause: err.cause ? String(err.cause.name ?? err.cause) : null };
      }
    }
    return out;
  }, [KEY, baseURL, which]);

  test(name('a gateway that cannot be reached is an APIConnectionError with the browser\'s error as cause'), async () => {
    // Port 1 on loopback (allowed by the page's connect-src): refused; the browser does not say so.
    const r = await failuresAt('http://127.0.0.1:1/v1');
    for (const route of ['images', 'stream']) {
      assert.equal(r[route].name, 'APIConnectionError', route);
      assert.ok(r[route].isConnection);
      assert.match(r[route].message, /could not be reached/);
    }
    assert.equal(r.stream.cause, 'TypeError', 'fetch()\'s TypeError is kept as cause');
  });

  test(name('a gateway URL that the page\'s Content-Security-Policy blocks is named as such, not "offline or CORS"'), async () => {
    // Not in the demo page's connect-src (and never resolved: the browser blocks it before any network).
    const r = await failuresAt('https://blocked.invalid/v1');
    for (const route of ['images', 'stream']) {
      assert.equal(r[route].name, 'APIConnectionError', route);
      assert.match(r[route].message, /Content-Security-Policy blocked https:\/\/blocked\.invalid \(connect-src\)/, route);
    }
  });
}
