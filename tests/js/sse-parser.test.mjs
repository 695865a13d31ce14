// createSseParser (the core's SSE parser, exported) against eventsource-parser 3, the parser openai-node and the AI
// SDK use: its own edge cases (tests/fixtures/sse/eventsource-parser), each also split at every byte, random streams
// in random chunks, one 4.8 MB event, and freeing the core state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createParser } from 'eventsource-parser';
import { createSseParser, SseParseError } from 'imagegate';
import { liveSseParsers } from '../../wasm/js/sse.mjs';
import { rng, randomStream } from './sse-streams.mjs';

const cases = JSON.parse(readFileSync(new URL('../fixtures/sse/eventsource-parser/cases.json', import.meta.url), 'utf8'));
// A latin1 case's chunks are byte strings where a char is one byte (U+0080..U+00FF too); other chars are UTF-8.
const utf8 = new TextEncoder();
const bytesOf = (c, s) => (c.latin1
  ? Uint8Array.from([...s].flatMap((ch) => (ch.charCodeAt(0) < 0x100 ? [ch.charCodeAt(0)] : [...utf8.encode(ch)])))
  : utf8.encode(s));

// Every callback, in order, as plain data.
function recorder() {
  const log = [];
  const callbacks = {
    onEvent: (e) => log.push(['event', e]),
    onComment: (c) => log.push(['comment', c]),
    onRetry: (ms) => log.push(['retry', ms]),
    onError: (e) => log.push(['error', { type: e.type, field: e.field, value: e.value, line: e.line, message: e.message }]),
  };
  return { log, callbacks };
}
function finish(parser, c) {
  if (c.reset === 'plain') parser.reset();
  else if (c.reset === 'consume') parser.reset({ consume: true });
}
// eventsource-parser with its input as a network stream would give it: bytes through one streaming TextDecoder.
function peerBytes(c, chunks) {
  const { log, callbacks } = recorder();
  const p = createParser(callbacks);
  const dec = new TextDecoder();
  for (const ch of chunks) p.feed(dec.decode(ch, { stream: true }));
  const rest = dec.decode();
  if (rest) p.feed(rest);
  finish(p, c);
  return log;
}
function oursBytes(c, chunks) {
  const { log, callbacks } = recorder();
  const p = createSseParser(callbacks);
  for (const ch of chunks) p.feed(ch);
  finish(p, c);
  return log;
}

test('eventsource-parser\'s edge cases, fed as its tests feed them (strings, or bytes for the raw BOM)', () => {
  assert.ok(cases.length >= 40);
  for (const c of cases) {
    const { log, callbacks } = recorder();
    const p = createSseParser(callbacks);
    for (const ch of c.chunks) p.feed(c.latin1 ? bytesOf(c, ch) : ch);
    finish(p, c);
    if (c.expect) {
      const events = log.filter(([k]) => k === 'event');
      assert.deepEqual(events, c.expect.map(([k, e]) => [k, { id: undefined, event: undefined, ...e }]), c.name);
      continue;
    }
    if (c.latin1) {  // given byte strings, eventsource-parser would name the field 'ï»¿data': decode the bytes for it
      assert.deepEqual(log, peerBytes(c, c.chunks.map((ch) => bytesOf(c, ch))), c.name);
      continue;
    }
    const peer = recorder();
    const q = createParser(peer.callbacks);
    for (const ch of c.chunks) q.feed(ch);
    finish(q, c);
    assert.deepEqual(log, peer.log, c.name);
  }
});

test('eventsource-parser\'s edge cases as bytes, split in two at every byte', () => {
  let splits = 0;
  for (const c of cases) {
    const all = bytesOf(c, c.chunks.join(''));
    const step = all.length > 3000 ? 7 : 1;
    for (let at = 0; at <= all.length; at += step) {
      const chunks = [all.subarray(0, at), all.subarray(at)];
      assert.deepEqual(oursBytes(c, chunks), peerBytes(c, chunks), `${c.name}, split at ${at}`);
      splits++;
    }
  }
  assert.ok(splits > 5000, `${splits} splits`);
});

test('random streams (with odd lines: unknown fields, bad retry, bare fields, comments) in random chunks', () => {
  const rand = rng(4242);
  let errors = 0;
  let comments = 0;
  for (let k = 0; k < 300; k++) {
    const bytes = randomStream(rand, { odd: true });
    const chunks = [];
    for (let at = 0; at < bytes.length;) {
      const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 3 : 64));
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    chunks.push(new TextEncoder().encode('\n\n'));  // eventsource-parser holds a last lone CR back until it sees more
    const c = { reset: rand() < 0.5 ? 'consume' : undefined };
    const expected = peerBytes(c, chunks);
    errors += expected.filter(([t]) => t === 'error').length;
    comments += expected.filter(([t]) => t === 'comment').length;
    assert.deepEqual(oursBytes(c, chunks), expected, `stream ${k}: ${JSON.stringify(new TextDecoder().decode(bytes).slice(0, 300))}`);
  }
  assert.ok(errors > 100 && comments > 100, `errors ${errors}, comments ${comments}`);
});

test('one 4.8 MB event in 64 KiB chunks, as eventsource-parser reads it', () => {
  const line = 'Blåbærsyltetøy 一定能买到蓝莓果酱吗？ 🫱🏻🫲🏼 '.repeat(40);
  let s = ': hello\n\n';
  while (s.length < 4_800_000) s += `data: ${line}\n`;
  s += '\n: END-OF-STREAM\n\nevent: done\ndata: ✔\n\n';
  const bytes = new TextEncoder().encode(s);
  const chunks = [];
  for (let at = 0; at < bytes.length; at += 65536) chunks.push(bytes.subarray(at, at + 65536));
  const ours = oursBytes({}, chunks);
  assert.deepEqual(ours, peerBytes({}, chunks));
  assert.equal(ours.filter(([t]) => t === 'event').length, 2);
  assert.ok(ours[1][1].data.length > 4_000_000);
});

test('the API: event shape, callbacks optional, bad input', () => {
  const events = [];
  const p = createSseParser({ onEvent: (e) => events.push(e) });
  p.feed('id: 7\nevent: e\ndata: a\n\ndata: b\n\nretry: x\nfoo\n: c\n\n');
  assert.deepEqual(events, [{ id: '7', event: 'e', data: 'a' }, { id: undefined, event: undefined, data: 'b' }]);
  assert.deepEqual(Object.keys(events[1]), ['id', 'event', 'data']);
  const errors = [];
  createSseParser({ onError: (e) => errors.push(e) }).feed('retry: 1x\nnope: 2\n');
  assert.ok(errors[0] instanceof SseParseError && errors[0] instanceof Error);
  assert.deepEqual({ ...errors[0], message: errors[0].message }, { name: 'SseParseError', type: 'invalid-retry', field: undefined, value: '1x', line: 'retry: 1x', message: 'Invalid `retry` value: "1x"' });
  assert.equal(errors[1].type, 'unknown-field');
  assert.throws(() => createSseParser(() => {}), TypeError);
  assert.throws(() => createSseParser({}).feed(42), TypeError);
  const { feed } = createSseParser({ onEvent: (e) => events.push(e) });  // an unbound feed works (as eventsource-parser's)
  feed(new Uint16Array(new TextEncoder().encode('data: u\n\n\0').buffer.slice(0, 10)));
  assert.equal(events.at(-1).data, 'u');
});

test('core state is freed: by reset(), and for parsers that are just dropped (FinalizationRegistry)', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const settle = async (target) => {
    for (let k = 0; k < 50 && liveSseParsers() > target; k++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await settle(0);  // the earlier tests' parsers
  const base = liveSseParsers();
  const p = createSseParser({});
  assert.equal(liveSseParsers(), base, 'nothing is allocated before the first feed');
  p.feed('data: x\n');
  assert.equal(liveSseParsers(), base + 1);
  p.reset();
  assert.equal(liveSseParsers(), base);
  p.feed('data: y\n\n');
  p.reset({ consume: true });
  assert.equal(liveSseParsers(), base);

  for (let i = 0; i < 5000; i++) createSseParser({ onEvent() {} }).feed(`data: ${'x'.repeat(i % 500)}\n\ndata: pending`);
  assert.ok(liveSseParsers() > base);
  await settle(base);
  assert.equal(liveSseParsers(), base, 'every dropped parser was freed');
});
