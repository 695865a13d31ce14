// createSseParser: the core's incremental SSE parser (the one chat streams use), exported with the callbacks and
// event shape of eventsource-parser v3's createParser. State lives in the wasm heap; it is freed by reset() and,
// for a parser that is simply dropped, by a FinalizationRegistry.
import { wasm, requireCore, withHeapCopy } from './core.mjs';

/** What onError receives: eventsource-parser's ParseError fields (`type`, `field`, `value`, `line`). */
export class SseParseError extends Error {
  constructor(message, { type, field, value, line }) {
    super(message);
    this.name = 'SseParseError';
    this.type = type;
    this.field = field;
    this.value = value;
    this.line = line;
  }
}

// ignoreBOM: the core strips the stream's leading BOM itself; a field that starts with U+FEFF keeps it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();
const text = (bytes) => (bytes.length ? utf8.decode(bytes) : '');
const noop = () => {};

// Held values are cells, not parsers (a held value must not keep its target alive); a cell's ptr is 0 while the
// parser holds no core state (before the first feed and after reset()).
const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((cell) => {
    if (cell.ptr && wasm) wasm._sseParserDestroy(cell.ptr);
    cell.ptr = 0;
  })
  : null;

/**
 * createSseParser({ onEvent, onComment, onRetry, onError }) → { feed(bytes | string), reset({ consume }) }.
 * onEvent({ id, event, data }): `id` and `event` are undefined when the event's block had no such field (an empty
 * `event:` is undefined too), as in eventsource-parser. onComment(text) gets a ':' line without its one leading
 * space; onRetry(ms) a `retry:` of ASCII digits; onError(SseParseError) an invalid retry or an unknown field
 * (type 'invalid-retry' | 'unknown-field').
 */
export function createSseParser(callbacks = {}) {
  if (typeof callbacks === 'function') {
    throw new TypeError('imagegate: createSseParser expects an object of callbacks, e.g. createSseParser({ onEvent }), not a function');
  }
  const { onEvent = noop, onComment, onRetry = noop, onError = noop } = callbacks ?? {};
  const cell = { ptr: 0 };
  const token = {};

  function dispatch(records) {
    for (const r of records) {
      if (r.t === 0) {
        onEvent({ id: r.id === undefined ? undefined : text(r.id), event: r.event === undefined ? undefined : text(r.event), data: text(r.data) });
      } else if (r.t === 1) {
        if (onComment) {
          const c = text(r.text);
          onComment(c.charCodeAt(0) === 32 ? c.slice(1) : c);
        }
      } else {
        const field = text(r.name);
        const value = text(r.value);
        const line = text(r.line);
        if (field === 'retry') {
          if (/^\d+$/.test(value)) onRetry(parseInt(value, 10));
          else onError(new SseParseError(`Invalid \`retry\` value: "${value}"`, { type: 'invalid-retry', value, line }));
        } else {
          const name = field.length > 20 ? `${field.slice(0, 20)}\u2026` : field;
          onError(new SseParseError(`Unknown field "${name}"`, { type: 'unknown-field', field, value, line }));
        }
      }
    }
  }

  function release() {
    if (!cell.ptr) return;
    wasm._sseParserDestroy(cell.ptr);
    cell.ptr = 0;
    registry?.unregister(token);
  }

  const parser = {
    /** Feeds the next chunk: bytes (UTF-8; a chunk may end anywhere, even inside a character) or a string. */
    feed(chunk) {
      requireCore();
      let bytes;
      if (typeof chunk === 'string') bytes = encoder.encode(chunk);
      else if (chunk instanceof Uint8Array) bytes = chunk;
      else if (chunk instanceof ArrayBuffer) bytes = new Uint8Array(chunk);
      else if (ArrayBuffer.isView(chunk)) bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      else throw new TypeError('imagegate: feed expects a Uint8Array, an ArrayBuffer or a string');
      if (!cell.ptr) {
        cell.ptr = wasm._sseParserCreate();
        registry?.register(parser, cell, token);
      }
      const records = withHeapCopy(bytes, (ptr, len) => wasm._sseParserFeed(cell.ptr, ptr, len));
      dispatch(records);
    },
    /**
     * Starts over, as at the start of a stream (a leading BOM is dropped again) and frees the core state.
     * { consume: true } first processes a last line that has no line ending (its retry, comment or error is
     * reported; an event is never dispatched without its blank line).
     */
    reset(options = {}) {
      if (cell.ptr && options?.consume) {
        const records = wasm._sseParserFinish(cell.ptr);
        release();
        dispatch(records);
        return;
      }
      release();
    },
  };
  return parser;
}

/** Core parsers alive right now (for leak tests). */
export const liveSseParsers = () => (wasm ? wasm._sseParserCount() : 0);
