// parseDataUrl against the web-platform-tests data: URL cases (tests/fixtures/data-urls, see its README) and against
// node's own fetch(dataURL) — the platform's data: URL processor — on those cases and on random URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDataUrl, DataUrlError } from 'imagegate';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/data-urls/${name}`, import.meta.url), 'utf8'));
const DEFAULT = 'text/plain;charset=US-ASCII';

// The fetch standard changed after the fixture's wpt revision on these two (see the fixtures' README); the
// expectations here are the current standard's, which node's fetch also gives (checked below).
const SUPERSEDED = new Map([
  ['data:; base64,WA', [DEFAULT, [88]]],
  ['data:text/plain;a=",",X', ['text/plain;a=""', [34, 44, 88]]],
]);

const isToken = (s) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s);
const serialize = ({ mediaType, parameters }) => mediaType + Object.entries(parameters)
  .map(([k, v]) => `;${k}=${isToken(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`}`).join('');

function ours(url) {
  try {
    const r = parseDataUrl(url);
    return { type: serialize(r), bytes: [...r.bytes] };
  } catch (err) {
    assert.ok(err instanceof DataUrlError, `${JSON.stringify(url)}: ${err}`);
    return null;
  }
}
async function nodeFetch(url) {
  try {
    const res = await fetch(url);
    return { type: res.headers.get('content-type'), bytes: [...new Uint8Array(await res.arrayBuffer())] };
  } catch (err) {
    assert.ok(err instanceof TypeError, `${JSON.stringify(url)}: ${err}`);
    return null;
  }
}

const wptCases = () => fixture('data-urls.json').map(([url, type, bytes]) => {
  const expected = type === null ? null : { type: type === '' ? DEFAULT : type, bytes };
  const now = SUPERSEDED.get(url);
  return { url, expected: now ? { type: now[0], bytes: now[1] } : expected, wpt: expected };
});
const base64Cases = () => fixture('base64.json').map(([input, bytes]) => ({
  url: `data:;base64,${input}`,
  expected: bytes === null ? null : { type: DEFAULT, bytes },
}));

test('every wpt data-urls.json case', () => {
  const cases = wptCases();
  assert.equal(cases.length, 59);
  for (const { url, expected } of cases) assert.deepEqual(ours(url), expected, JSON.stringify(url));
});

test('every wpt base64.json case (as data:;base64,<input>)', () => {
  const cases = base64Cases();
  assert.equal(cases.length, 71);
  for (const { url, expected } of cases) assert.deepEqual(ours(url), expected, JSON.stringify(url));
});

test('node\'s fetch agrees with parseDataUrl on every wpt case; it differs from the fixture only where the standard changed', async () => {
  const disagreeWithWpt = [];
  for (const { url, expected, wpt } of wptCases()) {
    const platform = await nodeFetch(url);
    assert.deepEqual(ours(url), platform, JSON.stringify(url));
    if (JSON.stringify(platform) !== JSON.stringify(wpt)) disagreeWithWpt.push(url);
    assert.deepEqual(platform, expected, JSON.stringify(url));
  }
  for (const { url, expected } of base64Cases()) {
    const platform = await nodeFetch(url);
    assert.deepEqual(platform, expected, JSON.stringify(url));
  }
  assert.deepEqual(disagreeWithWpt.sort(), [...SUPERSEDED.keys()].sort());
});

test('the same input as bytes, and the fragment of a raw string, give the same result', () => {
  for (const { url, expected } of wptCases()) {
    if (!expected) continue;
    const r = parseDataUrl(new TextEncoder().encode(url));
    assert.deepEqual({ type: serialize(r), bytes: [...r.bytes] }, expected, JSON.stringify(url));
  }
  assert.deepEqual([...parseDataUrl('data:,a#b,c').bytes], [97]);
});

test('{ strict: true } is the RFC 2397 reading (errors where WHATWG falls back)', () => {
  assert.throws(() => parseDataUrl('data:,%4', { strict: true }), { code: 'bad_percent' });
  assert.throws(() => parseDataUrl('data:text / html,X', { strict: true }), { code: 'bad_media_type' });
  assert.deepEqual([...parseDataUrl('data:,%4').bytes], [37, 52]);
  assert.equal(parseDataUrl('data:text / html,X').mediaType, 'text/plain');
  assert.throws(() => parseDataUrl('data:text/plain'), { code: 'missing_comma' });
  assert.throws(() => parseDataUrl('https://x/,y'), { code: 'not_a_data_url' });
  assert.throws(() => parseDataUrl('data:;base64,QUJD*'), { code: 'bad_base64', position: 17 });
});

test("'`' is an HTTP token code point (MIME Sniffing), which node 20's fetch (undici 6) gets wrong", async () => {
  assert.equal(serialize(parseDataUrl('data:text/pl`ain,x')), 'text/pl`ain');
  assert.equal(serialize(parseDataUrl('data:text/plain;a=b`c,x')), 'text/plain;a=b`c');
  const res = await fetch('data:text/pl`ain,x');
  assert.equal(res.headers.get('content-type'), DEFAULT, 'if node fixes this, drop the exception in the random test');
});

test("a '..' that empties a hierarchical data: URL's path leaves \"/\" (URL standard); node 20's URL drops it", async () => {
  assert.deepEqual([...parseDataUrl('data://,/..').bytes], [47]);  // serialized "data://,/": the body is "/"
  assert.equal(new URL('data://,/..').href, 'data://,', 'if node fixes this, drop the exception in the random test');
});

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const PIECES = [';', ';', 'base64', 'BASE64', ' ', ' ', '%', '%2', '%20', '%3B', '%2C', '%41', '=', '"', '\\', '#', '?', '/', '//',
  '..', '.', '%2e', ':', '@', 'a', 'X', 'WA', 'QUJD', 'ab', '==', ',', ',', ',', '\t', '\n', '\r', '\f', '\x00', '\x7f', 'é', '†',
  'charset', 'text/plain', 'image/png', 'x=y', 'a="b c"', 'Q', '+', '|', '<', '>', '[', ']', '^', '`', '{', '1', '80'];
const BODY = ['QUJD', 'WA', 'ab', '=', '==', ' ', '%', '%3D', '%4', '%41', '\t', '\n', '\f', '\x00', 'é', '*', '#', '?', '/', '..', '+'];
const pick = (rand, list) => list[Math.floor(rand() * list.length)];
// A header of random pieces (often ending in a ";base64" variant), usually a comma, then a body of random pieces.
function randomUrl(rand) {
  let s = rand() < 0.1 ? pick(rand, [' ', '\x01', '\t']) : '';
  s += rand() < 0.05 ? pick(rand, ['DATA:', 'da\nta:', 'dat:', 'data']) : 'data:';
  for (let i = Math.floor(rand() * 6); i > 0; i--) s += pick(rand, PIECES);
  if (rand() < 0.5) s += pick(rand, [';base64', '; base64', ';BASE64 ', ';base64;', 'base64', ';base64  ']);
  if (rand() < 0.9) s += ',';
  for (let i = Math.floor(rand() * 6); i > 0; i--) s += pick(rand, BODY);
  if (rand() < 0.1) s += pick(rand, [' ', '\x00', '  \x1f']);
  return s;
}
// As Content-Type is compared: essence plus parameters as a set (a JS object reorders integer-like names).
const canon = (r) => {
  if (!r) return r;
  const [essence, ...params] = r.type.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  return { essence, params: params.sort(), bytes: r.bytes };
};

test('random data: URLs: parseDataUrl and node\'s fetch agree (MIME type, bytes, failure)', async (t) => {
  const rand = rng(2024);
  let failures = 0;
  let base64 = 0;
  let credentials = 0;
  let deviations = 0;
  const N = 6000;
  for (let k = 0; k < N; k++) {
    const url = randomUrl(rand);
    // fetch() refuses a URL with credentials before any processing (the Request constructor's rule, not the data:
    // URL processor's; <img src> would load it): such URLs are left out of the comparison.
    if (URL.canParse(url) && (new URL(url).username || new URL(url).password)) {
      credentials++;
      continue;
    }
    const platform = await nodeFetch(url);
    const mine = ours(url);
    // Two known node 20 deviations from the standards, left out where they make the difference (tests below):
    // undici leaves '`' out of the HTTP token code points; ada drops the path a '..' segment empties in a
    // hierarchical non-special URL ("data://h/.." is "data://h/" per the URL standard, "data://h" in node).
    const hierarchicalDots = /data:[\t\n\r]*\//i.test(url) && /\.|%2e/i.test(url);
    if ((url.includes('`') || hierarchicalDots) && JSON.stringify(canon(mine)) !== JSON.stringify(canon(platform))) {
      deviations++;
      continue;
    }
    if (!platform) failures++;
    else if (/;\s*base64/i.test(url)) base64++;
    assert.deepEqual(canon(mine), canon(platform), `case ${k}: ${JSON.stringify(url)}`);
  }
  t.diagnostic(`${N} URLs: ${failures} failures, ${base64} base64; left out: ${credentials} with credentials, ${deviations} node deviations`);
  assert.ok(failures > 100 && base64 > 100, `the URLs exercised failures (${failures}) and base64 (${base64})`);
  assert.ok(credentials < N / 50, `few URLs left out for credentials (${credentials})`);
  assert.ok(deviations < N / 50, `few URLs left out for node's deviations (${deviations})`);
});
