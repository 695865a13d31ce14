// The package in Chromium against Chromium's own Uint8Array.prototype.setFromBase64 and Uint8Array.fromBase64:
// every test262 case (tests/fixtures/base64/test262-base64.json) and thousands of random inputs at every target
// size, short ones built to reach every branch of the algorithm and long ones (the SIMD kernel) with a flaw
// somewhere. The platform is the oracle: same read, same written, same bytes in the target (also when both
// throw), same decoded bytes or an error for fromBase64.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';
import { specFromBase64 } from '../js/spec-from-base64.mjs';

let h;
before(async () => {
  h = await launch({ gateway: null });
  await h.page.goto(h.server.url);
  await h.page.waitForSelector('html[data-ready="true"]', { timeout: 20000 });
});
after(async () => { await h?.close(); });

/** Runs in the page: compares the package with the platform; returns { checked, mismatches }. */
async function compareInPage(page, args) {
  return page.evaluate(async ({ randomShort, randomLong, LIMIT = 20 }) => {
    const { decodeBase64, decodeBase64Into } = await import('/imagegate/js/index.mjs');
    if (typeof Uint8Array.prototype.setFromBase64 !== 'function') return { missing: true };
    const fixture = await (await fetch('/fixtures/base64/test262-base64.json')).json();
    const mismatches = [];
    let checked = 0;
    const outcome = (fn) => {
      try {
        const r = fn();
        return { ok: true, read: r.read, written: r.written };
      } catch (e) {
        return { ok: false, syntax: e instanceof SyntaxError || e.name === 'Base64DecodeError', read: e.read, written: e.written };
      }
    };
    const compareSet = (input, init, options, label, sub, platformInput = input) => {
      const mine = new Uint8Array(init);
      const theirs = new Uint8Array(init);
      const [a, b] = sub ?? [0, init.length];
      const m = outcome(() => decodeBase64Into(input, mine.subarray(a, b), options));
      const t = outcome(() => theirs.subarray(a, b).setFromBase64(platformInput, options));
      checked++;
      const same = m.ok === t.ok && m.syntax === t.syntax && (t.ok ? m.read === t.read && m.written === t.written : true) &&
        mine.every((x, i) => x === theirs[i]);
      if (!same && mismatches.length < LIMIT) {
        mismatches.push({ kind: 'set', label, input: platformInput, size: b - a, offset: a, init: [...init], options, mine: { ...m, bytes: [...mine] }, platform: { ...t, bytes: [...theirs] } });
      }
      // Our error reports what was written: it must be the bytes the platform wrote too.
      if (!m.ok && t.syntax && mismatches.length < LIMIT && !theirs.subarray(a + m.written, b).every((x, i) => x === init[a + m.written + i])) {
        mismatches.push({ kind: 'written', label: `${label}: written on error`, input: platformInput, size: b - a, options, written: m.written });
      }
    };
    const compareFrom = (input, options, label) => {
      let m, t;
      try { m = [...decodeBase64(input, options)]; } catch { m = 'throws'; }
      try { t = [...Uint8Array.fromBase64(input, options)]; } catch (e) { t = e instanceof SyntaxError ? 'throws' : String(e); }
      checked++;
      if (JSON.stringify(m) !== JSON.stringify(t) && mismatches.length < LIMIT) mismatches.push({ kind: 'from', label, input, options, mine: m, platform: t });
    };
    for (const c of fixture.setFromBase64) compareSet(c.input, c.target, c.options, `test262 ${c.file}`, c.subarray);
    for (const c of fixture.fromBase64) compareFrom(c.input, c.options, `test262 ${c.file}`);
    {  // detached-buffer.js: a detached target is a TypeError
      const kind = (fn) => { try { fn(); return 'ok'; } catch (e) { return e.constructor.name; } };
      const d = new Uint8Array(3);
      structuredClone(d.buffer, { transfer: [d.buffer] });
      const m = kind(() => decodeBase64Into('Zg==', d)), t = kind(() => d.setFromBase64('Zg=='));
      checked++;
      if (m !== t || t !== 'TypeError') mismatches.push({ kind: 'detached', label: 'test262 detached-buffer.js', input: 'Zg==', mine: m, platform: t });
    }

    let seed = 4242;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const PIECES = ['A', 'Q', 'g', 'Zm9v', '/', '+', '-', '_', '=', '==', ' ', '\n', '\t', '#', 'é', '\u2028'];
    const modes = ['loose', 'strict', 'stop-before-partial', undefined];
    for (let i = 0; i < randomShort; i++) {
      let s = '';
      const parts = Math.floor(rand() * 14);
      for (let p = 0; p < parts; p++) s += rand() < 0.25 ? pick(PIECES) : pick(PIECES.slice(0, 4));
      const options = { alphabet: rand() < 0.25 ? 'base64url' : 'base64', lastChunkHandling: pick(modes) };
      for (let size = 0; size <= s.length + 1; size++) compareSet(s, new Array(size).fill(0xee), options, 'random');
      compareFrom(s, options, 'random');
    }
    for (let i = 0; i < randomLong; i++) {
      const n = Math.floor(rand() * 5000);
      const raw = new Uint8Array(n).map(() => Math.floor(rand() * 256));
      const url = i % 5 === 0;
      let s = raw.toBase64({ alphabet: url ? 'base64url' : 'base64', omitPadding: i % 4 === 0 });
      if (i % 3 !== 0 && s.length) {
        const at = Math.floor(rand() * s.length);
        s = s.slice(0, at) + pick(['\n', ' ', '*', '=', '+', '-']) + s.slice(at + 1);
      }
      const options = { alphabet: url ? 'base64url' : 'base64', lastChunkHandling: pick(modes) };
      const half = Math.floor(n / 2);
      const sizes = new Set([0, 1, 2, 3, half - 1, half, half + 1, n - 2, n - 1, n, n + 1, n + 100,
        Math.floor(rand() * (n + 2))].filter((x) => x >= 0));
      for (const size of sizes) compareSet(s, new Array(size).fill(0x5a), options, 'long');
      compareSet(new TextEncoder().encode(s), new Array(n).fill(0), options, 'long, bytes input', undefined, s);  // ASCII: same as the string
      compareFrom(s, options, 'long');
    }
    return { checked, mismatches };
  }, args);
}

test('Chromium: decodeBase64Into equals target.setFromBase64 and decodeBase64 equals Uint8Array.fromBase64, or the spec where Chromium departs from it', async (t) => {
  const res = await compareInPage(h.page, { randomShort: 3000, randomLong: 400, LIMIT: 1e6 });
  assert.ok(!res.missing, 'this Chromium has Uint8Array.prototype.setFromBase64');
  assert.ok(res.checked > 30000, `checked ${res.checked}`);
  // Every test262 case: exactly what Chromium does.
  assert.deepEqual(res.mismatches.filter((m) => m.label.startsWith('test262')), []);
  // fromBase64: no disagreement at all.
  assert.deepEqual(res.mismatches.filter((m) => m.kind === 'from'), []);
  // setFromBase64 on random inputs: where Chromium disagrees, the spec's own algorithm (FromBase64 with maxLength,
  // tests/js/spec-from-base64.mjs) must give exactly our result: same outcome, read, written and bytes.
  const classes = new Map();
  const extent = (bytes, init) => { let e = bytes.length; while (e > 0 && bytes[e - 1] === init[e - 1]) e--; return e; };
  for (const m of res.mismatches.filter((x) => x.kind === 'set')) {
    const spec = specFromBase64(m.input, m.options ?? {}, m.size);
    const what = `${JSON.stringify(m.input)} size ${m.size} ${JSON.stringify(m.options ?? {})}`;
    assert.equal(m.mine.ok, !spec.error, what);
    if (m.mine.ok) assert.deepEqual([m.mine.read, m.mine.written], [spec.read, spec.bytes.length], what);
    else assert.equal(m.mine.written, spec.bytes.length, what);
    const expected = [...m.init];
    expected.splice(m.offset, spec.bytes.length, ...spec.bytes);
    assert.deepEqual(m.mine.bytes, expected, what);
    const cls = m.mine.ok && !m.platform.ok ? (spec.bytes.length === m.size
      ? 'Chromium throws on input after a full target, which the spec never reads'
      : 'Chromium throws on input after the chunk that does not fit, which the spec never reads')
      : m.mine.ok ? 'Chromium counts trailing whitespace after a full target in read'
        : `both throw; Chromium writes ${extent(m.platform.bytes, m.init) > m.offset + m.mine.written ? 'more' : 'fewer'} bytes before the error than the spec's whole chunks`;
    classes.set(cls, (classes.get(cls) ?? 0) + 1);
  }
  assert.deepEqual(res.mismatches.filter((m) => m.kind === 'written').map((m) => m.label), res.mismatches.filter((m) => m.kind === 'written').map(() => 'long: written on error'));
  const setChecked = res.checked;
  t.diagnostic(`${setChecked} comparisons; Chromium departs from the spec in ${res.mismatches.length - res.mismatches.filter((m) => m.kind === 'written').length}:`);
  for (const [cls, n] of classes) t.diagnostic(`  ${n}: ${cls}`);
  assert.ok(res.mismatches.length < res.checked / 10, 'Chromium agrees on the vast majority');
});
