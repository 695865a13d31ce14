// The module Worker behind imagegate/worker (js/worker.mjs): the package's own createClient (one client, one
// request loop: client.mjs) runs here, with the wasm core and the transport; this file only adds the message
// protocol. Messages in (from the main thread): { cid, id, op, ... } with op init | call | stream | next | return |
// final | abort | drop | stats | helper | dispose. Replies out: { cid, id, ok, value | error } and { cid, id, retry } events.
// Images leave as transferred ArrayBuffers (never copied); errors as { name, message, fields, cause }, rebuilt on the
// main thread as the same classes (js/worker-protocol.mjs). Nothing here sends the key back.
//
// The listener is installed before the core loads (the manual entry: no top-level await), so no early message is
// lost; createClient() awaits init() itself, which fetches the .wasm from next to the glue.
import './packaged-wasm.mjs';
import { createClient, imagePart, sniffImage, version } from './api.mjs';
import { wasm } from './core.mjs';
import { serializeError, reviveReason, SENT } from './worker-protocol.mjs';

/** Per main-thread client: { client, calls: Map<id, AbortController>, streams: Map<id, { stream, it }> }. */
const clients = new Map();
const stats = { transferredBytes: 0, copiedBytes: 0, blobBytes: 0 };

// Each decoded image also crosses as a Blob made here (image.blob): a page shows it through an object URL with no
// copy of the bytes on the main thread (new Blob([bytes]) there costs ~2–3 ms per MiB). A finalCompletion's images
// are its events' own bytes, so they get the events' own Blobs.
const blobs = new WeakMap();  // the image's bytes (Uint8Array) → its Blob
function blobOf(bytes, type) {
  let blob = blobs.get(bytes);
  if (!blob) {
    blob = new Blob([bytes], { type });
    blobs.set(bytes, blob);
    stats.blobBytes += bytes.byteLength;
  }
  return blob;
}


/** The package's functions that need the core, run here for a client (the main thread has no core loaded). */
const HELPERS = {
  imagePart,
  // A Blob (or File) crosses by reference; its bytes are read here.
  sniffImage: async (bytes) => sniffImage(typeof Blob === 'function' && bytes instanceof Blob ? new Uint8Array(await bytes.arrayBuffer()) : bytes),
};

const CALLS = new Set(['images.generate', 'images.edit', 'chat.completions.create', 'models.list',
  'generations.retrieve', 'credits.retrieve']);

/**
 * The buffers to transfer for a result: every Uint8Array's whole buffer, once. Images from the core are views of the
 * response's own buffer (all images of one response share it) or, in a stream, of one buffer per image: that buffer
 * is transferred as it is, so no image is copied. A view of the wasm heap (never expected) is copied instead, as the
 * heap cannot be transferred.
 */
function transferList(value, sent = null) {
  const seen = new Map();
  const made = [];  // the images of this reply that got their Blob here
  const walk = (v, depth) => {
    if (v === null || typeof v !== 'object' || depth > 16) return v;
    if (v instanceof Uint8Array) {
      // Already sent in an earlier event of this stream (a finalCompletion's images are the events' own): the main
      // thread has it, so a reference crosses instead.
      if (sent?.has(v.buffer)) return { [SENT]: sent.get(v.buffer) };
      if (v.buffer === wasm?.HEAPU8?.buffer || (typeof SharedArrayBuffer === 'function' && v.buffer instanceof SharedArrayBuffer)) {
        stats.copiedBytes += v.byteLength;
        return v.slice();
      }
      if (!seen.has(v.buffer)) {
        seen.set(v.buffer, sent ? sent.size + seen.size + 1 : 0);
        stats.transferredBytes += v.buffer.byteLength;
      }
      return v;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || (typeof Blob === 'function' && v instanceof Blob) ||
      (typeof ImageBitmap === 'function' && v instanceof ImageBitmap)) return v;
    if (v.bytes instanceof Uint8Array && typeof v.mimeType === 'string' && !Object.hasOwn(v, 'blob')) {
      v.blob = blobOf(v.bytes, v.mimeType);
      made.push(v);
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i], depth + 1);
      return v;
    }
    for (const k of Object.keys(v)) v[k] = walk(v[k], depth + 1);
    return v;
  };
  const out = walk(value, 0);
  if (sent) for (const [buffer, key] of seen) sent.set(buffer, key);
  return { value: out, transfer: [...seen.keys()], keys: [...seen.values()], images: made };
}

/** How often a stream's image-progress carries a preview Blob to the main thread. */
const PREVIEW_INTERVAL_MS = 250;

/**
 * An image-progress event crosses without `bytes`: they are a view of the buffer the worker is still filling
 * (transferring it would detach it; cloning would copy all of it on the main thread each time). Instead, at most
 * every PREVIEW_INTERVAL_MS, `preview` is a Blob of the prefix made here, in the worker: a Blob crosses by reference.
 */
function progressForMainThread(s, ev) {
  const bytes = ev.bytes;
  ev.bytes = null;
  if (!bytes?.length) return;
  const now = performance.now();
  if (s.lastPreview != null && now - s.lastPreview < PREVIEW_INTERVAL_MS) return;
  s.lastPreview = now;
  ev.preview = new Blob([bytes]);
}

// With createWorkerClient({ objectURLs: true }): each image's Blob also gets its object URL made here
// (image.objectURL). URL.createObjectURL on the main thread waits while the browser is still taking in the Blob's bytes
// from this thread (measured: 16.8 ms for two 6 MiB images, the worker page's longest task); here that wait blocks
// only the worker. The URLs live until client.revokeObjectURL(url) or the client's end.
function reply(cid, id, value, sent = null, bitmaps = []) {
  const { value: v, transfer, keys, images } = transferList(value, sent);
  const state = clients.get(cid);
  if (state?.objectURLs) {
    for (const img of images) {
      img.objectURL = URL.createObjectURL(img.blob);
      state.urls.add(img.objectURL);
    }
  }
  self.postMessage({ cid, id, ok: true, value: v, ...(sent ? { keys } : {}) }, [...transfer, ...bitmaps]);
}

/**
 * With createWorkerClient({ bitmaps: true }): each decoded image also gets `bitmap`, an ImageBitmap decoded here
 * (createImageBitmap of its Blob), transferred to the main thread, which then draws it with no decode and no copy
 * (a canvas's 'bitmaprenderer' context). null where this browser cannot decode the image. The decodes run in turn,
 * as the image decoder does them for <img> elements.
 */
async function attachBitmaps(value) {
  const images = [];
  const walk = (v, depth) => {
    if (v === null || typeof v !== 'object' || depth > 16 || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return;
    if (v.bytes instanceof Uint8Array && typeof v.mimeType === 'string') { images.push(v); return; }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  const out = [];
  for (const img of images) {
    try {
      img.bitmap = await createImageBitmap(blobOf(img.bytes, img.mimeType));
      out.push(img.bitmap);
    } catch {
      img.bitmap = null;
    }
  }
  return out;
}
const fail = (cid, id, err) => self.postMessage({ cid, id, ok: false, error: serializeError(err) });

/** The request options as the worker's client takes them: a signal of our own, onRetry as events. */
function requestOptions(state, cid, id, options, controller) {
  const out = { ...(options ?? {}) };
  delete out.signal;
  if (options?.signal) out.signal = controller.signal;
  if (options?.onRetry === true) {
    out.onRetry = ({ attempt, delayMs, error }) => self.postMessage({ cid, id, retry: { attempt, delayMs, error: serializeError(error) } });
  }
  return out;
}

async function handle(msg) {
  const { cid, id, op } = msg;
  const state = clients.get(cid);
  if (op === 'init') {
    // A client-level onRetry stays on the main thread: each request then has onRetry: true (worker.mjs).
    const client = await createClient(msg.options ?? {});
    clients.set(cid, { client, calls: new Map(), streams: new Map(), finished: new Map(), bitmaps: msg.bitmaps === true && typeof createImageBitmap === 'function',
      objectURLs: msg.objectURLs === true && typeof URL.createObjectURL === 'function', urls: new Set() });
    return reply(cid, id, { baseURL: client.baseURL, timeout: client.timeout, maxRetries: client.maxRetries, strict: client.strict, version });
  }
  if (op === 'stats') {
    // The worker's wasm heap (the core's allocator): bytes in use (malloc'ed) and the linear memory's size.
    const heap = wasm?._heapStats?.() ?? { used: 0, total: 0 };
    return reply(cid, id, { clients: clients.size, calls: state?.calls.size ?? 0, streams: state?.streams.size ?? 0, finished: state?.finished.size ?? 0,
      ...stats, heapUsed: heap.used, heapSize: heap.total });
  }
  if (!state) throw new Error(`imagegate worker: unknown client ${cid}`);
  switch (op) {
    case 'call': {
      if (!CALLS.has(msg.method)) throw new Error(`imagegate worker: unknown method ${msg.method}`);
      const controller = new AbortController();
      state.calls.set(id, controller);
      try {
        const [group, ...rest] = msg.method.split('.');
        let target = state.client[group];
        for (const k of rest.slice(0, -1)) target = target[k];
        const args = [...msg.args];
        const at = msg.optionsIndex;  // where the request options go (models.list and credits.retrieve: the only argument)
        args[at] = requestOptions(state, cid, id, args[at], controller);
        const value = await target[rest.at(-1)](...args);
        return reply(cid, id, value, null, state.bitmaps ? await attachBitmaps(value) : []);
      } finally {
        state.calls.delete(id);
      }
    }
    case 'helper': {
      if (!Object.hasOwn(HELPERS, msg.name)) throw new Error(`imagegate worker: unknown helper ${msg.name}`);
      return reply(cid, id, await HELPERS[msg.name](...msg.args));
    }
    case 'stream': {
      const controller = new AbortController();
      const stream = state.client.chat.completions.stream(msg.params, requestOptions(state, cid, id, msg.options, controller));
      // The stream's own abort follows the call's controller (the main thread's signal and stream.abort()).
      controller.signal.addEventListener('abort', () => stream.abort(controller.signal.reason), { once: true });
      state.streams.set(id, { stream, it: null, controller, sent: new Map() });
      return reply(cid, id, id);
    }
    case 'next': {
      const s = state.streams.get(msg.stream);
      if (!s) throw new Error('imagegate worker: this stream is closed');
      s.it ??= s.stream[Symbol.asyncIterator]();
      let r;
      try {
        r = await s.it.next();
      } catch (err) {
        state.streams.delete(msg.stream);
        throw err;
      }
      if (r.value?.type === 'image-progress') progressForMainThread(s, r.value);
      // A finished stream holds no core state any more (its finally ran); it stays only for finalCompletion().
      if (r.done) { state.streams.delete(msg.stream); state.finished.set(msg.stream, s); }
      // An image event's bitmap (with bitmaps: true); a finalCompletion's images have none (the events had them).
      const bitmaps = state.bitmaps && !r.done && r.value?.type === 'image' ? await attachBitmaps(r.value) : [];
      return reply(cid, id, { done: !!r.done, value: r.done ? undefined : r.value, requestId: s.stream.requestId, generationId: s.stream.generationId ?? null }, s.sent, bitmaps);
    }
    case 'final': {
      const s = state.streams.get(msg.stream) ?? state.finished.get(msg.stream);
      if (!s) throw new Error('imagegate worker: this stream is closed');
      try {
        const completion = await s.stream.finalCompletion();
        return reply(cid, id, { completion, requestId: s.stream.requestId, generationId: s.stream.generationId ?? null }, s.sent);
      } finally {
        state.streams.delete(msg.stream);
        state.finished.delete(msg.stream);
      }
    }
    case 'return':
    case 'drop': {
      const s = state.streams.get(msg.stream);
      state.streams.delete(msg.stream);
      state.finished.delete(msg.stream);
      if (s) {
        if (op === 'drop') s.stream.abort();
        await s.it?.return();  // runs the stream's finally: core state freed, network read cancelled
      }
      return op === 'return' ? reply(cid, id, null) : undefined;
    }
    case 'abort': {
      const target = state.calls.get(msg.target) ?? state.streams.get(msg.target)?.controller;
      target?.abort(reviveReason(msg.reason));
      return undefined;
    }
    case 'revoke': {
      if (state.urls.delete(msg.url)) URL.revokeObjectURL(msg.url);
      return undefined;
    }
    case 'dispose': {
      for (const url of state.urls) URL.revokeObjectURL(url);
      state.urls.clear();
      for (const c of state.calls.values()) c.abort();
      for (const s of state.streams.values()) { s.stream.abort(); s.it?.return().catch(() => {}); }
      state.streams.clear();
      state.finished.clear();
      clients.delete(cid);
      return reply(cid, id, null);
    }
    default:
      throw new Error(`imagegate worker: unknown message ${op}`);
  }
}

self.addEventListener('message', (event) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object' || typeof msg.cid !== 'string') return;
  handle(msg).catch((err) => fail(msg.cid, msg.id, err));
});
