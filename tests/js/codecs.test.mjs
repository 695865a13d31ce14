// The codecs through the package's public API, differential against node's own decoder, plus data URLs and
// sniffing of real files of each format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import {
  decodeBase64, decodeBase64Into, encodeBase64, parseDataUrl, sniffImage, Base64DecodeError, DataUrlError,
} from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = (name) => new Uint8Array(readFileSync(path.join(root, 'tests/fixtures/images', name)));

// A deterministic PRNG so a failure can be replayed.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test('10,000 random inputs: decodeBase64 (strict) equals Buffer.from, as bytes and as strings', () => {
  const rand = rng(1234);
  for (let i = 0; i < 10_000; i++) {
    const len = Math.floor(rand() * 301);
    const data = randomBytes(len);
    const url = i % 5 === 0;
    const b64 = data.toString(url ? 'base64url' : 'base64');
    const opts = { alphabet: url ? 'base64url' : 'base64', lastChunkHandling: url ? 'loose' : 'strict' };
    const fromString = decodeBase64(b64, opts);
    assert.deepEqual(Buffer.from(fromString), Buffer.from(b64, url ? 'base64url' : 'base64'), `input ${i}: ${b64}`);
    if (i % 10 === 0) assert.deepEqual(decodeBase64(new TextEncoder().encode(b64), opts), fromString);
    if (i % 10 === 1) assert.equal(encodeBase64(data, { alphabet: opts.alphabet, omitPadding: url }), b64);
  }
});

test('several MiB: decode and encode agree with Buffer', () => {
  for (const size of [3 << 20, (8 << 20) + 1]) {
    const data = randomBytes(size);
    const b64 = data.toString('base64');
    assert.ok(Buffer.from(decodeBase64(b64, { lastChunkHandling: 'strict' })).equals(data));
    assert.equal(encodeBase64(data), b64);
  }
});

test('errors carry the kind and the exact position of the first offending byte', () => {
  const good = randomBytes(90).toString('base64');
  for (let pos = 0; pos < good.length; pos++) {
    const bad = `${good.slice(0, pos)}*${good.slice(pos + 1)}`;
    assert.throws(() => decodeBase64(bad), (e) => e instanceof Base64DecodeError && e.code === 'invalid_character' &&
      e.position === pos && /position|index|offset/i.test(e.message));
  }
  assert.throws(() => decodeBase64('Zm9vYg', { lastChunkHandling: 'strict' }), (e) => e.code === 'partial_chunk' && e.position === 4);
  assert.throws(() => decodeBase64('Zh==', { lastChunkHandling: 'strict' }), (e) => e.code === 'nonzero_bits');
  assert.throws(() => decodeBase64('Zm9v\nYmFy', { whitespace: 'reject' }), (e) => e.code === 'invalid_character' && e.position === 4);
  assert.equal(Buffer.from(decodeBase64('Zm9v\nYmFy')).toString(), 'foobar');
  assert.throws(() => decodeBase64('Zm9v', { alphabet: 'base32' }), TypeError);
  assert.throws(() => decodeBase64(42), TypeError);
  // A non-ASCII string character is an invalid character at its string index.
  assert.throws(() => decodeBase64('Zm9vé'), (e) => e.position === 4);
  // A target too short for a chunk is not an error: nothing fits, nothing is read (as setFromBase64).
  assert.deepEqual(decodeBase64Into('Zm9v', new Uint8Array(2)), { read: 0, written: 0 });
  assert.deepEqual(decodeBase64Into('Zm9vYg', new Uint8Array(8), { lastChunkHandling: 'stop-before-partial' }), { read: 4, written: 3 });
});

test('parseDataUrl: media type, parameters, base64 and percent payloads, typed errors', () => {
  const png = fixture('fox-64x48.png');
  const url = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
  const parsed = parseDataUrl(url);
  assert.equal(parsed.mediaType, 'image/png');
  assert.equal(parsed.base64, true);
  assert.deepEqual(Buffer.from(parsed.bytes), Buffer.from(png));
  assert.deepEqual(parseDataUrl(new TextEncoder().encode(url)).bytes, parsed.bytes);
  const svg = parseDataUrl('data:image/svg+xml;charset=UTF-8,%3Csvg%20xmlns%3D%22x%22%2F%3E');
  assert.equal(svg.mediaType, 'image/svg+xml');
  assert.deepEqual(svg.parameters, { charset: 'UTF-8' });
  assert.equal(new TextDecoder().decode(svg.bytes), '<svg xmlns="x"/>');
  assert.deepEqual(parseDataUrl('data:,hi').parameters, { charset: 'US-ASCII' });
  for (const [input, code, position] of [['https://x/a.png', 'not_a_data_url', 0], ['data:image/png;base64', 'missing_comma', 21],
    ['data:image;base64,AAAA', 'bad_media_type', 5], ['data:,%zz', 'bad_percent', 6], ['data:image/png;base64,AA*A', 'bad_base64', 24]]) {
    assert.throws(() => parseDataUrl(input, { strict: true }), (e) => e instanceof DataUrlError && e.code === code && e.position === position &&
      e.message.includes('data URL'), input);
  }
});

test('sniffImage on real files of each format, and on every truncation of them', () => {
  const cases = [['fox-64x48.png', 'png', 'image/png'], ['fox-64x48.jpg', 'jpeg', 'image/jpeg'], ['fox-64x48.webp', 'webp', 'image/webp']];
  for (const [name, format, mimeType] of cases) {
    const bytes = fixture(name);
    assert.deepEqual({ ...sniffImage(bytes) }, { format, mimeType, width: 64, height: 48, orientation: 1, displayWidth: 64, displayHeight: 48 }, name);
    for (let n = 0; n < Math.min(bytes.length, 700); n++) {
      const info = sniffImage(bytes.subarray(0, n));
      assert.ok(info.format === format || info.format === 'unknown', `${name} cut at ${n}`);
      assert.ok((info.width === 0 && info.height === 0) || (info.width === 64 && info.height === 48), `${name} cut at ${n}`);
    }
  }
  const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 10, 0, 20, 0, 0, 0, 0]);
  assert.deepEqual({ ...sniffImage(gif) }, { format: 'gif', mimeType: 'image/gif', width: 10, height: 20, orientation: 1, displayWidth: 10, displayHeight: 20 });
  assert.equal(sniffImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')).format, 'unknown');
  assert.equal(sniffImage(new Uint8Array(64).fill(7)).format, 'unknown');
});

test('sniffImage on the display fixtures: stored size, orientation and display size as Chromium shows them', () => {
  const { files } = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/images/display.json'), 'utf8'));
  const mime = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif' };
  assert.ok(Object.keys(files).length >= 34);
  for (const [name, e] of Object.entries(files)) {
    const bytes = fixture(`display/${name}`);
    const info = sniffImage(bytes);
    assert.deepEqual({ ...info }, {
      format: e.format, mimeType: mime[e.format], width: e.width, height: e.height,
      orientation: e.orientation, displayWidth: e.displayWidth, displayHeight: e.displayHeight,
    }, name);
    // An ArrayBuffer and a DataView of the same bytes give the same answer.
    assert.deepEqual({ ...sniffImage(bytes.buffer) }, { ...info }, name);
    assert.deepEqual({ ...sniffImage(new DataView(bytes.buffer)) }, { ...info }, name);
    for (let n = 0; n < bytes.length; n++) {
      const cut = sniffImage(bytes.subarray(0, n));
      assert.ok(cut.orientation >= 1 && cut.orientation <= 8, `${name} cut at ${n}`);
      assert.ok(cut.width === 0 || cut.width === e.width, `${name} cut at ${n}`);
      if (cut.width === 0 || cut.height === 0) assert.deepEqual([cut.displayWidth, cut.displayHeight], [0, 0], `${name} cut at ${n}`);
    }
  }
});

test('sniffImage: JPEG garbage between segments is skipped to the next marker (it used to give 0x0)', () => {
  const jpg = fixture('fox-64x48.jpg');
  const app0End = 4 + ((jpg[4] << 8) | jpg[5]);  // SOI (2) + marker (2) + APP0 length
  const withJunk = new Uint8Array([...jpg.subarray(0, app0End), 0x00, 0x12, 0x6a, 0xff, 0x00, 0x75, ...jpg.subarray(app0End)]);
  assert.deepEqual({ ...sniffImage(withJunk) }, { format: 'jpeg', mimeType: 'image/jpeg', width: 64, height: 48,
    orientation: 1, displayWidth: 64, displayHeight: 48 });
});

test('the wasm heap is unchanged after a thousand codec calls, errors included', () => {
  decodeBase64('Zm9v');
  const base = wasm._heapStats().used;
  for (let i = 0; i < 1000; i++) {
    try { decodeBase64(i % 2 ? 'Zm9v' : 'Zm*v'); } catch { /* half of them fail on purpose */ }
    try { parseDataUrl(i % 2 ? 'data:,x' : 'data:x'); } catch { /* likewise */ }
    encodeBase64(new Uint8Array(i));
  }
  assert.equal(wasm._heapStats().used, base);
  assert.equal(wasm._simdEnabled(), true, 'the package is built with SIMD128');
});
