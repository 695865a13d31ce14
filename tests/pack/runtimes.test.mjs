// Issue 21: the npm tarball in every runtime its users run it in, each the way that runtime's users get it:
//   node 20, Bun, Deno (npm package + node_modules)         the "node"/"bun"/"deno" conditions: js/node.mjs
//   Cloudflare workerd, bundled by wrangler (plain and       the "workerd" condition: js/edge.mjs, the .wasm a
//     nodejs_compat; run by miniflare)                        CompiledWasm module
//   Vercel's Edge Runtime (edge-runtime, production rules:   the "edge-light" condition, bundled by webpack the way
//     no wasm compiled from bytes)                            Next.js bundles edge routes (`.wasm?module` → a module)
//   Chromium and Firefox ESR (WebDriver BiDi): a native ESM page (import map) and esbuild (browser, esm), Vite and
//     webpack 5 bundles
// Each runs tests/pack/probe.mjs against the mock gateway: import, codecs, images.generate (SHA-256 of the bytes
// against what the gateway sent), a streamed chat image (same), a typed 401 and a typed connection failure. The
// README's Next.js route handler and Cloudflare Worker samples run too. A matrix with timings is written to
// test-artifacts/runtimes.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import webpack from 'webpack';
import { Miniflare } from 'miniflare';
import { EdgeRuntime } from 'edge-runtime';
import { start } from '../../scripts/mock-gateway.mjs';
import { root, bin, tarball, project } from './packed.mjs';
import { PROBE_KEY, GENERATE, CHAT, expected } from './probe.mjs';
import { CSP } from '../../scripts/serve.mjs';

const run = promisify(execFile);
const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const COMPAT_DATE = '2026-04-01';
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const sample = (tag) => {
  const m = readme.match(new RegExp(`^\`\`\`js ${tag}\\n([\\s\\S]*?)^\`\`\`$`, 'm'));
  assert.ok(m, `README has a \`\`\`js ${tag} sample`);
  return m[1];
};

let work, app, gw, gwInfo, want, readmeImage;
const matrix = [];  // { runtime, how, result, ms }
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Runs `fn`, records its time in the matrix (pass/fail), rethrows. */
async function timed(runtime, how, fn) {
  const t0 = performance.now();
  try {
    const out = await fn();
    matrix.push({ runtime, how, result: 'pass', ms: performance.now() - t0 });
    return out;
  } catch (err) {
    matrix.push({ runtime, how, result: 'FAIL', ms: performance.now() - t0 });
    throw err;
  }
}

before(async () => {
  gw = await start({ port: 0, keys: [PROBE_KEY] });
  // A port where nothing listens, for the connection failure.
  const closed = createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  const refused = `http://127.0.0.1:${closed.address().port}/v1`;
  await new Promise((r) => closed.close(r));
  gwInfo = { url: gw.url, key: PROBE_KEY, refused };
  // What the gateway sends, decoded here independently of the package (plain JSON + Buffer).
  const post = async (p, body) => (await fetch(gw.url + p, {
    method: 'POST', headers: { authorization: `Bearer ${PROBE_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  })).json();
  const gen = await post('/images/generations', GENERATE);
  const chat = await post('/chat/completions', CHAT);
  const dataUrl = chat.choices[0].message.images[0].image_url.url;
  want = expected({
    version: JSON.parse(readFileSync(path.join(root, 'wasm/package.json'), 'utf8')).version,
    generateSha256: sha256(Buffer.from(gen.data[0].b64_json, 'base64')),
    streamSha256: sha256(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64')),
  });
  const fox = await post('/images/generations', { model: 'bfl/flux-2-pro', prompt: 'a lighthouse at dusk', size: '1024x1024' });
  readmeImage = sha256(Buffer.from(fox.data[0].b64_json, 'base64'));
  gw.reset();

  work = mkdtempSync(path.join(tmpdir(), 'imagegate-runtimes-'));
  app = project(path.join(work, 'app'), tarball(work));
  cpSync(path.join(root, 'tests/pack/probe.mjs'), path.join(app, 'probe.mjs'));
  writeFileSync(path.join(app, 'probe-cli.mjs'), `
    import * as ig from 'imagegate';
    import { probe } from './probe.mjs';
    const gw = JSON.parse(globalThis.process?.env?.GW ?? globalThis.Deno?.env.get('GW'));
    console.log(JSON.stringify(await probe(ig, gw)));
  `);
});
after(async () => {
  await gw?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  const lines = ['| runtime | how | result | time (ms) |', '|---|---|---|---|',
    ...matrix.map((r) => `| ${r.runtime} | ${r.how} | ${r.result} | ${Math.round(r.ms)} |`)];
  mkdirSync(path.join(root, 'test-artifacts'), { recursive: true });
  writeFileSync(path.join(root, 'test-artifacts/runtimes.md'), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
});

async function cli(runtime, how, argv) {
  const { stdout } = await timed(runtime, how, () => run(argv[0], argv.slice(1), {
    cwd: app, timeout: 60_000, encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: work, GW: JSON.stringify(gwInfo), DENO_DIR: path.join(work, 'deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  }));
  assert.deepEqual(JSON.parse(stdout), want);
}

test('node 20: import from the tarball (the "node" condition)', () => cli('node 20', 'imagegate → js/node.mjs', [process.execPath, 'probe-cli.mjs']));

test('Bun: import from the tarball (the "bun" condition)', async (t) => {
  const { stdout } = await run(bin('bun'), ['--version'], { encoding: 'utf8' });
  t.diagnostic(`bun ${stdout.trim()}`);
  await cli(`Bun ${stdout.trim()}`, 'imagegate → js/node.mjs', [bin('bun'), 'probe-cli.mjs']);
});

test('Deno: npm package + node_modules (the "deno" condition)', async (t) => {
  const { stdout } = await run(bin('deno'), ['--version'], { encoding: 'utf8' });
  const version = stdout.split('\n')[0].split(' ')[1];
  t.diagnostic(`deno ${version}`);
  await cli(`Deno ${version}`, 'imagegate → js/node.mjs', [bin('deno'), 'run', '--allow-net', '--allow-read', '--allow-env', 'probe-cli.mjs']);
});

// ---------------------------------------------------------------------------------------------- Cloudflare workerd

/** `wrangler deploy --dry-run`: wrangler's own bundling, as `wrangler deploy` uploads it; returns the out dir. */
async function wranglerBundle(dir, config) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'wrangler.toml'), config);
  await run(bin('wrangler'), ['deploy', '--dry-run', '--outdir', 'out'], {
    cwd: dir, timeout: 60_000, env: { PATH: process.env.PATH, HOME: work, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1' },
  });
  const out = path.join(dir, 'out');
  const files = readdirSync(out);
  assert.equal(files.filter((f) => f.endsWith('.wasm')).length, 1, `one .wasm module: ${files}`);
  return out;
}

/** Runs a wrangler bundle in workerd (miniflare), with its .wasm as a CompiledWasm module; returns the Response. */
async function inWorkerd(out, { flags = [], bindings = {}, request = 'http://localhost/' } = {}) {
  const main = readdirSync(out).find((f) => f.endsWith('.js'));
  const mf = new Miniflare({
    scriptPath: path.join(out, main), modulesRoot: out, modules: true, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: COMPAT_DATE, compatibilityFlags: flags, bindings,
  });
  try {
    const res = await mf.dispatchFetch(request);
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  } finally {
    await mf.dispose();
  }
}

const probeWorker = (imports) => `${imports}
import { probe } from '../probe.mjs';
export default { async fetch(request, env) { return Response.json(await probe(ig, JSON.parse(env.GW))); } };
`;

test('Cloudflare workerd, bundled by wrangler: `import … from \'imagegate\'` with no setup (the "workerd" condition)', async () => {
  const dir = path.join(app, 'cf-plain');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'worker.mjs'), probeWorker("import * as ig from 'imagegate';"));
  const res = await timed('Cloudflare workerd', 'wrangler bundle, imagegate → js/edge.mjs', async () => {
    const out = await wranglerBundle(dir, `name = "probe"\nmain = "worker.mjs"\ncompatibility_date = "${COMPAT_DATE}"\n`);
    return inWorkerd(out, { bindings: { GW: JSON.stringify(gwInfo) } });
  });
  assert.equal(res.status, 200, String(res.body));
  assert.deepEqual(JSON.parse(res.body), want);
});

test('Cloudflare workerd with nodejs_compat: imagegate/manual + init({ wasmModule }) from imagegate/imagegate_wasm.wasm', async () => {
  const dir = path.join(app, 'cf-compat');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'worker.mjs'), probeWorker(`import * as ig from 'imagegate/manual';
import wasmModule from 'imagegate/imagegate_wasm.wasm';
await ig.init({ wasmModule });`));
  const res = await timed('Cloudflare workerd (nodejs_compat)', 'wrangler bundle, imagegate/manual + init({ wasmModule })', async () => {
    const out = await wranglerBundle(dir, `name = "probe-compat"\nmain = "worker.mjs"\ncompatibility_date = "${COMPAT_DATE}"\ncompatibility_flags = ["nodejs_compat"]\n`);
    return inWorkerd(out, { flags: ['nodejs_compat'], bindings: { GW: JSON.stringify(gwInfo) } });
  });
  assert.equal(res.status, 200, String(res.body));
  assert.deepEqual(JSON.parse(res.body), want);
});

test('README: the Cloudflare Worker sample runs in workerd as wrangler deploys it', async () => {
  const dir = path.join(app, 'cf-readme');
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'src/index.js'), sample('worker'));
  const toml = readme.match(/^```toml\n([\s\S]*?)^```$/m)[1];
  const res = await timed('Cloudflare workerd', 'README Worker sample', async () => inWorkerd(await wranglerBundle(dir, toml), {
    bindings: { AI_GATEWAY_API_KEY: PROBE_KEY, AI_GATEWAY_BASE_URL: gw.url },
    request: 'http://localhost/?prompt=a%20lighthouse%20at%20dusk',
  }));
  assert.equal(res.status, 200, String(res.body));
  assert.equal(res.type, 'image/png');
  assert.equal(sha256(res.body), readmeImage);
});

// ---------------------------------------------------------------------------------------------- Vercel Edge Runtime

/**
 * Bundles `entry` the way Next.js bundles an edge route: webpack, a web worker target, the edge conditions, and
 * `import x from '….wasm?module'` emitted as a file whose import is a global the sandbox fills with the module it
 * compiled (Next's next-middleware-wasm-loader; tests/pack/fixtures/next-wasm-module-loader.cjs).
 */
async function edgeBundle(dir, entry) {
  const compiler = webpack({
    mode: 'production', context: dir, entry, target: ['webworker', 'es2022'], devtool: false,
    output: { path: path.join(dir, 'out'), filename: 'edge.js', library: { type: 'self', name: '__edgeEntry' } },
    resolve: { conditionNames: ['edge-light', 'worker', 'browser', 'import', 'module', 'default'] },
    module: { rules: [{ test: /\.wasm$/, resourceQuery: /module/, type: 'javascript/auto', use: path.join(root, 'tests/pack/fixtures/next-wasm-module-loader.cjs') }] },
    optimization: { minimize: false },  // minified production bundles are the browser webpack test's; this saves ~8 s
  });
  const stats = await new Promise((resolve, reject) => compiler.run((err, s) => (err ? reject(err) : compiler.close(() => resolve(s)))));
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  const out = path.join(dir, 'out');
  const wasm = readdirSync(out).filter((f) => f.endsWith('.wasm'));
  assert.deepEqual(wasm.map((f) => /^wasm_[0-9a-f]{40}\.wasm$/.test(f)), [true], `only the module import's .wasm: ${wasm}`);
  return { code: readFileSync(path.join(out, 'edge.js'), 'utf8'), wasm: path.join(out, wasm[0]) };
}

/** An Edge Runtime as in production (no code generation from strings or bytes), with the bundle's wasm binding. */
async function edgeRuntime({ code, wasm }, env = {}) {
  const module = await WebAssembly.compile(readFileSync(wasm));
  const rt = new EdgeRuntime({
    codeGeneration: { strings: false, wasm: false },
    extend: (context) => Object.assign(context, { [path.basename(wasm, '.wasm')]: module, process: { env } }),
  });
  assert.throws(() => rt.evaluate('new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))'), /disallowed/);
  rt.evaluate(code);
  return rt;
}

// One edge bundle for both tests below: the probe, and the README's route handler (app/api/image/route.js).
let edgeBuilt = null;
function edgeApp() {
  edgeBuilt ??= (async () => {
    const dir = path.join(app, 'edge');
    mkdirSync(path.join(dir, 'app/api/image'), { recursive: true });
    writeFileSync(path.join(dir, 'app/api/image/route.js'), sample('next'));
    writeFileSync(path.join(dir, 'entry.mjs'), `import * as ig from 'imagegate';
import { probe } from '../probe.mjs';
export const runProbe = (gw) => probe(ig, gw);
export * as route from './app/api/image/route.js';
`);
    return { dir, bundle: await timed('webpack 5 (Next.js edge rules)', 'edge bundle: probe + README route handler', () => edgeBundle(dir, './entry.mjs')) };
  })();
  return edgeBuilt;
}

test('Vercel Edge Runtime (production rules): `import … from \'imagegate\'` bundled with the "edge-light" condition', async () => {
  const { bundle } = await edgeApp();
  const out = await timed('Vercel Edge Runtime', 'imagegate → js/edge.mjs (.wasm?module)', async () => {
    const rt = await edgeRuntime(bundle);
    rt.context.__gw = gwInfo;
    return rt.evaluate('(async () => JSON.stringify(await (await self.__edgeEntry).runProbe(__gw)))()');
  });
  assert.deepEqual(JSON.parse(out), want);
});

test('README: the Next.js route handler answers on the Node.js runtime and on the Edge Runtime', async () => {
  const { dir, bundle } = await edgeApp();
  const env = { AI_GATEWAY_API_KEY: PROBE_KEY, AI_GATEWAY_BASE_URL: gw.url };
  // Node.js runtime: the route module as node imports it (the "node" condition), called with a web Request.
  writeFileSync(path.join(dir, 'node-call.mjs'), `
    import { POST } from './app/api/image/route.js';
    const res = await POST(new Request('http://localhost/api/image', { method: 'POST', body: JSON.stringify({ prompt: 'a lighthouse at dusk' }) }));
    process.stdout.write(JSON.stringify({ status: res.status, type: res.headers.get('content-type'), b64: Buffer.from(await res.arrayBuffer()).toString('base64') }));
  `);
  const viaNode = await timed('node 20 (Next.js Node.js runtime)', 'README route handler', async () => JSON.parse((await run(process.execPath, ['node-call.mjs'], {
    cwd: dir, timeout: 60_000, encoding: 'utf8', env: { PATH: process.env.PATH, ...env },
  })).stdout));
  assert.deepEqual([viaNode.status, viaNode.type, sha256(Buffer.from(viaNode.b64, 'base64'))], [200, 'image/png', readmeImage]);
  // Edge runtime: the same file, bundled as Next.js bundles an edge route, in the Edge Runtime.
  const viaEdge = await timed('Vercel Edge Runtime (Next.js edge route)', 'README route handler', async () => {
    const rt = await edgeRuntime(bundle, env);
    return rt.evaluate(`(async () => {
      const { route } = await self.__edgeEntry;
      const res = await route.POST(new Request('http://localhost/api/image', { method: 'POST', body: JSON.stringify({ prompt: 'a lighthouse at dusk' }) }));
      return { runtime: route.runtime, status: res.status, type: res.headers.get('content-type'), bytes: new Uint8Array(await res.arrayBuffer()) };
    })()`);
  });
  assert.deepEqual([viaEdge.runtime, viaEdge.status, viaEdge.type, sha256(viaEdge.bytes)], ['edge', 200, 'image/png', readmeImage]);
});

// ---------------------------------------------------------------------------------------------- browsers and bundlers

// Each page runs the probe and, as a page would, decodes the generated image with createImageBitmap.
const pageMain = (importLines, initLine = '') => `${importLines}
import { probe } from '../../probe.mjs';
const gw = JSON.parse(new URLSearchParams(location.search).get('gw'));
window.__result = (async () => {
  ${initLine}
  const out = await probe(ig, gw);
  const client = await ig.createClient({ apiKey: gw.key, baseURL: gw.url });
  const img = (await client.images.generate({ model: 'bfl/flux-2-pro', prompt: 'bitmap', size: '24x16' })).images[0];
  const bitmap = await createImageBitmap(new Blob([img.bytes], { type: img.mimeType }));
  return { probe: out, bitmap: bitmap.width + 'x' + bitmap.height };
})().catch((e) => ({ threw: String(e) }));
`;
let pages = null;  // a promise of [{ name, path, dist }], built once for both browsers
const buildPages = () => (pages ??= build());

async function build() {
  const web = path.join(app, 'web');
  mkdirSync(web);
  const pagesBuilt = [];
  const defaultMain = pageMain("import * as ig from 'imagegate';");
  // Native ESM: the installed package served as is, resolved by an import map.
  mkdirSync(path.join(web, 'native'));
  writeFileSync(path.join(web, 'native/main.mjs'), defaultMain);
  writeFileSync(path.join(web, 'native/index.html'), '<!doctype html><title>native</title><script type="importmap">' +
    '{"imports":{"imagegate":"/node_modules/imagegate/js/index.mjs"}}</script><script type="module" src="main.mjs"></script>');
  pagesBuilt.push({ name: 'native ESM (import map)', path: '/web/native/index.html' });
  // esbuild --bundle --platform=browser --format=esm: imagegate/manual and the .wasm through esbuild's file loader.
  mkdirSync(path.join(web, 'esbuild'));
  writeFileSync(path.join(web, 'esbuild/main.mjs'), pageMain(
    "import * as ig from 'imagegate/manual';\nimport wasmURL from 'imagegate/imagegate_wasm.wasm';", 'await ig.init({ wasmURL });'));
  await timed('esbuild', 'bundle (browser, esm)', () => run(bin('esbuild'), ['esbuild/main.mjs', '--bundle', '--platform=browser', '--format=esm',
    '--loader:.wasm=file', '--outdir=esbuild/dist', '--log-level=warning'], { cwd: web }));
  writeFileSync(path.join(web, 'esbuild/dist/index.html'), '<!doctype html><title>esbuild</title><script type="module" src="main.js"></script>');
  pagesBuilt.push({ name: 'esbuild bundle', path: '/web/esbuild/dist/index.html', dist: path.join(web, 'esbuild/dist') });
  // esbuild with the default entry: it must bundle for the browser without a node: module (the page is not run: esbuild
  // does not rewrite new URL(…, import.meta.url), hence the manual entry above).
  writeFileSync(path.join(web, 'esbuild/default.mjs'), defaultMain);
  await run(bin('esbuild'), ['esbuild/default.mjs', '--bundle', '--platform=browser', '--format=esm', '--outfile=esbuild/default.js',
    '--log-level=warning'], { cwd: web });
  // Vite: the default entry; Vite emits the .wasm found by new URL(…, import.meta.url).
  mkdirSync(path.join(web, 'vite'));
  writeFileSync(path.join(web, 'vite/main.mjs'), defaultMain);
  writeFileSync(path.join(web, 'vite/index.html'), '<!doctype html><title>vite</title><script type="module" src="./main.mjs"></script>');
  await timed('Vite', 'vite build', () => run(process.execPath, [bin('vite'), 'build', '--logLevel', 'error', '--base', './', 'vite'], { cwd: web }));
  pagesBuilt.push({ name: 'Vite bundle', path: '/web/vite/dist/index.html', dist: path.join(web, 'vite/dist') });
  // webpack 5: the default entry, production mode (minified), a classic script.
  mkdirSync(path.join(web, 'webpack'));
  writeFileSync(path.join(web, 'webpack/main.mjs'), defaultMain);
  await timed('webpack 5', 'webpack (production)', async () => {
    const compiler = webpack({ mode: 'production', context: path.join(web, 'webpack'), entry: './main.mjs', devtool: false,
      output: { path: path.join(web, 'webpack/dist'), filename: 'main.js' } });
    const stats = await new Promise((resolve, reject) => compiler.run((err, s) => (err ? reject(err) : compiler.close(() => resolve(s)))));
    assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  });
  writeFileSync(path.join(web, 'webpack/dist/index.html'), '<!doctype html><title>webpack</title><script src="main.js"></script>');
  pagesBuilt.push({ name: 'webpack 5 bundle', path: '/web/webpack/dist/index.html', dist: path.join(web, 'webpack/dist') });
  return pagesBuilt;
}

function staticServer(dir, headers = {}) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(dir + path.sep) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', ...headers }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('browser bundles hold no node: module and the package\'s .wasm once', async () => {
  const files = (dir) => readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f));
  for (const { name, dist } of (await buildPages()).filter((p) => p.dist)) {
    const all = files(dist);
    const js = all.filter((f) => /\.m?js$/.test(f)).map((f) => readFileSync(f, 'utf8')).join('\n');
    assert.doesNotMatch(js, /["'`]node:/, `${name}: no node: specifier`);
    assert.equal(all.filter((f) => f.endsWith('.wasm')).length, 1, `${name}: ${all.map((f) => path.basename(f))}`);
  }
  assert.doesNotMatch(readFileSync(path.join(app, 'web/esbuild/default.js'), 'utf8'), /["'`]node:/);
});

async function inBrowser(browserName, openPage) {
  const server = await staticServer(app);
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const page of await buildPages()) {
      const result = await timed(browserName, page.name, () => openPage(`${base}${page.path}?gw=${encodeURIComponent(JSON.stringify(gwInfo))}`));
      assert.deepEqual(result, { probe: want, bitmap: '24x16' }, `${browserName}: ${page.name}`);
    }
  } finally {
    server.close();
  }
}

test('Chromium: the native ESM page and the esbuild, Vite and webpack 5 bundles', async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await inBrowser(`Chromium ${browser.version().split('.')[0]}`, async (url) => {
      await page.goto(url);
      await page.waitForFunction(() => window.__result, null, { timeout: 20_000 });
      return page.evaluate(() => window.__result);
    });
  } finally {
    await browser.close();
  }
});

// imagegate/worker bundled: the default new Worker(new URL('./worker-host.mjs', import.meta.url), { type: 'module' }) must
// give the bundler a worker chunk that finds its .wasm, and the page (served under the demo page's CSP, worker-src
// 'self') does one images.generate through the worker with the exact bytes the gateway sent.
const workerMain = `import { createWorkerClient } from 'imagegate/worker';
const gw = JSON.parse(new URLSearchParams(location.search).get('gw'));
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
window.__result = (async () => {
  const client = await createWorkerClient({ apiKey: gw.key, baseURL: gw.url, maxRetries: 0 });
  const res = await client.images.generate(${JSON.stringify(GENERATE)});
  const img = res.images[0];
  const stats = await client.workerStats();
  await client.terminate();
  return { n: res.images.length, mimeType: img.mimeType, size: img.width + 'x' + img.height,
    sha256: hex(await crypto.subtle.digest('SHA-256', img.bytes)), blob: img.blob instanceof Blob, copied: stats.copiedBytes };
})().catch((e) => ({ threw: String(e), cause: String(e?.cause ?? '') }));
`;
let workerPages = null;
const buildWorkerPages = () => (workerPages ??= (async () => {
  const web = path.join(app, 'web-worker');
  mkdirSync(path.join(web, 'vite'), { recursive: true });
  writeFileSync(path.join(web, 'vite/main.mjs'), workerMain);
  writeFileSync(path.join(web, 'vite/index.html'), '<!doctype html><title>vite worker</title><script type="module" src="./main.mjs"></script>');
  await timed('Vite', 'vite build (imagegate/worker)', () => run(process.execPath, [bin('vite'), 'build', '--logLevel', 'error', '--base', './', 'vite'], { cwd: web }));
  mkdirSync(path.join(web, 'webpack'));
  writeFileSync(path.join(web, 'webpack/main.mjs'), workerMain);
  await timed('webpack 5', 'webpack (production, imagegate/worker)', async () => {
    const compiler = webpack({ mode: 'production', context: path.join(web, 'webpack'), entry: './main.mjs', devtool: false,
      output: { path: path.join(web, 'webpack/dist'), filename: 'main.js' } });
    const stats = await new Promise((resolve, reject) => compiler.run((err, st) => (err ? reject(err) : compiler.close(() => resolve(st)))));
    assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  });
  writeFileSync(path.join(web, 'webpack/dist/index.html'), '<!doctype html><title>webpack worker</title><script src="main.js"></script>');
  return [{ name: 'Vite bundle (imagegate/worker)', path: '/web-worker/vite/dist/index.html', dist: path.join(web, 'vite/dist') },
    { name: 'webpack 5 bundle (imagegate/worker)', path: '/web-worker/webpack/dist/index.html', dist: path.join(web, 'webpack/dist') }];
})());

test('Chromium: imagegate/worker bundled by Vite and webpack 5, under worker-src \'self\': one images.generate through the worker', async () => {
  const pagesBuilt = await buildWorkerPages();
  for (const { name, dist } of pagesBuilt) {
    const files = readdirSync(dist, { recursive: true });
    assert.equal(files.filter((f) => f.endsWith('.wasm')).length, 1, `${name}: the .wasm once: ${files}`);
  }
  const server = await staticServer(app, { 'content-security-policy': CSP });
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content.Security.Policy|Refused/i.test(m.text())) violations.push(m.text()); });
    for (const p of pagesBuilt) {
      const result = await timed(`Chromium ${browser.version().split('.')[0]}`, p.name, async () => {
        const res = await page.goto(`${base}${p.path}?gw=${encodeURIComponent(JSON.stringify(gwInfo))}`);
        assert.match(res.headers()['content-security-policy'], /worker-src 'self'/);
        await page.waitForFunction(() => window.__result, null, { timeout: 20_000 });
        return page.evaluate(() => window.__result);
      });
      assert.deepEqual(result, { n: 1, mimeType: 'image/png', size: '40x30', sha256: want.generate.sha256, blob: true, copied: 0 }, p.name);
    }
    assert.deepEqual(violations, []);
  } finally {
    await browser.close();
    server.close();
  }
});

test('Firefox ESR over WebDriver BiDi: the native ESM page and the esbuild, Vite and webpack 5 bundles', async () => {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, protocol: 'webDriverBiDi',
    userDataDir: mkdtempSync(path.join(work, 'firefox-')),
  });
  try {
    const version = (await browser.version()).replace(/^firefox\//, '');
    const page = await browser.newPage();
    await inBrowser(`Firefox ESR ${version.split('.')[0]}`, async (url) => {
      await page.goto(url);
      await page.waitForFunction(() => window.__result, { timeout: 20_000 });
      return page.evaluate(() => window.__result);
    });
  } finally {
    await browser.close();
  }
});
