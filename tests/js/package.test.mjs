// The wasm package under node 20, imported the way users import it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
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
