// Moves one request over the network and returns the core's parsed result. Two routes:
//  - emscripten_fetch (default): the body lands in the wasm heap once and is parsed there in place;
//  - an injected fetch (tests, proxies, Workers): its bytes are copied into the heap and parsed the same way.
// On both routes, decoded images are copied back into the response's own buffer (warm memory) and handed out as
// views of it, rather than into a new buffer each.
// Timeouts and AbortSignals are handled here; retries are the client's business.
import { wasm } from './core.mjs';
import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError } from './errors.mjs';

export const KIND = { json: 0, images: 1, chat: 2 };

const MiB = 1024 * 1024;
/** The error for a body over the core's limit (README "Limits"); `size` may be a declared Content-Length. */
export function tooLargeError(size, limit) {
  return new InvalidResponseError(
    `The response is too large: ${(size / MiB).toFixed(1)} MiB, more than imagegate's limit of ${(limit / MiB).toFixed(0)} MiB`,
    { reason: 'too_large', position: null });
}

/** "name: value\r\n" lines → { name: value } with lower-case names (repeated names joined by ", "). */
export function parseHeaderLines(text) {
  const headers = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

function abortError(signal) {
  const reason = signal?.reason;
  return new APIUserAbortError(reason instanceof Error && reason.name !== 'AbortError'
    ? `Request aborted: ${reason.message}` : 'Request aborted');
}

/**
 * Sends a request through emscripten_fetch. `body` is { ptr, len } in the heap (kept alive by the caller).
 * Resolves with { ok, status, headers, ... } from the core, rejects with connection/timeout/abort errors.
 */
export function sendWithEmscriptenFetch({ method, url, headers, body, kind, signal, timeout, secret = '' }) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    let id = 0;
    let settled = false;
    let timer = null;
    const cleanup = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      if (settled) return;
      cleanup();
      wasm.abortRequest(id);
      reject(abortError(signal));
    };
    const flat = [];
    for (const [k, v] of headers) flat.push(k, v);
    id = wasm.startRequest(method, url, flat, body ? body.ptr : 0, body ? body.len : 0, kind, secret, (result) => {
      // Called from inside wasm: must never throw (a JS exception would unwind through C++ frames).
      if (settled) return;
      cleanup();
      try {
        result.headers = parseHeaderLines(result.headers || '');
        if (result.tooLarge) reject(tooLargeError(result.size, result.limit));
        else if (result.networkError) reject(new APIConnectionError('Connection error: the gateway could not be reached (network, DNS, TLS or CORS failure)'));
        else resolve(result);
      } catch (err) {
        reject(err);
      }
    });
    if (settled) return;  // failed synchronously
    if (timeout > 0 && Number.isFinite(timeout)) {
      timer = setTimeout(() => {
        if (settled) return;
        cleanup();
        wasm.abortRequest(id);
        reject(new APIConnectionTimeoutError(`Request timed out after ${timeout} ms`));
      }, timeout);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Copies bytes into the heap, runs fn(ptr, len) and frees them. */
function withHeapBytes(bytes, fn) {
  const ptr = wasm._malloc(Math.max(bytes.length, 1));
  if (!ptr) throw new RangeError(`imagegate: cannot allocate ${bytes.length} bytes in the wasm heap`);
  try {
    wasm.HEAPU8.set(bytes, ptr);
    return fn(ptr, bytes.length);
  } finally {
    wasm._free(ptr);
  }
}

/**
 * Parses a complete response body with the core, exactly as the emscripten_fetch route does. `inPlace`: images
 * are decoded back into `bytes` and handed out as views of it (the caller gives `bytes` up). `secret`: the request's
 * credential, redacted by the core from any excerpt of an error body before the excerpt is cut.
 */
export function parseBody(kind, status, bytes, { inPlace = false, secret = '' } = {}) {
  return withHeapBytes(bytes, (ptr, len) => {
    if (status < 200 || status > 299) return { ok: false, networkError: false, error: wasm.parseErrorResponse(status, ptr, len, secret) };
    const result = { ok: true };
    if (kind === KIND.images) result.images = wasm.parseImagesResponse(ptr, len, inPlace ? bytes : undefined);
    else if (kind === KIND.chat) result.chat = wasm.parseChatCompletion(ptr, len);
    else result.json = wasm.parseJsonDocument(ptr, len);
    return result;
  });
}

/** Sends a request through an injected fetch (same contract as sendWithEmscriptenFetch). */
export async function sendWithFetch(fetchImpl, { method, url, headers, body, kind, signal, timeout, secret = '' }) {
  if (signal?.aborted) throw abortError(signal);
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = timeout > 0 && Number.isFinite(timeout) ? setTimeout(() => { timedOut = true; controller.abort(); }, timeout) : null;
  try {
    let response;
    try {
      response = await fetchImpl(url, {
        method, headers: Object.fromEntries(headers), signal: controller.signal,
        body: body ? wasm.HEAPU8.slice(body.ptr, body.ptr + body.len) : undefined,
      });
    } catch (err) {
      throw timedOut ? new APIConnectionTimeoutError(`Request timed out after ${timeout} ms`)
        : signal?.aborted ? abortError(signal)
          : new APIConnectionError(`Connection error: ${err?.cause?.code ?? err?.message ?? 'fetch failed'}`);
    }
    const limit = wasm.maxResponseBytes();
    const declared = Number(response.headers.get('content-length'));
    if (declared > limit) {
      response.body?.cancel().catch(() => {});
      throw tooLargeError(declared, limit);
    }
    let bytes;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length > limit) throw tooLargeError(bytes.length, limit);
    } catch (err) {
      if (err instanceof InvalidResponseError) throw err;
      throw timedOut ? new APIConnectionTimeoutError(`Request timed out after ${timeout} ms`)
        : signal?.aborted ? abortError(signal)
          : new APIConnectionError(`Connection error while reading the response: ${err?.cause?.code ?? err?.message}`);
    }
    const result = parseBody(kind, response.status, bytes, { inPlace: true, secret });  // `bytes` is ours to overwrite
    result.status = response.status;
    result.headers = Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));
    return result;
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
