// scripts/serve.mjs as scripts/demo.sh runs it with AI_GATEWAY_API_KEY set: the proxy adds the server's key to
// requests without one, so the page works without a key and never sees it; other sites cannot use the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, generateWith, root } from './harness.mjs';

const SERVER_KEY = 'vck_server_side_key_abcdef0123456789';
let h;
before(async () => {
  h = await launch({ apiKey: SERVER_KEY, mockKeys: [SERVER_KEY], viewport: { width: 420, height: 900 } });
});
after(async () => { await h?.close(); });

/** A raw request to the proxy with chosen headers (fetch would not let us set Host). */
function post(pathname, headers) {
  const url = new URL(pathname, h.server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'bfl/flux-2-pro', prompt: 'proxy check', size: '64x64' }));
  });
}

test('with a server key the page needs none, and the key never reaches the browser (narrow screen)', async () => {
  await h.open();
  await h.page.waitForFunction(() => /No key needed/.test(document.getElementById('key-state').textContent));
  await h.page.selectOption('#size', '512x512');
  await generateWith(h.page, { model: 'bfl/flux-2-pro', prompt: 'a server-side key' });
  assert.equal(await h.page.isHidden('[data-testid="error"]'), true, await h.page.textContent('[data-testid="error"]'));
  assert.equal(await h.page.locator('[data-testid="result-card"]').count(), 1);
  for (const r of await h.settledRequests()) {
    assert.equal(r.headers.authorization, undefined, `the page sent no key: ${r.url}`);
    assert.ok(!JSON.stringify(r).includes(SERVER_KEY));
  }
  const page = await h.page.evaluate(() => document.documentElement.outerHTML + JSON.stringify({ ...localStorage }));
  assert.ok(!page.includes(SERVER_KEY));
  const info = await (await fetch(new URL('/server.json', h.server.url))).text();
  // What the page may know: whether there is a proxy and a key (never the key), and its CSP's connect-src (to
  // explain a blocked Base URL).
  assert.deepEqual(JSON.parse(info), { proxy: '/v1', serverKey: true, mock: true, connectSrc: ["'self'", 'https://ai-gateway.vercel.sh', 'http://127.0.0.1:*', 'http://localhost:*'] });
  await h.screenshot('narrow.png');
});

test('the proxy refuses requests from other sites and foreign host names, so they cannot spend the key', async () => {
  const host = new URL(h.server.url).host;
  assert.equal(await post('/v1/images/generations', {}), 200, 'a program (no Origin) is served with the server key');
  assert.equal(await post('/v1/images/generations', { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }), 200);
  assert.equal(await post('/v1/images/generations', { origin: 'http://evil.example' }), 403);
  assert.equal(await post('/v1/images/generations', { 'sec-fetch-site': 'cross-site' }), 403);
  assert.equal(await post('/v1/images/generations', { host: `evil.example:${new URL(h.server.url).port}` }), 403, 'DNS rebinding');
});

test('serve.mjs and demo.sh describe themselves on --help', () => {
  assert.match(execFileSync(process.execPath, [path.join(root, 'scripts/serve.mjs'), '--help'], { encoding: 'utf8' }), /--gateway URL/);
  assert.match(execFileSync('bash', [path.join(root, 'scripts/demo.sh'), '--help'], { encoding: 'utf8' }), /AI_GATEWAY_API_KEY/);
});
