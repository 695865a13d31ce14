// Every code sample in README.md runs here, as a user would run it: ```js blocks as node modules (against the
// mock gateway through AI_GATEWAY_BASE_URL), ```js browser blocks in Chromium (a page with an import map and a
// same-origin /v1 proxy that adds the key), and the `imagegate …` lines of ```sh blocks through the CLI.
// (The ```sh blocks that build or install — scripts/*.sh, npm install — are what scripts/test.sh and
// tests/pack/ themselves do.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { start, encodePNG } from '../../scripts/mock-gateway.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```(\S*)( [^\n]*)?\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], tag: (m[2] ?? '').trim(), code: m[3] }));
const KEY = 'sk-readme-MARKER-42';
let gw;
let dir;
before(async () => {
  gw = await start({ port: 0 });
  // Inside the repo so that 'imagegate' resolves through node_modules, as in a user's project.
  dir = path.join(root, 'test-artifacts', `readme-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // node_modules/imagegate is this tree's package (wasm/), as an installed copy would be; the root's node_modules may
  // be shared with another checkout (a worktree) whose 'imagegate' is not this one.
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  if (!existsSync(path.join(dir, 'node_modules', 'imagegate'))) symlinkSync(path.join(root, 'wasm'), path.join(dir, 'node_modules', 'imagegate'));
  copyFileSync(path.join(root, 'tests/fixtures/images/fox-64x48.png'), path.join(dir, 'photo.png'));
  // mask.png: the photo's size, its left half transparent.
  const px = new Uint8Array(64 * 48 * 4);
  for (let i = 0; i < 64 * 48; i++) px[i * 4 + 3] = i % 64 < 32 ? 0 : 255;
  writeFileSync(path.join(dir, 'mask.png'), encodePNG(px, 64, 48, 4));
  // Files the README shows (```jsonl jobs.jsonl): written as shown.
  for (const b of blocks.filter((x) => x.lang === 'jsonl' && x.tag)) writeFileSync(path.join(dir, b.tag), b.code);
});
after(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (file, args = []) => promisify(execFile)(process.execPath, [file, ...args], {
  cwd: dir, timeout: 60_000, env: { PATH: process.env.PATH, AI_GATEWAY_API_KEY: KEY, AI_GATEWAY_BASE_URL: gw.url },
});

test('the README has the samples this test expects', () => {
  assert.ok(blocks.filter((b) => b.lang === 'js' && !b.tag).length >= 6);
  assert.equal(blocks.filter((b) => b.lang === 'js' && b.tag === 'browser').length, 1);
  assert.ok(blocks.some((b) => b.lang === 'sh' && /^imagegate /m.test(b.code)));
});

test('every node sample runs and prints what it promises', async () => {
  const samples = blocks.filter((b) => b.lang === 'js' && !b.tag);
  for (const [i, { code }] of samples.entries()) {
    const file = path.join(dir, `sample-${i}.mjs`);
    writeFileSync(file, code.replace(/photo\.png|tests\/fixtures\/images\/fox-64x48\.png/g, 'photo.png'));
    if (/signal: controller\.signal/.test(code)) gw.setFault('delay=1000');  // the abort sample needs a slow gateway
    let out;
    try {
      out = await run(file);
    } catch (err) {
      assert.fail(`README sample ${i} failed:\n${code}\n${err.stderr || err.message}`);
    } finally {
      gw.setFault(null);
    }
    const text = out.stdout + out.stderr;
    assert.ok(!text.includes(KEY), 'the key is never printed');
    if (/lighthouse-\$\{i\}\.png/.test(code)) {
      assert.match(out.stdout, /^image\/png 1024 768$/m);
      assert.ok(existsSync(path.join(dir, 'lighthouse-1.png')));
    }
    if (/imageCapable: true/.test(code)) assert.match(out.stdout, /^bfl\/flux-2-pro images$/m);
    if (/imagePart\(photo\)/.test(code)) {
      assert.match(out.stdout, /finish: stop/);
      assert.ok(existsSync(path.join(dir, 'edited-0.png')));
    }
    if (/nope\/unknown-model/.test(code)) assert.match(out.stdout, /^404 model_not_found /m);
    if (/APIUserAbortError\);/.test(code)) assert.match(out.stdout, /^true$/m);
    if (/parseImagesResponse\(body\)/.test(code)) {
      assert.equal(out.stdout, "iVBORw0KGgo= png\nimage/svg+xml 6\nimage/gif\ninvalid_character 4\n");
    }
    if (/imagegate\/manual/.test(code)) assert.equal(out.stdout, '2\n');
    if (/client\.images\.edit\(\{\n/.test(code)) {
      assert.equal(out.stdout, '64 48 gen_ []\n');
      assert.ok(existsSync(path.join(dir, 'night.png')));
    }
    if (/estimateCost\(model/.test(code)) {
      assert.equal(out.stdout, "{\n  currency: 'USD',\n  model: 'bfl/flux-kontext-pro',\n  min: 0.08,\n  max: 0.08,\n  perImage: 0.04,\n  basis: 'per-image'\n}\n" +
        'other n bfl/flux-kontext-pro returns at most 1 image per provider call: n=2 makes 2 calls, each billed\n0.08 bfl true\nstring string\n');
    }
    if (/strict: true/.test(code)) assert.equal(out.stdout, "[ 'mask', 'mask' ]\ntrue mask\n");
    if (/createSseParser\(/.test(code)) assert.equal(out.stdout, 'text/plain utf-8 hi\n3000\n{"id":"1","data":"{\\"a\\":1}"}\n');
  }
});

test('the browser sample runs in Chromium behind a key-adding proxy', async () => {
  const sample = blocks.find((b) => b.tag === 'browser').code;
  const target = new URL(gw.url);
  const files = { '/': `<!doctype html><img alt="result"><script type="importmap">{"imports":{"imagegate":"/pkg/js/index.mjs"}}</script><script type="module">${sample}</script>` };
  const server = createServer((req, res) => {
    if (req.url.startsWith('/v1/')) {  // the same-origin proxy: adds the key, so the page never holds it
      const up = request({ host: target.hostname, port: target.port, path: target.pathname.replace(/\/v1$/, '') + req.url, method: req.method,
        headers: { ...req.headers, host: target.host, authorization: `Bearer ${KEY}` } }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
      req.pipe(up);
      return;
    }
    if (files[req.url]) { res.writeHead(200, { 'content-type': 'text/html' }).end(files[req.url]); return; }
    const file = path.join(root, 'wasm', req.url.replace(/^\/pkg\//, ''));
    if (!req.url.startsWith('/pkg/') || !file.startsWith(path.join(root, 'wasm')) || !existsSync(file)) { res.writeHead(404).end(); return; }
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.querySelector('img').naturalWidth > 0, null, { timeout: 20_000 }).catch(() => {});
    assert.deepEqual(errors, []);
    assert.equal(await page.evaluate(() => document.querySelector('img').naturalWidth), 1024);
  } finally {
    await browser.close();
    server.close();
  }
});

test('the CLI lines run', async () => {
  const lines = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n')).filter((l) => l.startsWith('imagegate '));
  assert.ok(lines.length >= 3);
  assert.ok(lines.some((l) => l.startsWith('imagegate batch jobs.jsonl')));
  for (const line of lines) {
    const args = [...line.slice('imagegate '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
    try {
      await run(path.join(root, 'wasm/bin/imagegate.mjs'), args);
    } catch (err) {
      assert.fail(`${line}\n${err.stderr || err.message}`);
    }
  }
  // The batch sample wrote its manifest: every line succeeded, with a cost.
  const manifest = readFileSync(path.join(dir, 'out', 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(manifest.map((e) => e.line).sort(), [1, 2, 3]);
  assert.ok(manifest.every((e) => e.error === null && e.cost > 0 && e.files.length >= 1));
});
