// ChatCompletionStream: the async iterable that client.chat.completions.stream() returns. The request (with its
// retries) is the client's one request loop; this file reads the started fetch() body chunk by chunk into the
// core's incremental parser (Emscripten 3.1.6's fetch cannot stream) and turns the core's events into JS ones.
import { wasm } from './core.mjs';
import {
  APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError, connectionError, makeAPIError,
} from './errors.mjs';
import { enforceSizeLimit } from './transport.mjs';
import { within } from './abort.mjs';
import { publicImage } from './resources/images.mjs';
import { chatCompletionResult } from './resources/chat.mjs';

const SCRATCH_MIN = 64 * 1024;

/** Core state of a stream: freed in the iterator's finally, or by the registry when a stream is dropped unfinished. */
function freeCoreState(core) {
  if (core.id) wasm._chatStreamDestroy(core.id);
  if (core.scratch) wasm._free(core.scratch);
  core.id = 0;
  core.scratch = 0;
}
/** An image-progress event from a feed's result. */
function progressEvent({ pendingBytes, preview }) {
  const ev = { type: 'image-progress', receivedBytes: pendingBytes };
  if (preview) Object.assign(ev, { choice: preview.choice, index: preview.index, bytes: preview.bytes, decodedBytes: preview.bytes?.length ?? 0 });
  return ev;
}

const dropped = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(freeCoreState) : null;

/**
 * Events:
 *   { type: 'text', choice, delta }
 *   { type: 'image', choice, index, bytes, mimeType, format, width, height, mediaType?, url? }
 *   { type: 'image-progress', receivedBytes, choice?, index?, bytes? }   (while a (possibly huge) image event is
 *     arriving: the event's bytes so far; with the image being decoded, its choice and index and `bytes`, a view of
 *     what is decoded of it so far (no copy; valid until the next event; a truncated PNG/JPEG that browsers render
 *     progressively), or null before its first byte)
 *   { type: 'usage', usage }
 *   { type: 'finish', choice, reason }
 * Iteration ends after [DONE]. A mid-stream error event throws APIError; a cut stream throws
 * InvalidResponseError; abort() or the AbortSignal throws APIUserAbortError; no byte for `idleTimeout` ms throws
 * APIConnectionTimeoutError.
 */
export class ChatCompletionStream {
  #open;
  #controller = new AbortController();
  #callerSignal;
  #idleTimeout;
  #consumed = false;
  #events = null;
  #completion = null;  // the core's aggregate (the same conversion as create()'s), taken at [DONE]
  #finalPromise = null;

  /** @param open (signal) => Promise<{ response, requestId }>: performs the request (the client's request loop). */
  constructor(open, { signal, idleTimeout, redact }) {
    this.#open = open;
    this.#idleTimeout = idleTimeout;
    this.redact = redact;
    // The caller's signal may outlive many streams: it is linked only while this one runs (#linkCallerSignal).
    this.#callerSignal = signal ?? null;
    if (signal?.aborted) this.#controller.abort(signal.reason);
    this.requestId = null;
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

  #buildCompletion() {
    if (!this.#completion) throw new InvalidResponseError('Invalid chat stream: it ended before [DONE]', { reason: 'no_done', position: null, requestId: this.requestId });
    return chatCompletionResult(this.#completion, { requestId: this.requestId, redact: this.redact });
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
    const core = { id: wasm._chatStreamCreate(), scratch: 0 };
    let scratchSize = 0;
    dropped?.register(this, core, core);
    try {
      for (;;) {
        const { value, done } = await this.#read(reader, signal);
        let result;
        if (done) {
          result = wasm._chatStreamFinish(core.id);
        } else {
          if (value.length > scratchSize) {
            if (core.scratch) wasm._free(core.scratch);
            core.scratch = 0;
            scratchSize = Math.max(value.length, SCRATCH_MIN, scratchSize * 2);
            core.scratch = wasm._malloc(scratchSize);
            if (!core.scratch) throw new RangeError(`imagegate: cannot allocate ${scratchSize} bytes in the wasm heap`);
          }
          wasm.HEAPU8.set(value, core.scratch);  // re-read HEAPU8: the previous feed may have grown memory
          result = wasm._chatStreamFeed(core.id, core.scratch, value.length);
        }
        for (const ev of result.events) {
          if (ev.type === 'done') {
            this.#completion = wasm._chatStreamCompletion(core.id);
            return;
          }
          if (ev.type === 'error') throw makeAPIError(ev.error, { requestId, redact: this.redact });
          if (ev.type === 'invalid') {
            throw new InvalidResponseError(`Invalid chat stream: ${this.redact(ev.message)}`, { reason: ev.reason, position: ev.position, requestId });
          }
          yield ev.type === 'image' ? { type: 'image', choice: ev.choice, index: ev.index, ...publicImage(ev) } : ev;
        }
        enforceSizeLimit(result.pendingBytes);  // one event is held until it is complete: the limit is per event
        if (!done && result.pendingImage) yield progressEvent(result);
        if (done) return;  // finish() always reports done or invalid; this is a safety net
      }
    } finally {
      dropped?.unregister(core);
      freeCoreState(core);
      // Stop the network read when the consumer leaves early (break) or on any error.
      reader.cancel().catch(() => {});
    }
  }

  /** One read with the idle timeout: a stalled stream fails instead of hanging. */
  #read(reader, signal) {
    const idle = this.#idleTimeout;
    return within(reader.read().catch((err) => { throw connectionError(err, ' while streaming'); }), signal, idle, {
      onIdle: () => new APIConnectionTimeoutError(`The stream stalled: no data for ${idle} ms (idleTimeout)`),
      onAbort: () => new APIUserAbortError('Stream aborted'),
    });
  }
}
