// The wasm replaces musl's strtod and snprintf with smaller versions (wasm/bindings/libc_overrides.cpp): JSON
// numbers with a fraction or exponent, and Retry-After values, must still read exactly as JavaScript reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'imagegate';
import { wasm, withHeapCopy } from '../../wasm/js/core.mjs';

const parse = (text) => withHeapCopy(text, (ptr, len) => wasm._parseJsonDocument(ptr, len));

test('JSON floats parse to the same doubles as JSON.parse (random bit patterns, three notations)', () => {
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  let seed = 0x2545f491;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const texts = [];
  while (texts.length < 6000) {
    u32[0] = next(); u32[1] = next();
    const x = f64[0];
    if (!Number.isFinite(x)) continue;
    texts.push(String(x), x.toExponential(next() % 25));
    if (Math.abs(x) < 1e21 && Math.abs(x) > 1e-6) texts.push(x.toFixed(next() % 20));
  }
  texts.splice(0, texts.length, ...texts.filter((t) => /[.eE]/.test(t)));  // "-0" and "12" are integers to nlohmann
  texts.push('0.1', '-0.0', '0e0', '1E+2', '1e-400', '2.2250738585072011e-308', '2.2250738585072012e-308',
    '4.9406564584124654e-324', '2.4703282292062327e-324', '2.4703282292062328e-324', '1.7976931348623157e308',
    '1.7976931348623158e308', '9007199254740993.0', `0.${'0'.repeat(400)}1e400`, `1${'0'.repeat(400)}.5e-400`);
  const docs = [];
  for (let i = 0; i < texts.length; i += 500) docs.push(`[${texts.slice(i, i + 500).join(',')}]`);
  for (const doc of docs) {
    const got = parse(doc).value;
    const want = JSON.parse(doc);
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${JSON.stringify(doc.split(',')[i])}: ${got[i]} vs ${want[i]}`);
  }
  assert.equal(parse('{"a":1e400}').value, undefined, 'overflow stays a parse error (nlohmann: number overflow)');
});

test('Retry-After values read as C strtod reads them (decimal, hex, inf/nan rejected)', () => {
  const now = Date.UTC(2030, 0, 1);
  const delay = (ms, s) => wasm._serverRetryDelay(ms, s, now);
  assert.equal(delay('1500', ''), 1500);
  assert.equal(delay('', '1.5'), 1500);
  assert.equal(delay(' 250.25\t', ''), 250.25);
  assert.equal(delay('', '0x10'), 16000);
  assert.equal(delay('', '0x1p3'), 8000);
  assert.equal(delay('2e1', ''), 20);
  assert.equal(delay('.5', ''), 0.5);
  for (const bad of ['inf', 'nan', '1e', '0x', '12abc', '--1', '']) assert.equal(delay(bad, ''), null, JSON.stringify(bad));
});
