// The published package as a user gets it: `npm pack` the package folder, install the tarball into a fresh
// project, then (a) use it from node 20, (c) type-check a strict TypeScript example against its types, (d) the
// README's samples too. Bundlers (Vite, webpack, esbuild) and the other runtimes: runtimes.test.mjs. Nothing here
// reaches into the repo's sources.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { start } from '../../scripts/mock-gateway.mjs';
import { root, bin, tarball as packTarball, project as makeProject } from './packed.mjs';

let work;
let project;
let tarball;
let gw;

before(async () => {
  gw = await start({ port: 0 });
  work = mkdtempSync(path.join(tmpdir(), 'imagegate-pack-'));
  tarball = packTarball(work);
  project = makeProject(path.join(work, 'app'), tarball);
});
after(async () => {
  await gw?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the package and nothing else', () => {
  const list = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  for (const f of ['package/package.json', 'package/js/index.mjs', 'package/js/manual.mjs', 'package/types/index.d.ts',
    'package/dist/imagegate_wasm.mjs', 'package/dist/imagegate_wasm.wasm', 'package/bin/imagegate.mjs']) {
    assert.ok(list.includes(f), `${f} is packed`);
  }
  // Every file an export condition names is in the tarball.
  const { exports } = JSON.parse(readFileSync(path.join(project, 'node_modules/imagegate/package.json'), 'utf8'));
  const targets = Object.values(exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
  assert.ok(targets.length >= 15, targets.join(' '));
  for (const t of targets) assert.ok(list.includes(`package/${t.slice(2)}`), `${t} (an export target) is packed`);
  for (const f of ['package/README.md', 'package/LICENSE', 'package/CHANGELOG.md']) assert.ok(list.includes(f), `${f} is packed`);
  assert.ok(list.every((f) => /^package\/(js|types|bin|dist)\/|^package\/(package\.json|README\.md|CHANGELOG\.md|LICENSE)$/.test(f)), list.join('\n'));
});

test('(a) node 20: import by name, generate against the gateway, decode, CLI on PATH', async () => {
  writeFileSync(path.join(project, 'a.mjs'), `
    import { createClient, decodeBase64, version } from 'imagegate';
    const client = await createClient({ apiKey: 'sk-pack', baseURL: process.argv[2] });
    const res = await client.images.generate({ model: 'bfl/flux-2-pro', prompt: 'pack test', size: '32x24', n: 2 });
    console.log(JSON.stringify({ version, n: res.images.length, w: res.images[0].width, h: res.images[1].height,
      mime: res.images[0].mimeType, foo: new TextDecoder().decode(decodeBase64('Zm9v')) }));
  `);
  // Asynchronously: the mock gateway lives in this process and must keep answering.
  const { stdout } = await promisify(execFile)(process.execPath, ['a.mjs', gw.url], { cwd: project, encoding: 'utf8', timeout: 30_000 });
  const out = JSON.parse(stdout);
  assert.deepEqual(out, { version: '0.1.0', n: 2, w: 32, h: 24, mime: 'image/png', foo: 'foo' });
  const help = execFileSync(path.join(project, 'node_modules/.bin/imagegate'), ['--help'], { encoding: 'utf8' });
  assert.match(help, /Usage: imagegate/);
});

test('(d) every README code sample type-checks with tsc --strict against the packed types', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const samples = [...readme.matchAll(/^```js( browser| browser-worker)?\n([\s\S]*?)^```$/gm)].map((m) => m[2]);
  assert.ok(samples.length >= 8, `found ${samples.length} samples`);
  const dir = path.join(project, 'readme-samples');
  mkdirSync(dir, { recursive: true });
  const files = samples.map((code, i) => {
    const file = path.join(dir, `sample-${i}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    return path.relative(project, file);
  });
  // @types/node comes from the workspace (what a node user of the package has); lib dom for the browser sample.
  const typeRoots = path.join(root, 'node_modules/@types');
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler',
    '--lib', 'es2022,dom', '--typeRoots', typeRoots, '--types', 'node', ...files];
  try {
    execFileSync(process.execPath, [bin('tsc'), ...args], { cwd: project, stdio: 'pipe' });
  } catch (e) {
    assert.fail(`README samples do not type-check:\n${e.stdout}`);
  }
});

test('(c) tsc --strict accepts a typed example and rejects a misuse', () => {
  const tsconfig = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler',
    '--lib', 'es2022,dom'];
  writeFileSync(path.join(project, 'example.ts'), `
    import { createClient, decodeBase64, parseDataUrl, APIError, RateLimitError, type ImageInfo } from 'imagegate';
    import { init } from 'imagegate/manual';
    async function main(key: string): Promise<number> {
      await init({ wasmURL: '/assets/imagegate_wasm.wasm' });
      await init({ wasmModule: await WebAssembly.compile(new Uint8Array(8)) });
      await init({ wasmBinary: new Uint8Array(8) });
      const client = await createClient({ apiKey: key, maxRetries: 1, timeout: 30_000 });
      const res = await client.images.generate({ model: 'bfl/flux-2-pro', prompt: 'x', n: 2, size: '1024x1024' });
      const first: Uint8Array = res.images[0].bytes;   // no "!": without response_format 'url' the bytes are there
      const blob = new Blob([res.images[0].bytes]);      // a BlobPart as it is (a view of an ArrayBuffer)
      const urls = await client.images.generate({ model: 'openai/gpt-image-1', prompt: 'x', response_format: 'url' });
      const link: string = urls.images[0].url;
      const none: null = urls.images[0].bytes;
      const s = client.chat.completions.stream({ model: 'm', messages: [] }, {
        idleTimeout: 5000, onRetry: (i) => console.log(i.attempt, i.delayMs, i.error.status, i.error.retryAfterMs),
      });
      void s; void blob; void link; void none;
      const info: ImageInfo = { format: 'png', mimeType: 'image/png', width: res.images[0].width, height: res.images[0].height,
        orientation: 1, displayWidth: res.images[0].width, displayHeight: res.images[0].height };
      for await (const ev of client.chat.completions.stream({ model: 'google/gemini-2.5-flash-image', messages: [{ role: 'user', content: 'x' }] })) {
        if (ev.type === 'image' && ev.bytes) console.log(ev.bytes.length, ev.mimeType);
        if (ev.type === 'text') console.log(ev.delta);
      }
      try { await client.models.list({ imageCapable: true }); } catch (e) {
        if (e instanceof RateLimitError) console.log(e.status, e.headers);
        else if (e instanceof APIError) console.log(e.requestId);
      }
      return first.length + info.width + decodeBase64('Zm9v').length + parseDataUrl('data:,x').bytes.length;
    }
    void main;
  `);
  execFileSync(process.execPath, [bin('tsc'), ...tsconfig, 'example.ts'], { cwd: project, stdio: 'pipe' });
  writeFileSync(path.join(project, 'misuse.ts'), `
    import { createClient } from 'imagegate';
    const c = await createClient({ apiKey: 42 });
    export {};
  `);
  assert.throws(() => execFileSync(process.execPath, [bin('tsc'), ...tsconfig, 'misuse.ts'], { cwd: project, stdio: 'pipe' }),
    (e) => /apiKey|number/.test(String(e.stdout)));
  // URL images have no bytes: the types say so.
  writeFileSync(path.join(project, 'misuse-url.ts'), `
    import { createClient } from 'imagegate';
    const c = await createClient();
    const r = await c.images.generate({ model: 'm', prompt: 'p', response_format: 'url' });
    const b: Uint8Array = r.images[0].bytes;
    export {};
  `);
  assert.throws(() => execFileSync(process.execPath, [bin('tsc'), ...tsconfig, 'misuse-url.ts'], { cwd: project, stdio: 'pipe' }),
    (e) => /null/.test(String(e.stdout)));
});
