// scripts/serve.mjs's static files (issue 22): compressed by Accept-Encoding (brotli preferred, gzip), Vary, the .wasm
// as application/wasm, ETag / Last-Modified revalidation (304), the CSP on every answer, and bytes that decompress
// to the file on disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, CSP, pickEncoding } from '../../scripts/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let server;
before(async () => { server = await start({ port: 0, gateway: null }); });
after(() => server.close());

/** A raw GET (node:http does not decode bodies): { status, headers, body }. */
function get(p, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(new URL(p, server.url), { headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}
const decode = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync };

const FILES = [
  ['/imagegate/dist/imagegate_wasm.wasm', 'wasm/dist/imagegate_wasm.wasm', 'application/wasm'],
  ['/imagegate/js/core.mjs', 'wasm/js/core.mjs', 'text/javascript; charset=utf-8'],
  ['/', 'web/index.html', 'text/html; charset=utf-8'],
];

for (const [url, file, type] of FILES) {
  test(`serve: ${url} in every encoding decompresses to the file`, async () => {
    const want = readFileSync(path.join(root, file));
    for (const [accept, encoding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip', 'gzip'], ['identity', undefined], [undefined, undefined]]) {
      const r = await get(url, accept === undefined ? {} : { 'accept-encoding': accept });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], type);
      assert.equal(r.headers['content-encoding'], encoding, `Accept-Encoding: ${accept}`);
      assert.equal(r.headers.vary, 'Accept-Encoding');
      assert.equal(r.headers['content-security-policy'], CSP);
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.equal(Number(r.headers['content-length']), r.body.length);
      const bytes = encoding ? decode[encoding](r.body) : r.body;
      assert.ok(bytes.equals(want), `${url} (${encoding ?? 'identity'}) is the file's bytes`);
      if (encoding && want.length > 4096) assert.ok(r.body.length < want.length * 0.8, `${encoding} made it smaller`);
    }
  });
}

test('serve: a reload that changed nothing is a 304 (ETag, or Last-Modified), with the CSP; a changed file is not', async () => {
  const first = await get('/imagegate/js/core.mjs', { 'accept-encoding': 'br' });
  assert.match(first.headers.etag, /^W\/"/);
  assert.equal(first.headers['last-modified'], new Date(Math.floor(statSync(path.join(root, 'wasm/js/core.mjs')).mtimeMs / 1000) * 1000).toUTCString());
  for (const h of [{ 'if-none-match': first.headers.etag }, { 'if-none-match': `"x", ${first.headers.etag}` },
    { 'if-modified-since': first.headers['last-modified'] }]) {
    const r = await get('/imagegate/js/core.mjs', { 'accept-encoding': 'br', ...h });
    assert.equal(r.status, 304, JSON.stringify(h));
    assert.equal(r.body.length, 0);
    assert.equal(r.headers.etag, first.headers.etag);
    assert.equal(r.headers['content-security-policy'], CSP);
    assert.equal(r.headers.vary, 'Accept-Encoding');
  }
  const stale = await get('/imagegate/js/core.mjs', { 'if-none-match': 'W/"0-0"' });
  assert.equal(stale.status, 200);
  const old = await get('/imagegate/js/core.mjs', { 'if-modified-since': new Date(0).toUTCString() });
  assert.equal(old.status, 200);
});

test('serve: images are not recompressed; a missing file is a 404 with the CSP', async () => {
  const fav = await get('/favicon.svg', { 'accept-encoding': 'br' });  // SVG is text: compressed when big enough
  assert.equal(fav.status, 200);
  const missing = await get('/nope.mjs', { 'accept-encoding': 'br' });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['content-security-policy'], CSP);
});

test('serve: Accept-Encoding negotiation', () => {
  assert.equal(pickEncoding('gzip, deflate, br'), 'br');
  assert.equal(pickEncoding('br;q=0, gzip;q=0.5'), 'gzip');
  assert.equal(pickEncoding('*'), 'br');
  assert.equal(pickEncoding('*;q=0'), null);
  assert.equal(pickEncoding('gzip;q=0, deflate'), null);
  assert.equal(pickEncoding(''), null);
  assert.equal(pickEncoding(undefined), null);
});
