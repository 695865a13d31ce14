// Issue 16: the same image payload gives the same answer whichever endpoint carries it. A corpus of data URLs (every
// JSON escape form, percent-encoding, upper-case DATA:/BASE64, line-wrapped and unpadded base64, parameters, no
// media type, fragments, decoys, invalid characters) goes through the three paths — /images/generations
// (data[0].url), a chat completion (message.images[0]) and a chat stream (delta.images[0], split in two at every
// byte) — and each must give the same bytes or the same error reason, and agree with node's own fetch() of the data
// URL (the platform's WHATWG data: URL processor) as the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'imagegate';
import { wasm, kinds } from '../../wasm/js/core.mjs';
import { parseBody } from '../../wasm/js/transport.mjs';

const enc = new TextEncoder();
const hex = (u8) => Buffer.from(u8).toString('hex');

// 48 bytes whose base64 has '+', '/' and every kind of character.
const raw = Uint8Array.from({ length: 48 }, (_, i) => (i * 53 + 251) & 0xff);
const b = Buffer.from(raw).toString('base64');
const b2 = Buffer.from(raw.subarray(0, 47)).toString('base64');  // ends in "="
const pct = (s) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`).join('');
const wrap = (s, n, sep) => s.match(new RegExp(`.{1,${n}}`, 'g')).join(sep);

const CORPUS = [
  `data:image/png;base64,${b}`,
  `DATA:IMAGE/PNG;BASE64,${b}`,
  `Data:image/PNG;Base64,${b2}`,
  `data:image/png;base64,${b.replaceAll('+', '%2B').replaceAll('/', '%2F')}`,
  `data:image/png;base64,${b.replaceAll('+', '%2b').replaceAll('/', '%2f')}`,
  `data:image/png;base64,${pct(b)}`,
  `data:image/png;base64,${wrap(b, 16, '\n')}`,
  `data:image/png;base64,${wrap(b, 16, '\r\n')}`,
  `data:image/png;base64,${wrap(b, 8, ' ')}`,
  `data:image/png;base64,${wrap(b, 12, '\t')}`,
  `data:image/png;base64,${wrap(b, 4, '\f')}`,
  `data:image/png;base64,${b2.replace(/=+$/, '')}`,          // unpadded
  `data:image/png;charset=utf-8;base64,${b}`,                   // a parameter
  `data:image/png;a=b;c="d;base64",${b}`,                       // a quoted ";base64" is not the marker... (see oracle)
  `data:;base64,${b}`,                                          // no media type
  `data:base64,${b}`,                                           // no ';': not base64, the text itself
  `data:image/png; base64,${b}`,                                // spaces before "base64"
  `data:image/png;base64 ,${b}`,                                // trailing space in the MIME type portion
  `data:image;base64,${b}`,                                     // a malformed MIME type: text/plain
  `  data:image/png;base64,${b}  `,                             // leading/trailing spaces (stripped by the URL parser)
  `\u0001data:image/png;base64,${b}\u0002`,                     // leading/trailing C0 controls
  `da\tta:image/png;ba\nse64,${b}`,                             // tab/newline anywhere are removed
  `data:image/png;base64,${b}#fragment`,
  `data:image/png;base64,${b.slice(0, 12)}#${b.slice(12)}`,     // the fragment cuts the data
  `data:image/png;base64,${b.slice(0, 8)}!${b.slice(8)}`,       // invalid character
  `data:image/png;base64,${b.slice(0, 8)}%zz${b.slice(8)}`,     // '%' that starts no escape
  `data:image/png;base64,${b.slice(0, 8)}%${b.slice(8)}`,
  `data:image/png;base64,${b}%`,
  `data:image/png;base64,${b}%4`,
  `data:image/png;base64,${b.slice(0, 8)}\u00e9${b.slice(8)}`, // non-ASCII
  `data:image/png;base64,${b.slice(0, 8)}=${b.slice(8)}`,       // misplaced padding
  `data:image/png;base64,${b}A`,                                // a lone final character
  `data:image/png;base64,${b}====`,
  `data:image/png;base64,${b}\u0001`,                           // a trailing control is stripped
  `data:image/png;base64,${b.slice(0, 8)}\u0001${b.slice(8)}`,  // an inner one is not
  `data:image/png;base64,`,                                     // empty
  `data:image/png,${pct(String.fromCharCode(...raw))}`,         // percent-encoded bytes, not base64
  `data:image/png,GIF89a%00%01`,
  `data:text/plain,hello world%20!%zz`,
  `data:image/svg+xml;utf8,<svg xmlns="http://www.w3.org/2000/svg"/>`,
  `data:image/png;x=${'a'.repeat(5000)};base64,${b}`,           // a header longer than the fast path reads
  `data:/image/png;base64,${b}`,                                // hierarchical forms
  `data://image/png;base64,${b}`,
  `data:image/png;base64`,                                      // no ','
  `data:image/png;base64#,${b}`,                                // ',' only after the fragment
  `data:image/png;base64?,${b}`,                                // a query
  `https://example.com/a.png`,                                  // decoys: not data: URLs
  `https://example.com/data:image/png;base64,${b}`,
  `dat:image/png;base64,${b}`,
  ``,
];

// The JSON text of a string, in several escape forms nlohmann and JSON.parse read alike.
const u = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
const FORMS = {
  plain: (s) => JSON.stringify(s),
  allEscaped: (s) => `"${[...s].map((c) => (c.charCodeAt(0) > 0xffff ? JSON.stringify(c).slice(1, -1) : u(c))).join('')}"`,
  slashes: (s) => JSON.stringify(s).replaceAll('/', '\\/'),
  everyThird: (s) => `"${[...JSON.stringify(s).slice(1, -1).replace(/\\u[0-9a-f]{4}|\\./g, (e) => JSON.parse(`"${e}"`))]
    .map((c, i) => (i % 3 === 0 ? u(c) : JSON.stringify(c).slice(1, -1))).join('')}"`,
};

const imagesDoc = (str) => `{"data":[{"url":${str}}]}`;
const chatDoc = (str) => `{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"","images":[{"type":"image_url","image_url":{"url":${str}}}]},"finish_reason":"stop"}]}`;
const streamText = (str) => `data: {"id":"x","choices":[{"index":0,"delta":{"images":[{"type":"image_url","image_url":{"url":${str}}}]}}]}\n\ndata: [DONE]\n\n`;

function outcomeOf(img) {
  if (!img) return { none: true };
  if (img.url) return { url: img.url };
  if (!img.bytes) return { none: true };  // an empty URL
  return { bytes: hex(img.bytes), mediaType: img.mediaType ?? null };
}
function viaImages(json) {
  const r = parseBody(kinds.parse.images, 200, enc.encode(json)).images;
  return r.invalid ? { error: r.invalid.reason } : outcomeOf(r.images[0]);
}
function viaChat(json) {
  const r = parseBody(kinds.parse.chat, 200, enc.encode(json)).chat;
  return r.invalid ? { error: r.invalid.reason } : outcomeOf(r.completion.choices[0].message.images[0]);
}
function viaStream(bytes, cuts) {
  const id = wasm._chatStreamCreate();
  let image = null;
  let error = null;
  try {
    const results = [];
    let from = 0;
    for (const at of [...cuts, bytes.length]) {
      const piece = bytes.subarray(from, at);
      from = at;
      const ptr = wasm._malloc(Math.max(piece.length, 1));
      wasm.HEAPU8.set(piece, ptr);
      results.push(wasm._chatStreamFeed(id, ptr, piece.length));
      wasm._free(ptr);
    }
    results.push(wasm._chatStreamFinish(id));
    for (const r of results) {
      for (const ev of r.events) {
        if (ev.type === 'image' && !image) image = ev;
        if (ev.type === 'invalid' && !error) error = ev.reason;
      }
    }
  } finally {
    wasm._chatStreamDestroy(id);
  }
  return error ? { error } : outcomeOf(image);
}

// Every split point of an event up to 1200 bytes. Longer ones (the escaped forms of the long corpus entries, the
// 5000-byte header) are split at every byte of their first 400 and last 200, and every 7th byte between: 7 is
// prime to the 6 bytes of a \uXXXX escape and the 4 of a base64 quantum, so every offset inside each still occurs.
function splitPoints(len) {
  const cuts = [];
  for (let cut = 1; cut < len; cut++) if (len <= 1200 || cut < 400 || cut > len - 200 || cut % 7 === 0) cuts.push(cut);
  return cuts;
}

async function oracle(url) {
  if (!/^[\u0000-\u0020]*d[\t\n\r]*a[\t\n\r]*t[\t\n\r]*a[\t\n\r]*:/i.test(url)) return { notData: true };
  try {
    const res = await fetch(url);
    return { bytes: hex(new Uint8Array(await res.arrayBuffer())), essence: res.headers.get('content-type').split(';')[0].trim() };
  } catch {
    return { fails: true };
  }
}

test('the corpus gives the same bytes or the same error on all three paths, at every split, and matches fetch()', async () => {
  let compared = 0;
  for (const url of CORPUS) {
    const expected = await oracle(url);
    for (const [form, encode] of Object.entries(FORMS)) {
      const str = encode(url);
      assert.equal(JSON.parse(str), url, `${form} encodes the URL`);
      const label = `${form} ${JSON.stringify(url.slice(0, 80))}`;
      const images = viaImages(imagesDoc(str));
      const chat = viaChat(chatDoc(str));
      assert.deepEqual(chat, images, `${label}: chat create agrees with the images API`);
      const sse = enc.encode(streamText(str));
      const whole = viaStream(sse, []);
      assert.deepEqual(whole, images, `${label}: the stream agrees with the images API`);
      for (const cut of splitPoints(sse.length)) {
        const split = viaStream(sse, [cut]);
        if (split.error !== whole.error || split.bytes !== whole.bytes || split.url !== whole.url) {
          assert.deepEqual(split, whole, `${label}: the stream split at byte ${cut}`);
        }
      }
      // The oracle: what fetch() makes of the URL itself.
      if (expected.notData) {
        if (url === '') assert.deepEqual(images, { none: true }, `${label}: an empty URL is no image`);
        else assert.deepEqual(images, { url }, `${label}: not a data: URL, reported as is`);
      } else if (expected.fails) {
        assert.ok(images.error, `${label}: fetch() refuses it, so must we (got ${JSON.stringify(images)})`);
      } else {
        assert.equal(images.bytes, expected.bytes, `${label}: the bytes fetch() gives`);
        assert.equal(images.mediaType, expected.essence, `${label}: the MIME type fetch() gives`);
      }
      compared++;
    }
  }
  assert.equal(compared, CORPUS.length * Object.keys(FORMS).length);
});

test('a raw TAB or LF inside the JSON string is invalid JSON on every path (JSON.parse rejects it too)', () => {
  for (const ctl of ['\t', '\n', '\u0001']) {
    const str = `"data:image/png;base64,${b.slice(0, 8)}${ctl}${b.slice(8)}"`;
    assert.throws(() => JSON.parse(str));
    assert.deepEqual(viaImages(imagesDoc(str)), { error: 'invalid_json' });
    assert.deepEqual(viaChat(chatDoc(str)), { error: 'invalid_json' });
    const sse = enc.encode(streamText(str));
    assert.deepEqual(viaStream(sse, []), { error: 'invalid_json' });
    assert.deepEqual(viaStream(sse, [40]), { error: 'invalid_json' });
  }
});
