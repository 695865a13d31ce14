// Chat completions with images: create() (one response, images decoded by the core) and stream() (SSE read
// from fetch()'s ReadableStream and fed chunk by chunk to the core's incremental parser — Emscripten 3.1.6's
// fetch cannot stream).
import { wasm } from './core.mjs';
import {
  APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError, makeAPIError,
} from './errors.mjs';
import { encodeBase64, sniffImage } from './codecs.mjs';
import { KIND, parseBody, tooLargeError } from './transport.mjs';

/** The public shape of a decoded image (same fields from the images API and from chat). */
export function publicImage(img) {
  return {
    bytes: img.bytes, mimeType: img.mimeType, format: img.format, width: img.width, height: img.height,
    ...(img.mediaType ? { mediaType: img.mediaType } : {}), ...(img.url ? { url: img.url } : {}),
  };
}

/** Turns the core's parse of a chat completion into the public result (or throws). */
export function chatCompletionResult(parsed, { status = 200, requestId = null, headers = {}, redact = (s) => s } = {}) {
  if (parsed.apiError) throw makeAPIError(parsed.apiError, { headers, requestId, redact });
  if (parsed.invalid) {
    throw new InvalidResponseError(`Invalid chat completion: ${redact(parsed.invalid.message)}`, {
      reason: parsed.invalid.reason, position: parsed.invalid.position, status, requestId,
    });
  }
  const completion = parsed.completion;
  for (const choice of completion.choices ?? []) {
    const images = choice?.message?.images;
    if (Array.isArray(images)) choice.message.images = images.map((img) => (img && 'bytes' in img ? publicImage(img) : img));
  }
  completion.requestId = requestId;
  return completion;
}

/**
 * An image content part for a chat message (image input, e.g. for editing):
 * { type: 'image_url', image_url: { url: 'data:<mime>;base64,...' } }. The MIME type is sniffed when not given.
 * Accepts a Uint8Array, an ArrayBuffer, or a Blob/File (hence async).
 */
export async function imagePart(source, mimeType) {
  let bytes;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) {
    bytes = new Uint8Array(await source.arrayBuffer());
    mimeType ??= source.type || undefined;
  } else throw new TypeError('imagegate: imagePart expects a Uint8Array, an ArrayBuffer, a Blob or a File');
  if (!mimeType) {
    const info = sniffImage(bytes);
    if (info.format === 'unknown') throw new TypeError('imagegate: imagePart could not recognise the image format: pass mimeType');
    mimeType = info.mimeType;
  }
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(mimeType)) throw new TypeError(`imagegate: invalid MIME type ${JSON.stringify(mimeType)}`);
  return { type: 'image_url', image_url: { url: `data:${mimeType};base64,${encodeBase64(bytes)}` } };
}

const SCRATCH_MIN = 64 * 1024;

/**
 * The async iterable returned by client.chat.completions.stream(). Events:
 *   { type: 'text', choice, delta }
 *   { type: 'image', choice, index, bytes, mimeType, format, width, height, mediaType?, url? }
 *   { type: 'image-progress', receivedBytes }   (while a (possibly huge) image event is arriving)
 *   { type: 'usage', usage }
 *   { type: 'finish', choice, reason }
 * Iteration ends after [DONE]. A mid-stream error event throws APIError; a cut stream throws
 * InvalidResponseError; abort() or the AbortSignal throws APIUserAbortError.
 */
export class ChatCompletionStream {
  #open;
  #controller = new AbortController();
  #consumed = false;
  #events = null;
  #aggregate = { meta: {}, choices: new Map(), usage: null };
  #finalPromise = null;

  /** @param open (signal) => Promise<{ response, requestId }>: performs the request (with retries). */
  #callerSignal;

  constructor(open, { signal, timeout, redact }) {
    this.#open = open;
    this.timeout = timeout;
    this.redact = redact;
    // The caller's signal may outlive many streams: it is linked only while this one runs (see #linkCallerSignal).
    this.#callerSignal = signal ?? null;
    if (signal?.aborted) this.#controller.abort(signal.reason);
    this.requestId = null;
  }

  /**
   * Follows the caller's signal while the stream runs; returns the unlink. The listener holds the controller only,
   * never the stream (whose images a long-lived signal would otherwise keep alive), and is removed when it ends.
   */
  #linkCallerSignal() {
    const signal = this.#callerSignal;
    const controller = this.#controller;
    if (!signal) return () => {};
    if (signal.aborted) { controller.abort(signal.reason); return () => {}; }
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  get signal() { return this.#controller.signal; }

  /** Cancels the network read; a pending or later next() throws APIUserAbortError. */
  abort(reason) { this.#controller.abort(reason); }

  [Symbol.asyncIterator]() {
    if (this.#consumed) throw new Error('imagegate: a ChatCompletionStream can be iterated only once');
    this.#consumed = true;
    this.#events = this.#run();
    return this.#events;
  }

  /** Reads the whole stream (if not read yet) and returns it aggregated like create()'s result. */
  finalCompletion() {
    this.#finalPromise ??= (async () => {
      if (!this.#consumed) for await (const _ of this) { /* aggregate only */ }
      else if (this.#events) await this.#drain();
      return this.#buildCompletion();
    })();
    return this.#finalPromise;
  }

  async #drain() {
    for (;;) { const { done } = await this.#events.next(); if (done) return; }
  }

  #record(ev) {
    const agg = this.#aggregate;
    const choice = (i) => {
      if (!agg.choices.has(i)) agg.choices.set(i, { index: i, message: { role: 'assistant', content: '', images: [] }, finish_reason: null });
      return agg.choices.get(i);
    };
    if (ev.type === 'text') choice(ev.choice).message.content += ev.delta;
    else if (ev.type === 'image') choice(ev.choice).message.images.push(publicImage(ev));
    else if (ev.type === 'finish') choice(ev.choice).finish_reason = ev.reason;
    else if (ev.type === 'usage') agg.usage = ev.usage;
  }

  #buildCompletion() {
    const agg = this.#aggregate;
    return {
      ...agg.meta, object: 'chat.completion',
      choices: [...agg.choices.values()].sort((a, b) => a.index - b.index),
      usage: agg.usage, requestId: this.requestId,
    };
  }

  async *#run() {
    const signal = this.#controller.signal;
    const unlink = this.#linkCallerSignal();
    try {
      yield* this.#readEvents(signal);
    } finally {
      unlink();
    }
  }

  async *#readEvents(signal) {
    const { response, requestId } = await this.#open(signal);
    this.requestId = requestId;
    const reader = response.body.getReader();
    const id = wasm.chatStreamCreate();
    let scratch = 0;
    let scratchSize = 0;
    let idleTimer = null;
    try {
      for (;;) {
        const { value, done } = await this.#read(reader, signal, (t) => { idleTimer = t; });
        let result;
        if (done) {
          result = wasm.chatStreamFinish(id);
        } else {
          if (value.length > scratchSize) {
            if (scratch) wasm._free(scratch);
            scratchSize = Math.max(value.length, SCRATCH_MIN, scratchSize * 2);
            scratch = wasm._malloc(scratchSize);
            if (!scratch) throw new RangeError(`imagegate: cannot allocate ${scratchSize} bytes in the wasm heap`);
          }
          wasm.HEAPU8.set(value, scratch);  // re-read HEAPU8: the previous feed may have grown memory
          result = wasm.chatStreamFeed(id, scratch, value.length);
        }
        Object.assign(this.#aggregate.meta, result.meta);
        for (const ev of result.events) {
          if (ev.type === 'done') return;
          if (ev.type === 'error') throw makeAPIError(ev.error, { requestId, redact: this.redact });
          if (ev.type === 'invalid') {
            throw new InvalidResponseError(`Invalid chat stream: ${this.redact(ev.message)}`, { reason: ev.reason, position: ev.position, requestId });
          }
          const out = ev.type === 'image' ? { type: 'image', choice: ev.choice, index: ev.index, ...publicImage(ev) } : ev;
          this.#record(out);
          yield out;
        }
        // One event is held until it is complete: the response limit applies to each event (README "Limits").
        const limit = wasm.maxResponseBytes();
        if (result.pendingBytes > limit) throw tooLargeError(result.pendingBytes, limit);
        if (!done && result.pendingImage) yield { type: 'image-progress', receivedBytes: result.pendingBytes };
        if (done) return;  // finish() always reports done or invalid; this is a safety net
      }
    } finally {
      if (idleTimer) clearTimeout(idleTimer);
      wasm.chatStreamDestroy(id);
      if (scratch) wasm._free(scratch);
      // Stop the network read when the consumer leaves early (break) or on any error.
      reader.cancel().catch(() => {});
    }
  }

  /** One read with an idle timeout: a stalled stream fails instead of hanging. */
  #read(reader, signal, setTimer) {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new APIUserAbortError('Stream aborted'));
      const onAbort = () => { clearTimeout(timer); reject(new APIUserAbortError('Stream aborted')); };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        reject(new APIConnectionTimeoutError(`The stream stalled: no data for ${this.timeout} ms`));
      }, this.timeout);
      setTimer(timer);
      signal.addEventListener('abort', onAbort, { once: true });
      reader.read().then((r) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      }, (err) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? new APIUserAbortError('Stream aborted')
          : new APIConnectionError(`Connection error while streaming: ${err?.cause?.code ?? err?.message ?? err}`));
      });
    });
  }
}

/** Reads a non-OK or non-SSE response body and turns it into the right error. */
export async function errorFromResponse(response, { requestId, redact, secret = '' }) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const headers = Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));
  const parsed = parseBody(KIND.chat, response.status, bytes, { secret });
  if (!parsed.ok) return { result: parsed, headers };
  // A 2xx that is not an event stream: an error object, or something else entirely.
  if (parsed.chat.apiError) return { error: makeAPIError(parsed.chat.apiError, { headers, requestId, redact }) };
  return {
    error: new InvalidResponseError(
      `Expected an event stream (text/event-stream), got ${response.headers.get('content-type') || 'no content type'}`,
      { reason: 'not_event_stream', status: response.status, requestId }),
  };
}
