// imagegate/worker in Chromium: createWorkerClient runs the core and the transport in a module Worker, in the demo
// page's origin under its strict CSP (worker-src 'self'). What only the worker client has: images arrive by
// transfer (no copy), streams are pulled and freed in the worker, aborts and errors cross as messages.
// (The behaviour shared with createClient runs against both clients in pipeline.test.mjs and generate.test.mjs.)
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

const KEY = 'vck_worker_test_key_0123456789abcdef';
let h;
let cspHeader;
before(async () => {
  h = await launch({ mockKeys: [KEY] });
  const res = await h.page.goto(h.server.url);
  cspHeader = res.headers()['content-security-policy'];
  await h.page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
});
afterEach(() => h.server.mock.setFault(null));
after(async () => { await h?.close(); });

const inPage = (fn, arg = null) => h.page.evaluate(fn, [KEY, arg]);
const CHAT = { model: 'google/gemini-2.5-flash-image', modalities: ['text', 'image'], messages: [{ role: 'user', content: 'a lighthouse' }] };

test('the page runs under worker-src \'self\', and the default worker loads there', async () => {
  assert.match(cspHeader, /worker-src 'self'/);
  assert.match(cspHeader, /script-src 'self' 'wasm-unsafe-eval'/);
  const r = await inPage(async ([key]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1' });
    const models = await c.models.list({ imageCapable: true });
    const credits = await c.credits.retrieve();
    const gen = await c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '32x24' });
    const record = await c.generations.retrieve(gen.generationId);
    const json = JSON.stringify(c);
    await c.terminate();
    return { ids: models.map((m) => m.id), json, baseURL: c.baseURL, origin: location.origin, credits: Object.keys(credits).sort(), record: [record.id === gen.generationId, typeof record.model] };
  });
  assert.ok(r.ids.includes('bfl/flux-2-pro'));
  assert.equal(r.baseURL, `${r.origin}/v1`, 'a relative baseURL is the page\'s, not the worker script\'s');
  assert.ok(!r.json.includes(KEY));
  assert.ok(r.credits.length > 0, r.credits.join());
  assert.deepEqual(r.record, [true, 'string']);
  const violations = h.consoleMessages.filter((m) => /Content.Security.Policy|Refused/i.test(m.text));
  assert.deepEqual(violations, []);
});

test('images arrive by transfer: one buffer, the response\'s, moved from the worker, nothing copied', async () => {
  const r = await inPage(async ([key]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const { createClient } = await import('/imagegate/js/index.mjs');
    const params = { model: 'bfl/flux-2-pro', prompt: 'a fox', size: '64x48', n: 2 };
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    const before = await c.workerStats();
    const res = await c.images.generate(params);
    const after = await c.workerStats();
    const [a, b] = res.images.map((img) => img.bytes);
    const main = await (await createClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 })).images.generate(params);
    const same = res.images.every((img, i) => img.bytes.length === main.images[i].bytes.length && img.bytes.every((x, k) => x === main.images[i].bytes[k]));
    await c.terminate();
    return {
      isU8: a instanceof Uint8Array, isAB: a.buffer instanceof ArrayBuffer, shared: a.buffer === b.buffer,
      bufferBytes: a.buffer.byteLength, imageBytes: a.length + b.length, transferred: after.transferredBytes - before.transferredBytes,
      copied: after.copiedBytes - before.copiedBytes, calls: after.calls, same, formats: res.images.map((i) => [i.format, i.width, i.height]),
      usage: JSON.stringify(res.usage) === JSON.stringify(main.usage), requestId: typeof res.requestId, warnings: JSON.stringify(res.warnings) === JSON.stringify(main.warnings),
    };
  });
  assert.equal(r.isU8, true);
  assert.equal(r.isAB, true);
  assert.equal(r.shared, true, 'both images are views of the one transferred response buffer');
  assert.ok(r.bufferBytes > r.imageBytes);
  assert.equal(r.transferred, r.bufferBytes, 'the worker transferred exactly that buffer');
  assert.equal(r.copied, 0);
  assert.equal(r.calls, 0);
  assert.equal(r.same, true, 'the same bytes as the main-thread client');
  assert.deepEqual(r.formats, [['png', 64, 48], ['png', 64, 48]]);
  assert.deepEqual([r.usage, r.requestId, r.warnings], [true, 'string', true]);
});

test('each image also arrives as a Blob made in the worker (same bytes and type); a finalCompletion has its events\' Blobs', async () => {
  const r = await inPage(async ([key, chat]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    const same = async (img) => img.blob instanceof Blob && img.blob.type === img.mimeType &&
      (await img.blob.arrayBuffer()).byteLength === img.bytes.length &&
      new Uint8Array(await img.blob.arrayBuffer()).every((x, k) => x === img.bytes[k]);
    const before = await c.workerStats();
    const res = await c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '64x48', n: 2 });
    const generated = await Promise.all(res.images.map(same));
    const stream = c.chat.completions.stream(chat);
    const events = [];
    for await (const ev of stream) if (ev.type === 'image') events.push(ev);
    const final = await stream.finalCompletion();
    const finalImage = final.choices[0].message.images[0];
    const after = await c.workerStats();
    await c.terminate();
    return { generated, streamed: await same(events[0]), finalSame: await same(finalImage),
      blobBytes: after.blobBytes - before.blobBytes, imageBytes: res.images[0].bytes.length + res.images[1].bytes.length + events[0].bytes.length };
  }, CHAT);
  assert.deepEqual(r.generated, [true, true]);
  assert.equal(r.streamed, true);
  assert.equal(r.finalSame, true);
  assert.equal(r.blobBytes, r.imageBytes, 'one Blob per image: the final completion reuses the event\'s');
});

test('bitmaps: true: images and stream image events also carry an ImageBitmap decoded in the worker; a bad option is a ValidationError', async () => {
  const r = await inPage(async ([key, chat]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0, bitmaps: true });
    const res = await c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '64x48', n: 2 });
    const events = [];
    for await (const ev of c.chat.completions.stream(chat)) if (ev.type === 'image') events.push(ev);
    // The bitmap's pixels are the image's: drawn, the corner pixel equals the <img> decode of the same bytes.
    const pixel = (src) => { const cv = new OffscreenCanvas(src.width, src.height); const g = cv.getContext('2d'); g.drawImage(src, 0, 0); return [...g.getImageData(3, 3, 1, 1).data]; };
    const viaImg = await createImageBitmap(new Blob([res.images[0].bytes], { type: 'image/png' }));
    const out = {
      generated: res.images.map((i) => i.bitmap instanceof ImageBitmap && [i.bitmap.width, i.bitmap.height].join('x')),
      streamed: events.map((e) => e.bitmap instanceof ImageBitmap && e.bitmap.width === e.width && e.bitmap.height === e.height),
      samePixels: JSON.stringify(pixel(res.images[0].bitmap)) === JSON.stringify(pixel(viaImg)),
    };
    await c.terminate();
    const plain = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    out.noBitmap = !('bitmap' in (await plain.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '8x8' })).images[0]);
    await plain.terminate();
    out.bad = await createWorkerClient({ apiKey: key, bitmaps: 'yes' }).then(() => 'no error', (e) => [e.name, e.param]);
    return out;
  }, CHAT);
  assert.deepEqual(r.generated, ['64x48', '64x48']);
  assert.deepEqual(r.streamed, [true]);
  assert.equal(r.samePixels, true);
  assert.equal(r.noBitmap, true, 'only with bitmaps: true');
  assert.deepEqual(r.bad, ['ValidationError', 'bitmaps']);
});

test('objectURLs: true: each image\'s object URL is made in the worker and serves the image until revokeObjectURL', async () => {
  const r = await inPage(async ([key, chat]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0, objectURLs: true });
    const res = await c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '64x48', n: 2 });
    // The page's CSP allows blob: for images only (not connect-src): the URLs are checked as a page uses them, by <img>.
    const load = (url) => new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve(`${img.naturalWidth}x${img.naturalHeight}`);
      img.onerror = () => resolve('failed');
      img.src = url;
    });
    const same = async (img) => (await load(img.objectURL)) === `${img.width}x${img.height}`;
    const urls = res.images.map((i) => typeof i.objectURL === 'string' && i.objectURL.startsWith(`blob:${location.origin}/`));
    const served = await Promise.all(res.images.map(same));
    const shown = await load(res.images[1].objectURL);
    let event = null;
    for await (const ev of c.chat.completions.stream(chat)) if (ev.type === 'image') event = ev;
    const streamed = await same(event);
    c.revokeObjectURL(res.images[0].objectURL);
    await c.workerStats();  // a round trip: the revoke has been handled
    const revoked = (await load(res.images[0].objectURL)) === 'failed' ? 'gone' : 'still served';
    await c.terminate();
    const plain = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    const none = !('objectURL' in (await plain.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a fox', size: '8x8' })).images[0]);
    await plain.terminate();
    const bad = await createWorkerClient({ apiKey: key, objectURLs: 1 }).then(() => 'no error', (e) => [e.name, e.param]);
    return { urls, served, shown, streamed, revoked, none, bad };
  }, CHAT);
  assert.deepEqual(r.urls, [true, true]);
  assert.deepEqual(r.served, [true, true]);
  assert.equal(r.shown, '64x48');
  assert.equal(r.streamed, true);
  assert.equal(r.revoked, 'gone');
  assert.equal(r.none, true, 'only with objectURLs: true');
  assert.deepEqual(r.bad, ['ValidationError', 'objectURLs']);
});

test('memory: after 20 generations of 4–8 MiB images the worker\'s wasm heap in use is back to its baseline ± 1 MiB', async () => {
  const MiB = 1024 * 1024;
  await h.page.evaluate(async (key) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    window.__memClient = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    await window.__memClient.models.list();
  }, KEY);
  const stats = () => h.page.evaluate(() => window.__memClient.workerStats());
  const baseline = await stats();
  assert.ok(baseline.heapUsed > 0 && baseline.heapSize >= baseline.heapUsed, JSON.stringify(baseline));
  const sizes = [];
  let peak = baseline.heapSize;
  for (let i = 0; i < 20; i++) {
    const bytes = (4 + (i % 5)) * MiB;
    h.server.mock.setFault(`image-bytes=${bytes}`);
    sizes.push(await h.page.evaluate(async (k) => {
      const res = await window.__memClient.images.generate({ model: 'bfl/flux-2-pro', prompt: `memory ${k}` });
      return res.images[0].bytes.length;
    }, i));
    peak = Math.max(peak, (await stats()).heapSize);
  }
  const after = await stats();
  await h.page.evaluate(() => window.__memClient.terminate());
  assert.deepEqual(sizes, Array.from({ length: 20 }, (_, i) => (4 + (i % 5)) * MiB), 'every image arrived whole');
  const drift = after.heapUsed - baseline.heapUsed;
  assert.ok(Math.abs(drift) <= MiB, `heap in use ${baseline.heapUsed} → ${after.heapUsed} (${(drift / MiB).toFixed(2)} MiB)`);
  assert.equal(after.calls, 0);
  console.log(`# worker heap: in use ${(baseline.heapUsed / 1024).toFixed(1)} → ${(after.heapUsed / 1024).toFixed(1)} KiB; ` +
    `linear memory ${(baseline.heapSize / MiB).toFixed(2)} → ${(after.heapSize / MiB).toFixed(2)} MiB (largest ${(peak / MiB).toFixed(2)})`);
});

test('a stream broken off early is freed in the worker; a full one gives finalCompletion with the events\' own images', async () => {
  const r = await inPage(async ([key, chat]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    const s1 = c.chat.completions.stream(chat);
    let during = null;
    let first = null;
    for await (const ev of s1) {
      first = ev.type;
      during = await c.workerStats();
      break;
    }
    const afterBreak = await c.workerStats();
    const s2 = c.chat.completions.stream(chat);
    const images = [];
    const types = new Set();
    for await (const ev of s2) { types.add(ev.type); if (ev.type === 'image') images.push(ev.bytes); }
    const afterDone = await c.workerStats();
    const done = await s2.finalCompletion();
    const finalImages = done.choices[0].message.images;
    if (!finalImages?.[0]) return { debug: JSON.stringify(done, (k, v) => (v instanceof Uint8Array ? `u8:${v.length}` : v)) };
    const afterFinal = await c.workerStats();
    // finalCompletion() without iterating: the worker reads the stream itself.
    const s3 = c.chat.completions.stream(chat);
    const only = await s3.finalCompletion();
    const afterOnly = await c.workerStats();
    await c.terminate();
    return {
      first, during: during.streams, afterBreak: afterBreak.streams, types: [...types].sort(), nImages: images.length,
      sameObject: finalImages[0].bytes === images[0], png: [...images[0].subarray(1, 4)].map((x) => String.fromCharCode(x)).join(''),
      afterDone: [afterDone.streams, afterDone.finished], afterFinal: [afterFinal.streams, afterFinal.finished],
      onlyFormat: only.choices[0].message.images[0].format, onlyBytes: only.choices[0].message.images[0].bytes instanceof Uint8Array,
      afterOnly: [afterOnly.streams, afterOnly.finished], copied: afterOnly.copiedBytes, requestId: typeof s2.requestId,
    };
  }, CHAT);
  assert.equal(r.debug, undefined);
  assert.equal(r.during, 1, 'one stream open in the worker while it is read');
  assert.equal(r.afterBreak, 0, 'break → return() → the worker freed the stream');
  assert.ok(r.types.includes('image') && r.types.includes('text'), r.types.join());
  assert.equal(r.nImages, 1);
  assert.equal(r.png, 'PNG');
  assert.deepEqual(r.afterDone, [0, 1], 'a finished stream keeps only what finalCompletion needs');
  assert.equal(r.sameObject, true, 'finalCompletion\'s image is the event\'s own Uint8Array (it crossed once)');
  assert.deepEqual(r.afterFinal, [0, 0]);
  assert.equal(r.onlyFormat, 'png');
  assert.equal(r.onlyBytes, true);
  assert.deepEqual(r.afterOnly, [0, 0]);
  assert.equal(r.copied, 0);
  assert.equal(r.requestId, 'string');
});

test('abort mid-request and mid-stream: APIUserAbortError at once, and nothing left open in the worker', async () => {
  h.server.mock.setFault('delay=5000');
  const images = await inPage(async ([key]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const ig = await import('/imagegate/js/index.mjs');
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    const ac = new AbortController();
    const t0 = performance.now();
    const p = c.images.generate({ model: 'bfl/flux-2-pro', prompt: 'slow' }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    const during = (await c.workerStats()).calls;
    ac.abort(new Error('user left'));
    let err = null;
    try { await p; } catch (e) { err = e; }
    const after = (await c.workerStats()).calls;
    await c.terminate();
    return { during, after, ms: performance.now() - t0, cls: err?.constructor.name, same: err instanceof ig.APIUserAbortError, message: err?.message };
  });
  assert.equal(images.during, 1);
  assert.equal(images.after, 0);
  assert.equal(images.cls, 'APIUserAbortError');
  assert.equal(images.same, true);
  assert.match(images.message, /aborted: user left/);
  assert.ok(images.ms < 2500, `took ${images.ms} ms`);

  h.server.mock.setFault('stall-after=40000');
  const stream = await inPage(async ([key, chat]) => {
    const { createWorkerClient } = await import('/imagegate/js/worker.mjs');
    const c = await createWorkerClient({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
    const ac = new AbortController();
    const s = c.chat.completions.stream(chat, { signal: ac.signal });
    let progress = 0;
    let err = null;
    try {
      for await (const ev of s) {
        if (ev.type === 'image-progress' && ++progress === 1) ac.abort();
      }
    } catch (e) { err = e; }
    const st = await c.workerStats();
    // stream.abort() too, before the first read.
    const s2 = c.chat.completions.stream(chat);
    s2.abort();
    let err2 = null;
    try { for await (const _ of s2); } catch (e) { err2 = e; }
    const st2 = await c.workerStats();
    await c.terminate();
    return { progress, cls: err?.constructor.name, streams: st.streams, cls2: err2?.constructor.name, streams2: st2.streams };
  }, CHAT);
  assert.ok(stream.progress >= 1);
  assert.equal(stream.cls, 'APIUserAbortError');
  assert.equal(stream.streams, 0);
  assert.equal(stream.cls2, 'APIUserAbortError');
  assert.equal(stream.streams2, 0);
});

test('errors arrive as the same classes with the same fields, and the key is in none of them', async () => {
  const r = await inPage(async ([key]) => {
    const { createWorkerClient, AuthenticationError: WAuth } = await import('/imagegate/js/worker.mjs');
    const ig = await import('/imagegate/js/index.mjs');
    const describe = (e) => ({
      cls: e.constructor.name, name: e.name, message: e.message, status: e.status ?? null, param: e.param ?? null,
      requestId: e.requestId ?? null, type: e.type ?? null, headers: e.headers ? Object.keys(e.headers).length : null,
    });
    const out = {};
    for (const which of ['main', 'worker']) {
      const make = which === 'worker' ? createWorkerClient : ig.createClient;
      const wrong = await make({ apiKey: `${key}-wrong`, baseURL: '/v1', maxRetries: 0 });
      const good = await make({ apiKey: key, baseURL: '/v1', maxRetries: 0 });
      const res = {};
      try { await wrong.images.generate({ model: 'bfl/flux-2-pro', prompt: 'x' }); } catch (e) {
        res.auth = { ...describe(e), isAuth: e instanceof ig.AuthenticationError, isAPI: e instanceof ig.APIError, sameExport: WAuth === ig.AuthenticationError, json: JSON.stringify({ ...e }) + e.stack };
      }
      try { await good.images.generate({ prompt: 'no model' }); } catch (e) { res.validation = { ...describe(e), is: e instanceof ig.ValidationError }; }
      try { await good.chat.completions.create({ model: 'nope/unknown-model', messages: [{ role: 'user', content: 'x' }] }); } catch (e) {
        res.notFound = { ...describe(e), is: e instanceof ig.NotFoundError, suggestion: e.suggestion ?? null };
      }
      await wrong.terminate?.();
      await good.terminate?.();
      out[which] = res;
    }
    let fetchErr = null;
    try { await createWorkerClient({ fetch: () => {} }); } catch (e) { fetchErr = [e.constructor.name, e.param]; }
    let optErr = null;
    try { await createWorkerClient({ timeout: -1 }); } catch (e) { optErr = [e.constructor.name, e.param, e instanceof ig.ValidationError]; }
    return { ...out, fetchErr, optErr };
  });
  const strip = ({ json, ...rest }) => rest;
  assert.equal(r.worker.auth.cls, 'AuthenticationError');
  assert.equal(r.worker.auth.isAuth, true);
  assert.equal(r.worker.auth.isAPI, true);
  assert.equal(r.worker.auth.sameExport, true);
  assert.equal(r.worker.auth.status, 401);
  const { requestId: _a, ...mainAuth } = strip(r.main.auth);
  const { requestId: _b, ...workerAuth } = strip(r.worker.auth);
  assert.deepEqual(workerAuth, mainAuth, 'the same class, message and fields as createClient\'s error');
  assert.ok(!r.worker.auth.json.includes(KEY) && !r.worker.auth.message.includes(KEY));
  assert.deepEqual(r.worker.validation, r.main.validation);
  assert.equal(r.worker.validation.cls, 'ValidationError');
  assert.equal(r.worker.validation.is, true);
  assert.deepEqual({ ...r.worker.notFound, requestId: null }, { ...r.main.notFound, requestId: null });
  assert.match(r.worker.notFound.requestId, /^req_/);
  assert.equal(r.worker.notFound.is, true);
  assert.deepEqual(r.fetchErr, ['ValidationError', 'fetch']);
  assert.deepEqual(r.optErr, ['ValidationError', 'timeout', true]);
});

test('your own Worker or URL: a module that imports imagegate/worker/host; a script that cannot load is a typed error', async () => {
  const r = await inPage(async ([key]) => {
    const { createWorkerClient, ImagegateError } = await import('/imagegate/js/worker.mjs');
    const url = new URL('/imagegate/js/worker-host.mjs', location.href);
    const byURL = await createWorkerClient({ apiKey: key, baseURL: '/v1', worker: url });
    const w = new Worker(url, { type: 'module' });
    // Two clients on one Worker of your own: each has its own state there; terminate() leaves your Worker running.
    const a = await createWorkerClient({ apiKey: key, baseURL: '/v1', worker: w });
    const b = await createWorkerClient({ apiKey: key, baseURL: '/v1', worker: w });
    const [ra, rb, rc] = await Promise.all([
      a.images.generate({ model: 'bfl/flux-2-pro', prompt: 'a', size: '32x24' }),
      b.images.generate({ model: 'bfl/flux-2-pro', prompt: 'b', size: '64x48' }),
      byURL.models.list(),
    ]);
    await a.terminate();
    const stillB = (await b.images.generate({ model: 'bfl/flux-2-pro', prompt: 'c', size: '32x24' })).images[0].width;
    let afterTerminate = null;
    try { await a.models.list(); } catch (e) { afterTerminate = e instanceof ImagegateError; }
    let broken = null;
    try { await createWorkerClient({ worker: '/imagegate/js/no-such-worker.mjs' }); } catch (e) { broken = [e.constructor.name, e instanceof ImagegateError]; }
    let bad = null;
    try { await createWorkerClient({ worker: 42 }); } catch (e) { bad = [e.constructor.name, e.param]; }
    await b.terminate();
    await byURL.terminate();
    return { widths: [ra.images[0].width, rb.images[0].width], models: rc.length > 0, stillB, afterTerminate, broken, bad };
  });
  assert.deepEqual(r.widths, [32, 64]);
  assert.equal(r.models, true);
  assert.equal(r.stillB, 32);
  assert.equal(r.afterTerminate, true);
  assert.deepEqual(r.broken, ['ImagegateError', true]);
  assert.deepEqual(r.bad, ['ValidationError', 'worker']);
});

test('helpers in the worker (imagePart, sniffImage, version) and stream previews as Blobs made there', async () => {
  h.server.mock.setFault('huge,chunk=65536');
  const r = await inPage(async ([key, chat]) => {
    const w = await import('/imagegate/js/worker.mjs');
    const main = await import('/imagegate/js/index.mjs');
    const c = await w.createWorkerClient({ apiKey: key, baseURL: '/v1' });
    const png = new Uint8Array(await (await fetch('/fixtures/images/fox-64x48.png')).arrayBuffer());
    const blob = new Blob([png], { type: 'image/png' });
    const [sniffed, part, mainPart] = await Promise.all([c.sniffImage(blob), c.imagePart(blob), main.imagePart(png)]);
    const previews = [];
    let image = null;
    let bytesSeen = false;
    for await (const ev of c.chat.completions.stream(chat)) {
      if (ev.type === 'image-progress') {
        bytesSeen ||= ev.bytes != null;
        if (ev.preview) previews.push({ size: ev.preview.size, isBlob: ev.preview instanceof Blob, head: [...new Uint8Array(await ev.preview.slice(0, 8).arrayBuffer())], choice: ev.choice, index: ev.index });
      }
      if (ev.type === 'image') image = { length: ev.bytes.length, head: [...ev.bytes.subarray(0, 8)] };
    }
    const version = c.version;
    await c.terminate();
    return { sniffed: [sniffed.format, sniffed.width, sniffed.height], same: part.image_url.url === mainPart.image_url.url, version, mainVersion: main.version,
      estimate: w.estimateCost({ id: 'bfl/flux-kontext-pro', type: 'image', pricing: { image: '0.04' } }, { n: 2 }).min, previews, image, bytesSeen };
  }, CHAT);
  assert.deepEqual(r.sniffed, ['png', 64, 48]);
  assert.equal(r.same, true, 'imagePart in the worker gives the main thread\'s data URL');
  assert.equal(r.version, r.mainVersion);
  assert.equal(r.estimate, 0.08);
  assert.equal(r.bytesSeen, false, 'no view of the worker\'s growing buffer crosses');
  assert.ok(r.previews.length >= 1, 'at least one preview');
  for (const p of r.previews) {
    assert.equal(p.isBlob, true);
    assert.deepEqual(p.head, r.image.head, 'a preview is the image\'s first bytes');
    assert.ok(p.size > 0 && p.size <= r.image.length);
    assert.deepEqual([p.choice, p.index], [0, 0]);
  }
});
