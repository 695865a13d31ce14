// imagegate/worker: createWorkerClient() — the API of createClient, with the wasm core and the transport in a module
// Worker (js/worker-host.mjs runs the package's own createClient there; this file only speaks the protocol). Images
// arrive as transferred ArrayBuffers; errors as the same classes (errors.mjs) with the same fields; streams are
// pulled one event per next(), so a dropped or broken-off iterator frees the stream in the worker.
import { ValidationError, ImagegateError } from './errors.mjs';
import { reviveError, serializeReason, SENT } from './worker-protocol.mjs';

export {
  ImagegateError, ValidationError, Base64DecodeError, DataUrlError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError,
  InternalServerError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
} from './errors.mjs';

// Pure JavaScript (no core): the same functions as the main entry's.
export { providerOptionsKey, modelCapabilities, checkCapabilities, estimateCost, closestModel } from './providers.mjs';

let nextClient = 0;

/** The packaged worker, written so that Vite, webpack 5 and plain pages find it (and a CSP's worker-src 'self'). */
function defaultWorker() {
  const located = typeof import.meta.url === 'string';
  if (!located) throw new ValidationError('this runtime gives modules no URL to find the worker script by: pass `worker`', 'worker');
  return new Worker(new URL('./worker-host.mjs', import.meta.url), { type: 'module' });
}

function openWorker(worker) {
  if (worker === undefined || worker === null) return { worker: defaultWorker(), owned: true };
  if (typeof Worker === 'function' && worker instanceof Worker) return { worker, owned: false };
  if (typeof worker === 'string' || worker instanceof URL) return { worker: new Worker(worker, { type: 'module' }), owned: true };
  throw new ValidationError('`worker` must be a Worker, or the URL of a module script that imports \'imagegate/worker/host\'', 'worker');
}

/** A relative base URL means the page's, not the worker script's. */
function pageBaseURL(baseURL) {
  if (typeof baseURL !== 'string' || typeof location !== 'object' || !location?.href) return baseURL;
  try {
    return new URL(baseURL, location.href).href;
  } catch {
    return baseURL;  // the worker's client says what is wrong with it
  }
}

/** URL objects do not survive structured clone: an edit's image and mask URLs cross as strings. */
const plainURL = (x) => (typeof URL === 'function' && x instanceof URL ? x.href : x);

class Connection {
  #worker;
  #owned;
  #cid = `c${++nextClient}-${Math.random().toString(36).slice(2)}`;
  #nextId = 0;
  #pending = new Map();  // id → { resolve, reject, raw }
  #retry = new Map();    // id → onRetry (a stream's stays until the stream ends: its request starts later)
  #closed = null;

  constructor(worker, owned) {
    this.#worker = worker;
    this.#owned = owned;
    this.onMessage = (event) => this.#receive(event.data);
    this.onError = (event) => this.#fail(new ImagegateError(`imagegate worker failed: ${event?.message || 'the worker script could not be loaded or run (its URL, a bundler that did not emit it, or the page\'s worker-src)'}`));
    this.onMessageError = () => this.#fail(new ImagegateError('imagegate worker: a message could not be deserialised'));
    worker.addEventListener('message', this.onMessage);
    worker.addEventListener('error', this.onError);
    worker.addEventListener('messageerror', this.onMessageError);
  }

  #receive(msg) {
    if (!msg || msg.cid !== this.#cid) return;
    if (msg.retry) {
      const { attempt, delayMs, error } = msg.retry;
      this.#retry.get(msg.id)?.({ attempt, delayMs, error: reviveError(error) });
      return;
    }
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    if (msg.ok) p.resolve(p.raw ? msg : msg.value);
    else p.reject(reviveError(msg.error));
  }

  #fail(err) {
    this.#closed ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#retry.clear();
  }

  /** Posts a message and resolves with the reply; `signal` forwards an abort, `onRetry` receives retry events. */
  send(op, fields = {}, { signal = null, onRetry = null, keepRetry = false, abortTarget = null, raw = false } = {}) {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      let onAbort = null;
      const done = (fn) => (v) => {
        if (onAbort) signal.removeEventListener('abort', onAbort);
        if (!keepRetry) this.#retry.delete(id);
        fn(v);
      };
      this.#pending.set(id, { resolve: done(resolve), reject: done(reject), raw });
      if (onRetry) this.#retry.set(id, onRetry);
      this.#worker.postMessage({ cid: this.#cid, id, op, ...fields });
      if (signal) {
        onAbort = () => this.post('abort', { target: abortTarget ?? id, reason: serializeReason(signal.reason) });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** A stream's onRetry is no longer needed. */
  forgetRetry(id) { this.#retry.delete(id); }

  /** A message without a reply. */
  post(op, fields = {}) {
    if (!this.#closed) this.#worker.postMessage({ cid: this.#cid, id: 0, op, ...fields });
  }

  async terminate() {
    if (this.#closed) return;
    if (!this.#owned) await this.send('dispose').catch(() => {});
    this.#fail(new ImagegateError('imagegate worker client was terminated'));
    this.#worker.removeEventListener('message', this.onMessage);
    this.#worker.removeEventListener('error', this.onError);
    this.#worker.removeEventListener('messageerror', this.onMessageError);
    if (this.#owned) this.#worker.terminate();
  }
}

const checkOnRetry = (fn, where) => {
  if (fn != null && typeof fn !== 'function') throw new ValidationError(`\`onRetry\` must be a function${where}`, 'onRetry');
};

/** What crosses for a request's options: signal and onRetry become flags (the worker makes its own). */
function wireOptions(options, clientOnRetry) {
  if (options !== undefined && (options === null || typeof options !== 'object')) return { wire: options, signal: null, onRetry: null };
  const { signal, onRetry, ...rest } = options ?? {};
  checkOnRetry(onRetry, ' (request option)');
  const retry = onRetry ?? clientOnRetry;
  if (signal != null && !(signal instanceof AbortSignal)) throw new ValidationError('`signal` must be an AbortSignal', 'signal');
  return { wire: { ...rest, ...(signal ? { signal: true } : {}), ...(retry ? { onRetry: true } : {}) }, signal: signal ?? null, onRetry: retry ?? null };
}

/** The images of a reply, in the order the worker listed their buffers (first use of each buffer). */
function viewsByBuffer(value) {
  const views = new Map();
  const walk = (v, depth) => {
    if (v === null || typeof v !== 'object' || depth > 16) return;
    if (v instanceof Uint8Array) { if (!views.has(v.buffer)) views.set(v.buffer, v); return; }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return;
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...views.values()];
}

/** Puts back the images the main thread already has (a finalCompletion's images are its events' own Uint8Arrays). */
function restoreSent(v, received, depth = 0) {
  if (v === null || typeof v !== 'object' || depth > 16 || ArrayBuffer.isView(v)) return v;
  if (Object.hasOwn(v, SENT)) return received.get(v[SENT]) ?? null;
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) v[i] = restoreSent(v[i], received, depth + 1); return v; }
  for (const k of Object.keys(v)) v[k] = restoreSent(v[k], received, depth + 1);
  return v;
}

/** The stream that chat.completions.stream() returns: an async iterable pulling one event per next() from the worker. */
class WorkerChatCompletionStream {
  #conn;
  #opened;
  #id = null;
  #controller = new AbortController();
  #consumed = false;
  #finished = false;
  #finalPromise = null;
  #received = new Map();  // the worker's key → the image (Uint8Array) received in an event
  #unlink = () => {};

  constructor(conn, opened, callerSignal) {
    this.#conn = conn;
    this.#opened = opened;
    this.requestId = null;
    this.generationId = null;
    // The caller's signal is linked only while the stream runs (it may outlive many streams).
    if (callerSignal?.aborted) this.#controller.abort(callerSignal.reason);
    else if (callerSignal) {
      const c = this.#controller;
      const onAbort = () => c.abort(callerSignal.reason);
      callerSignal.addEventListener('abort', onAbort, { once: true });
      this.#unlink = () => callerSignal.removeEventListener('abort', onAbort);
    }
    // Dropped unread or unfinished (never returned): the worker frees the stream when this object is collected.
    dropped?.register(this, { conn, opened });
  }

  get signal() { return this.#controller.signal; }

  /** Cancels the stream in the worker; a pending or later next() throws APIUserAbortError. */
  abort(reason) { this.#controller.abort(reason); }

  async #stream() {
    if (this.#id === null) {
      const id = await this.#opened;
      if (this.#id === null) {
        this.#id = id;
        const forward = () => this.#conn.post('abort', { target: id, reason: serializeReason(this.#controller.signal.reason) });
        if (this.#controller.signal.aborted) forward();
        else this.#controller.signal.addEventListener('abort', forward, { once: true });
      }
    }
    return this.#id;
  }

  #end() {
    this.#finished = true;
    this.#opened.then((id) => this.#conn.forgetRetry(id), () => {});
    this.#unlink();
    this.#unlink = () => {};
  }

  /** One reply of the stream: keeps the images it brought (by the worker's keys) and restores earlier ones. */
  #take(msg) {
    const { keys = [] } = msg;
    const views = viewsByBuffer(msg.value);
    keys.forEach((k, i) => { if (views[i]) this.#received.set(k, views[i]); });
    const r = restoreSent(msg.value, this.#received);
    this.requestId = r.requestId;
    this.generationId = r.generationId;
    return r;
  }

  [Symbol.asyncIterator]() {
    if (this.#consumed) throw new Error('imagegate: a ChatCompletionStream can be iterated only once');
    this.#consumed = true;
    const self = this;
    return {
      async next() {
        if (self.#finished) return { done: true, value: undefined };
        try {
          const stream = await self.#stream();
          const r = self.#take(await self.#conn.send('next', { stream }, { raw: true }));
          if (r.done) self.#end();
          return { done: r.done, value: r.value };
        } catch (err) {
          self.#end();
          throw err;
        }
      },
      async return(value) {
        if (!self.#finished) {
          self.#end();
          const stream = await self.#opened.catch(() => null);
          if (stream !== null) await self.#conn.send('return', { stream }).catch(() => {});
        }
        return { done: true, value };
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  /** Reads the whole stream in the worker (if not read yet) and returns it aggregated like create()'s result. */
  finalCompletion() {
    this.#finalPromise ??= (async () => {
      this.#consumed = true;
      const r = this.#take(await this.#conn.send('final', { stream: await this.#stream() }, { raw: true }));
      this.#end();
      return r.completion;
    })();
    return this.#finalPromise;
  }
}

// A stream dropped unfinished: the worker aborts it and frees it (its core state, its network read).
const dropped = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(({ conn, opened }) => opened.then((stream) => conn.post('drop', { stream }), () => {})) : null;

/** The client object: the same shape as createClient's, every call a message to the worker. */
function clientFacade(conn, info, clientOnRetry) {
  const call = (method, optionsIndex) => (...args) => {
    let w;
    try {
      args = [...args];
      w = wireOptions(args[optionsIndex], clientOnRetry);
      args[optionsIndex] = w.wire;
      if (method === 'images.edit' && args[0] && typeof args[0] === 'object') {
        const p = { ...args[0] };
        for (const k of ['images', 'image']) if (p[k] !== undefined) p[k] = Array.isArray(p[k]) ? p[k].map(plainURL) : plainURL(p[k]);
        if (p.mask !== undefined) p.mask = plainURL(p.mask);
        args[0] = p;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return conn.send('call', { method, args, optionsIndex }, { signal: w.signal, onRetry: w.onRetry });
  };
  return {
    baseURL: info.baseURL,
    timeout: info.timeout,
    maxRetries: info.maxRetries,
    strict: info.strict,
    /** The package version, as compiled into the worker's core. */
    version: info.version ?? null,
    images: { generate: call('images.generate', 1), edit: call('images.edit', 1) },
    chat: {
      completions: {
        create: call('chat.completions.create', 1),
        stream(params, options = {}) {
          const w = wireOptions(options, clientOnRetry);
          // The parameters are checked in the worker (a ValidationError rejects the first next()).
          const opened = conn.send('stream', { params, options: w.wire }, { onRetry: w.onRetry, keepRetry: true });
          opened.catch(() => {});
          return new WorkerChatCompletionStream(conn, opened, w.signal);
        },
      },
    },
    models: { list: call('models.list', 0) },
    generations: { retrieve: call('generations.retrieve', 1) },
    credits: { retrieve: call('credits.retrieve', 0) },
    /** The package's imagePart() and sniffImage(), run in the worker (where the core is). */
    imagePart: (source, mimeType) => conn.send('helper', { name: 'imagePart', args: [source, mimeType] }),
    sniffImage: (bytes) => conn.send('helper', { name: 'sniffImage', args: [bytes] }),
    /** Diagnostics: what the worker holds for this client (open calls and streams) and how many bytes it moved. */
    workerStats: () => conn.send('stats'),
    /** With objectURLs: true, frees an image's objectURL (and lets its Blob go). */
    revokeObjectURL: (url) => conn.post('revoke', { url: String(url) }),
    /** Ends this client; the worker too when this client started it. Pending calls reject. */
    terminate: () => conn.terminate(),
    toJSON: () => ({ baseURL: info.baseURL, timeout: info.timeout, maxRetries: info.maxRetries, worker: true }),
  };
}

/**
 * createClient()'s API, run in a module Worker. Options: those of createClient except `fetch` (a function cannot
 * cross to the worker), plus `worker`: a Worker of your own (running a module that imports 'imagegate/worker/host'),
 * or the URL of such a module; by default the package's worker script; and `bitmaps`: each decoded image also carries
 * an ImageBitmap decoded in the worker (worker-host.mjs); `objectURLs`: each decoded image also carries `objectURL`, its
 * Blob's object URL made in the worker (free it with client.revokeObjectURL). Every decoded image carries `blob`, a Blob
 * made in the worker.
 */
export async function createWorkerClient(options = {}) {
  if (options === null || typeof options !== 'object') throw new ValidationError('The client options must be an object', null);
  const { worker: given, onRetry, fetch, bitmaps = false, objectURLs = false, ...rest } = options;
  if (fetch != null) throw new ValidationError('`fetch` cannot be passed to a worker client (functions do not cross to the worker): use createClient', 'fetch');
  if (typeof bitmaps !== 'boolean') throw new ValidationError('`bitmaps` must be a boolean', 'bitmaps');
  if (typeof objectURLs !== 'boolean') throw new ValidationError('`objectURLs` must be a boolean', 'objectURLs');
  checkOnRetry(onRetry, '');
  if (typeof Worker !== 'function') throw new ImagegateError('imagegate/worker needs Worker (a browser page or a worker)');
  const { worker, owned } = openWorker(given);
  const conn = new Connection(worker, owned);
  let info;
  try {
    info = await conn.send('init', { bitmaps, objectURLs, options: { ...rest, ...(rest.baseURL !== undefined ? { baseURL: pageBaseURL(rest.baseURL) } : {}) } });
  } catch (err) {
    await conn.terminate();
    throw err;
  }
  return clientFacade(conn, info, onRetry ?? null);
}

