// Random SSE streams for the differential tests against eventsource-parser (chat-sse.test.mjs: the chat stream;
// sse-parser.test.mjs: the exported createSseParser). Not a test file itself.
import { randomBytes } from 'node:crypto';

export function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

// Lines the SSE standard has rules for beyond data/event/id/retry (used with { odd: true }).
const ODD_LINES = ['retry: 12x', 'retry:', 'retry', 'retry: 99999999999', 'foo: bar', 'Foo:bar', 'justtext', 'data',
  'event:', 'event', 'id', 'id:', 'id: a\0b', ':', ':no-space comment', ':  two spaces', 'data:  two spaces',
  'datax: y', 'event : x', ' data: leading space', 'dATA: case', 'x'.repeat(70), '\uFEFFdata: mid-stream BOM'];

// A random but valid stream: text and image chunks, comments, event/id/retry fields, a BOM, JSON split over
// several data: lines, any of LF / CR / CRLF, then [DONE]. { odd: true } also mixes in ODD_LINES and blank lines
// (without it the sequence of random numbers, and so every stream, is what chat-sse.test.mjs has always used).
export function randomStream(rand, { odd = false } = {}) {
  const eol = ['\n', '\r', '\r\n'][Math.floor(rand() * 3)];
  let s = rand() < 0.3 ? '\uFEFF' : '';
  const events = [];
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const r = rand();
    let delta;
    if (r < 0.5) delta = { content: `t${i} ${'é'.repeat(Math.floor(rand() * 3))}\n"q"` };
    else if (r < 0.8) delta = { images: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${randomBytes(Math.floor(rand() * 200)).toString('base64')}` } }] };
    else delta = {};
    events.push({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: i === n - 1 ? 'stop' : null }] });
  }
  for (const ev of events) {
    if (rand() < 0.3) s += `: keep-alive${eol}`;
    if (rand() < 0.2) s += `event: message${eol}`;
    if (rand() < 0.2) s += `id: ${Math.floor(rand() * 100)}${eol}`;
    if (rand() < 0.1) s += `retry: 1000${eol}`;
    if (odd) {
      for (let k = Math.floor(rand() * 4); k > 0; k--) s += `${ODD_LINES[Math.floor(rand() * ODD_LINES.length)]}${eol}`;
      if (rand() < 0.2) s += eol;
    }
    const json = JSON.stringify(ev, null, rand() < 0.3 ? 1 : undefined);
    for (const line of json.split('\n')) s += `data:${rand() < 0.5 ? ' ' : ''}${line}${eol}`;
    s += eol;
  }
  s += `data: [DONE]${eol}`;
  if (rand() < 0.7) s += eol;  // a last event without a blank line is still an event
  return new TextEncoder().encode(s);
}
