// decodeBase64Into is Uint8Array.prototype.setFromBase64 and decodeBase64 is Uint8Array.fromBase64: every
// test262 case (tests/fixtures/base64/test262-base64.json), run against the package and, where node has them,
// against node's own methods; then random inputs and target sizes against a step-by-step transcription of the
// spec's FromBase64 (test code only: the package's JS never decodes base64 itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// Imported by path: in a git worktree whose node_modules is another checkout's, 'imagegate' would be that checkout.
import { decodeBase64, decodeBase64Into, encodeBase64, Base64DecodeError } from 'imagegate';
import { wasm } from '../../wasm/js/core.mjs';
import { specFromBase64 } from './spec-from-base64.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/base64/test262-base64.json'), 'utf8'));
const platformSet = typeof Uint8Array.prototype.setFromBase64 === 'function';
const platformFrom = typeof Uint8Array.fromBase64 === 'function';
const isAscii = (s) => /^[\x00-\x7f]*$/.test(s);

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Runs one setFromBase64 case with `decode(input, target, options)`; returns what happened. */
function runSet(c, decode, input = c.input) {
  const buffer = new Uint8Array(c.target);
  const target = c.subarray ? buffer.subarray(c.subarray[0], c.subarray[1]) : buffer;
  try {
    const r = decode(input, target, c.options);
    return { result: { ...r }, buffer: [...buffer] };
  } catch (error) {
    return { error, buffer: [...buffer] };
  }
}

function checkSet(c, got, label) {
  const what = `${label} ${c.file}: ${JSON.stringify(c.input)} ${JSON.stringify(c.options ?? {})}`;
  if (c.throws) {
    assert.ok(got.error, `${what}: should throw`);
  } else {
    assert.equal(got.error, undefined, `${what}: ${got.error}`);
    assert.deepEqual(got.result, { read: c.read, written: c.written }, what);
  }
  if (c.expected) assert.deepEqual(got.buffer, c.expected, what);
}

test('every test262 setFromBase64 case: decodeBase64Into, string and bytes input', () => {
  assert.ok(fixture.setFromBase64.length >= 60);
  for (const c of fixture.setFromBase64) {
    const got = runSet(c, decodeBase64Into);
    checkSet(c, got, 'string');
    if (got.error) {
      assert.ok(got.error instanceof Base64DecodeError && got.error.code !== 'output_too_small', String(got.error));
      assert.ok(Number.isInteger(got.error.read) && Number.isInteger(got.error.written), 'read/written on the error');
    }
    if (isAscii(c.input)) checkSet(c, runSet(c, decodeBase64Into, new TextEncoder().encode(c.input)), 'bytes');
  }
});

test('every test262 setFromBase64 case: node\'s own setFromBase64, when it has one', { skip: !platformSet && 'node has no Uint8Array.prototype.setFromBase64' }, () => {
  for (const c of fixture.setFromBase64) {
    const got = runSet(c, (s, t, o) => t.setFromBase64(s, o));
    checkSet(c, got, 'platform');
    if (got.error) assert.ok(got.error instanceof SyntaxError);
  }
});

test('every test262 fromBase64 case: decodeBase64 (and node\'s own fromBase64 when it has one)', () => {
  const impls = [['decodeBase64', decodeBase64]];
  if (platformFrom) impls.push(['platform', (s, o) => Uint8Array.fromBase64(s, o)]);
  for (const c of fixture.fromBase64) {
    for (const [name, fn] of impls) {
      const what = `${name} ${c.file}: ${JSON.stringify(c.input)} ${JSON.stringify(c.options ?? {})}`;
      if (c.throws) assert.throws(() => fn(c.input, c.options), name === 'platform' ? SyntaxError : Base64DecodeError, what);
      else assert.deepEqual([...fn(c.input, c.options)], c.expected, what);
    }
  }
});

test("issue 24's cases: a short target is filled, a full target stops reading", () => {
  const five = new Uint8Array(5);
  assert.deepEqual(decodeBase64Into('Zm9vYmFy', five), { read: 4, written: 3 });
  assert.equal(new TextDecoder().decode(five.subarray(0, 3)), 'foo');
  assert.deepEqual([...five.subarray(3)], [0, 0]);
  assert.deepEqual(decodeBase64Into('aaaa#', new Uint8Array(3)), { read: 4, written: 3 });
  assert.deepEqual(decodeBase64Into(new TextEncoder().encode('aaaa#'), new Uint8Array(3)), { read: 4, written: 3 });
  // Decoding a long input piece by piece into one small buffer: feed the rest after `read` each time.
  const data = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
  let b64 = encodeBase64(data).replace(/(.{76})/g, '$1\n');
  const chunk = new Uint8Array(64);
  const parts = [];
  while (b64.length > 0) {
    const { read, written } = decodeBase64Into(b64, chunk);
    parts.push(...chunk.subarray(0, written));
    b64 = b64.slice(read);
    if (written === 0) break;
  }
  assert.equal(b64.trim(), '');
  assert.deepEqual(parts, [...data]);
});

test('an error is thrown after the decoded prefix is written; the error carries code, position, read and written', () => {
  const target = new Uint8Array(8).fill(255);
  assert.throws(() => decodeBase64Into('Zm9vYm*y', target), (e) => e instanceof Base64DecodeError &&
    e.code === 'invalid_character' && e.position === 6 && e.read === 4 && e.written === 3);
  assert.deepEqual([...target], [102, 111, 111, 255, 255, 255, 255, 255]);
  assert.throws(() => decodeBase64Into('Zm9vYmFyZg', new Uint8Array(9), { lastChunkHandling: 'strict' }),
    (e) => e.code === 'partial_chunk' && e.position === 8 && e.read === 8 && e.written === 6);
  assert.throws(() => decodeBase64Into('Zm9v Ym\nFy', new Uint8Array(9), { whitespace: 'reject' }),
    (e) => e.code === 'invalid_character' && e.position === 4 && e.read === 4 && e.written === 3);
  assert.deepEqual(decodeBase64Into('Zm9v Ym\nFy', new Uint8Array(9)), { read: 10, written: 6 });
  // A zero-length target reads nothing and so finds no error, as setFromBase64.
  assert.deepEqual(decodeBase64Into('#', new Uint8Array(0)), { read: 0, written: 0 });
  // decodeBase64 errors report no partial output.
  assert.throws(() => decodeBase64('Zm9vYm*y'), (e) => e.code === 'invalid_character' && e.position === 6);
});

test('options and input are checked as setFromBase64 checks them (option-coercion.js, string-coercion.js)', () => {
  let toStringCalls = 0;
  const throwy = { toString() { toStringCalls++; throw new Error('toString called'); } };
  for (const fn of [(o) => decodeBase64Into('Zg==', new Uint8Array(3), o), (o) => decodeBase64('Zg==', o)]) {
    assert.throws(() => fn({ alphabet: Object('base64') }), TypeError);
    assert.throws(() => fn({ lastChunkHandling: Object('strict') }), TypeError);
    assert.throws(() => fn({ alphabet: throwy }), TypeError);
    assert.throws(() => fn({ lastChunkHandling: throwy }), TypeError);
    assert.throws(() => fn({ whitespace: Object('skip') }), TypeError);
    assert.throws(() => fn('strict'), TypeError);  // options must be an object (or undefined)
    assert.throws(() => fn(null), TypeError);
  }
  assert.equal(toStringCalls, 0);
  let accesses = 0;
  const urlOptions = Object.defineProperty({}, 'alphabet', { get() { accesses++; return 'base64url'; } });
  const target = new Uint8Array([255, 255, 255, 255]);
  assert.deepEqual(decodeBase64Into('x-_y', target, urlOptions), { read: 4, written: 3 });
  assert.deepEqual([...target], [199, 239, 242, 255]);
  assert.equal(accesses, 1);
  const touchy = Object.defineProperty({}, 'alphabet', { get() { accesses++; throw new Error('read'); } });
  assert.throws(() => decodeBase64Into(throwy, new Uint8Array(10), touchy), TypeError);
  assert.throws(() => decodeBase64Into('Zg==', [0, 0, 0], {}), TypeError);
  assert.equal(accesses, 1);
  assert.equal(toStringCalls, 0);
});

test('a detached target is a TypeError, also when an option getter detaches it (detached-buffer.js @ 911aa61)', () => {
  const detach = (buffer) => structuredClone(buffer, { transfer: [buffer] });
  const target = new Uint8Array([255, 255, 255]);
  detach(target.buffer);
  assert.throws(() => decodeBase64Into('Zg==', target), TypeError);
  let getterCalls = 0;
  const other = new Uint8Array([255, 255, 255]);
  const detaching = Object.defineProperty({}, 'alphabet', { get() { getterCalls++; detach(other.buffer); return 'base64'; } });
  assert.throws(() => decodeBase64Into('Zg==', other, detaching), TypeError);
  assert.equal(getterCalls, 1);
  assert.deepEqual(decodeBase64Into('Zg==', new Uint8Array(0)), { read: 0, written: 0 });  // empty, not detached
});

// Inputs made of pieces that reach every branch of the algorithm.
const PIECES = ['A', 'Q', 'g', 'Zm9v', '/', '+', '-', '_', '=', '==', ' ', '\n', '#', 'é', '\u2028'];
function randomInput(rand) {
  let s = '';
  const parts = Math.floor(rand() * 14);
  for (let p = 0; p < parts; p++) s += PIECES[rand() < 0.25 ? Math.floor(rand() * PIECES.length) : Math.floor(rand() * 4)];
  return s;
}
function randomOptions(rand) {
  return {
    alphabet: rand() < 0.25 ? 'base64url' : 'base64',
    lastChunkHandling: ['loose', 'strict', 'stop-before-partial'][Math.floor(rand() * 3)],
  };
}

function compareWithSpec(input, size, options) {
  const want = specFromBase64(input, options, size);
  const target = new Uint8Array(size + 1).fill(0xee);
  const view = target.subarray(0, size);
  let got;
  try {
    got = decodeBase64Into(input, view, options);
  } catch (e) {
    got = { error: e };
  }
  const what = `${JSON.stringify(input)} size ${size} ${JSON.stringify(options)}`;
  assert.equal(!!got.error, want.error, `${what}: ${got.error}`);
  const written = got.error ? got.error.written : got.written;
  const read = got.error ? got.error.read : got.read;
  assert.equal(read, want.read, what);
  assert.deepEqual([...target.subarray(0, written)], want.bytes, what);
  assert.ok([...target.subarray(written)].every((b) => b === 0xee), `${what}: wrote past ${written}`);
}

test('5,000 random inputs at every target size equal the spec\'s FromBase64', () => {
  const rand = rng(2024);
  for (let i = 0; i < 5000; i++) {
    const input = randomInput(rand);
    const options = randomOptions(rand);
    for (let size = 0; size <= input.length + 1; size++) compareWithSpec(input, size, options);
  }
});

test('long inputs (the SIMD kernel), with a flaw somewhere, at sizes around every edge', () => {
  const rand = rng(77);
  for (let i = 0; i < 200; i++) {
    const n = Math.floor(rand() * 3000);
    const data = new Uint8Array(n).map(() => Math.floor(rand() * 256));
    let s = encodeBase64(data, { omitPadding: i % 4 === 0 });
    if (i % 3 === 1 && s.length) {
      const at = Math.floor(rand() * s.length);
      s = s.slice(0, at) + (i % 2 ? '\n' : '*') + s.slice(at + 1);
    }
    const options = { lastChunkHandling: ['loose', 'strict', 'stop-before-partial'][i % 3] };
    const m = Math.floor(n / 2);
    for (const size of new Set([0, 1, 2, 3, 4, m - 1, m, m + 1, n - 2, n - 1, n, n + 1, n + 64].filter((x) => x >= 0))) {
      compareWithSpec(s, size, options);
    }
  }
});

test('8 MiB into a buffer of every size class, and the heap is unchanged afterwards', () => {
  decodeBase64Into('Zm9v', new Uint8Array(3));
  const base = wasm._heapStats().used;
  const data = new Uint8Array(6 << 20).map((_, i) => (i * 31) & 0xff);
  const b64 = encodeBase64(data);
  const full = new Uint8Array(data.length);
  assert.deepEqual(decodeBase64Into(b64, full), { read: b64.length, written: data.length });
  assert.ok(Buffer.from(full).equals(Buffer.from(data)));
  const half = new Uint8Array(data.length / 2 + 1);
  assert.deepEqual(decodeBase64Into(new TextEncoder().encode(b64), half), { read: (data.length / 2 / 3) * 4, written: data.length / 2 });
  for (let i = 0; i < 300; i++) {
    try { decodeBase64Into(i % 2 ? 'Zm9v' : 'Zm*v', new Uint8Array(i % 5)); } catch { /* half of them fail on purpose */ }
  }
  assert.equal(wasm._heapStats().used, base);
});
