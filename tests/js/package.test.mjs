// The wasm package under node 20, imported the way users import it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBase64, sniffImage, version, Base64DecodeError } from 'imagegate';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = (p) => path.join(root, 'tests/fixtures', p);

test('version is the package version', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'wasm/package.json'), 'utf8'));
  assert.equal(version, pkg.version);
});

test('decodeBase64 decodes RFC 4648 vectors from strings and bytes', () => {
  const vectors = { '': '', Zg: 'f', 'Zg==': 'f', 'Zm8=': 'fo', Zm9v: 'foo', 'Zm9vYg==': 'foob', 'Zm9vYmE=': 'fooba', Zm9vYmFy: 'foobar' };
  for (const [b64, plain] of Object.entries(vectors)) {
    assert.equal(Buffer.from(decodeBase64(b64)).toString('latin1'), plain, b64);
    assert.equal(Buffer.from(decodeBase64(new TextEncoder().encode(b64))).toString('latin1'), plain, b64);
  }
});

test('decodeBase64 matches Buffer.from on a base64 PNG fixture', () => {
  const b64 = readFileSync(fixture('base64/gradient-48x32.png.b64'), 'utf8');
  const bytes = decodeBase64(b64);
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual(Buffer.from(bytes), Buffer.from(b64, 'base64'));
});

test('decodeBase64 reports the kind and position of bad input', () => {
  assert.throws(() => decodeBase64('TW!u'), (e) => e instanceof Base64DecodeError && e.code === 'invalid_character' && e.position === 2);
  assert.throws(() => decodeBase64('TWFu\u00e9AAA'), (e) => e.code === 'invalid_character' && e.position === 4);
  assert.throws(() => decodeBase64('TWFuT'), (e) => e.code === 'partial_chunk' && e.position === 4);
  assert.throws(() => decodeBase64('TR==', { lastChunkHandling: 'strict' }), (e) => e.code === 'nonzero_bits' && e.position === 1);
  assert.equal(Buffer.from(decodeBase64('TR==')).toString('latin1'), 'M');
  assert.throws(() => decodeBase64('TW Fu', { whitespace: 'reject' }), (e) => e.code === 'invalid_character' && e.position === 2);
  assert.equal(Buffer.from(decodeBase64('TW Fu')).toString(), 'Man');
});

test('decodeBase64 validates its options and input type', () => {
  assert.throws(() => decodeBase64('AAAA', { alphabet: 'base32' }), TypeError);
  assert.throws(() => decodeBase64('AAAA', { lastChunkHandling: 'lenient' }), TypeError);
  assert.throws(() => decodeBase64(42), TypeError);
});

test('the wasm instance keeps working after errors', () => {
  for (let i = 0; i < 100; i++) assert.throws(() => decodeBase64('@@@@'), Base64DecodeError);
  assert.equal(Buffer.from(decodeBase64('aGk=')).toString(), 'hi');
});

test('sniffImage identifies the PNG fixture and leaves garbage unknown', () => {
  const png = Buffer.from(readFileSync(fixture('base64/gradient-48x32.png.b64'), 'utf8'), 'base64');
  assert.deepEqual({ ...sniffImage(png) }, { format: 'png', mimeType: 'image/png', width: 48, height: 32, orientation: 1, displayWidth: 48, displayHeight: 32 });
  assert.equal(sniffImage(new Uint8Array([1, 2, 3, 4, 5])).format, 'unknown');
  assert.equal(sniffImage(new Uint8Array(0)).format, 'unknown');
  assert.equal(sniffImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')).format, 'unknown');
  assert.deepEqual({ ...sniffImage(png.subarray(0, 20)) }, { format: 'png', mimeType: 'image/png', width: 0, height: 0, orientation: 1, displayWidth: 0, displayHeight: 0 });
});

test('the package imports by name from another directory', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'imagegate-consumer-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(path.join(root, 'wasm'), path.join(dir, 'node_modules', 'imagegate'), 'dir');
    writeFileSync(path.join(dir, 'main.mjs'),
      "import { decodeBase64, sniffImage, version } from 'imagegate';\n" +
      "const b = decodeBase64(process.argv[2]);\n" +
      "console.log(JSON.stringify({ version, text: new TextDecoder().decode(b), unknown: sniffImage(b).format }));\n");
    const out = execFileSync(process.execPath, ['main.mjs', 'aW1hZ2VnYXRl'], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { version, text: 'imagegate', unknown: 'unknown' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 21: what each entry's module graph holds (read statically, as a bundler reads it).
function moduleGraph(entry) {
  const seen = new Map();  // file → its import specifiers
  const visit = (file) => {
    if (seen.has(file)) return;
    const src = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
    const specs = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)]
      .map((m) => m[1] ?? m[2] ?? m[3]);
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(path.resolve(path.dirname(file), s.replace(/\?.*$/, '')));
  };
  visit(entry);
  return seen;
}
const pkgFile = (p) => path.join(root, 'wasm', p);

test('the browser, default and Workers/Edge entries reach no node: module; the node entries reach them only in node-host and node-xhr', () => {
  const pkg = JSON.parse(readFileSync(pkgFile('package.json'), 'utf8'));
  const web = [pkg.exports['.'].browser, pkg.exports['.'].default, pkg.exports['.'].workerd, pkg.exports['.']['edge-light'],
    pkg.exports['.'].worker, pkg.exports['./manual'].browser, pkg.exports['./manual'].default];
  assert.deepEqual([...new Set(web)].sort(), ['./js/edge.mjs', './js/index.mjs', './js/manual.mjs']);
  for (const entry of web) {
    for (const [file, specs] of moduleGraph(pkgFile(entry))) {
      assert.deepEqual(specs.filter((s) => !s.startsWith('.')), [], `${path.relative(root, file)} (from ${entry})`);
    }
  }
  for (const cond of ['node', 'deno', 'bun']) {
    for (const entry of [pkg.exports['.'][cond], pkg.exports['./manual'][cond]]) {
      const withNode = [...moduleGraph(pkgFile(entry))].filter(([, specs]) => specs.some((s) => s.startsWith('node:')));
      assert.deepEqual(withNode.map(([f]) => path.basename(f)).sort(), ['node-host.mjs', 'node-xhr.mjs'], entry);
    }
  }
  // The edge entry imports the .wasm as a module and does not carry the URL-loading code (or a second .wasm).
  const edge = moduleGraph(pkgFile('js/edge.mjs'));
  assert.ok(edge.get(pkgFile('js/edge.mjs')).includes('../dist/imagegate_wasm.wasm?module'));
  assert.ok(![...edge.keys()].some((f) => f.endsWith('packaged-wasm.mjs')));
});

test('the glue imports nothing and reads no module URL; only the entries read import.meta, lazily', () => {
  const glue = readFileSync(pkgFile('dist/imagegate_wasm.mjs'), 'utf8');
  assert.doesNotMatch(glue, /import\.meta|\bimport\s*\(|^\s*import\s/m);
  assert.deepEqual([...glue.matchAll(/^export\s+(?:default\s+)?(?:function\s+)?(\w+)/gm)].map((m) => m[1]), ['_setHost', 'createImagegateModule']);
  for (const f of readdirSync(pkgFile('js'), { recursive: true }).filter((f) => f.endsWith('.mjs'))) {
    const src = readFileSync(pkgFile(`js/${f}`), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    if (!src.includes('import.meta')) continue;
    assert.ok(['packaged-wasm.mjs', 'node-host.mjs', 'worker.mjs'].includes(f), `${f} reads import.meta`);
    // Inside a function or behind a check of its type: never `new URL(…, undefined)` at evaluation.
    assert.match(src, /typeof (import\.meta\.url|url) === 'string'/, f);
  }
});
