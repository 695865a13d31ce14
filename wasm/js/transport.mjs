// The seam between the client's one request loop (client.mjs) and the network. Transports, chosen by what the
// runtime has (pickTransport):
//  - emscripten_fetch, where an XMLHttpRequest exists: browsers, dedicated workers, and node (the package's own
//    XMLHttpRequest over node:http, node-xhr.mjs). The body lands in the wasm heap once and is parsed there in place;
//  - fetch(), where none exists (edge runtimes, Deno, Bun) or when one is injected: its bytes are copied into the
//    heap once and parsed the same way;
//  - streams always read a fetch() body chunk by chunk (Emscripten 3.1.6's fetch cannot stream).
// Every transport takes one AbortSignal (the caller's and the attempt's time limit, joined by abort.mjs) and
// resolves with { ok, status, headers, ...parsed } or rejects: APIConnectionError (with `cause`) when nothing
// answered, InvalidResponseError('too_large') past the size limit, anything else after its signal aborted.
import { wasm, kinds, glueXMLHttpRequest, withHeapCopy, _replaceGlueXMLHttpRequest } from './core.mjs';
import { ImagegateError, InvalidResponseError, connectionError, makeAPIError } from './errors.mjs';

const MiB = 1024 * 1024;
/**
 * The one size limit (README "Limits"): throws InvalidResponseError('too_large') when `size` bytes (a body, a
 * declared Content-Length, or one pending SSE event) exceed the core's limit. emscripten_fetch's progress handler in
 * the bindings applies the same limit to XMLHttpRequest downloads.
 */
export function enforceSizeLimit(size) {
  const limit = wasm._maxResponseBytes();
  if (!(size > limit)) return;
  throw new InvalidResponseError(
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

const headersOf = (response) => Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v]));

/**
 * Parses a complete response body with the core, exactly as the emscripten_fetch route does. `inPlace`: images
 * are decoded back into `bytes` and handed out as views of it (the caller gives `bytes` up). `secret`: the request's
 * credential, redacted by the core from any excerpt of an error body before the excerpt is cut.
 */
export function parseBody(kind, status, bytes, { inPlace = false, secret = '' } = {}) {
  return withHeapCopy(bytes, (ptr, len) => {
    if (status < 200 || status > 299) return { ok: false, error: wasm._parseErrorResponse(status, ptr, len, secret) };
    const result = { ok: true };
    if (kind === kinds.parse.images) result.images = wasm._parseImagesResponse(ptr, len, inPlace ? bytes : undefined);
    else if (kind === kinds.parse.chat) result.chat = wasm._parseChatCompletion(ptr, len);
    else result.json = wasm._parseJsonDocument(ptr, len);
    return result;
  });
}

// Browsers do not say why a request failed, with one exception reported on the side: a URL that the page's (or the
// worker's) Content-Security-Policy blocks fires a `securitypolicyviolation` event. The recent ones are kept, so a
// failure can name that cause instead of "offline or CORS".
const cspViolations = [];
if (typeof globalThis.addEventListener === 'function' && typeof globalThis.SecurityPolicyViolationEvent === 'function') {
  globalThis.addEventListener('securitypolicyviolation', (e) => {
    cspViolations.push({ uri: String(e.blockedURI || ''), at: performance.now() });
    if (cspViolations.length > 16) cspViolations.shift();
  });
}

/** The connection error for a request to `url` started at `since`, naming a CSP block when the browser reported one. */
async function networkFailure(err, url, since, during = '') {
  if (typeof globalThis.SecurityPolicyViolationEvent !== 'function') return connectionError(err, during);  // not a browser
  await new Promise((resolve) => setTimeout(resolve, 0));  // the violation event is queued as a task of its own
  const { origin } = new URL(url);
  const hit = cspViolations.find((v) => v.at >= since && v.uri && (url.startsWith(v.uri) || v.uri.startsWith(origin)));
  return connectionError(err, during, { blockedByCsp: hit ? origin : null });
}

/**
 * A transport that could not even start a request (not a network failure: the runtime lacks or broke what it needs).
 * Final: the request loop retries only APIConnectionError.
 */
const cannotStart = (err) => new ImagegateError(`imagegate: the request could not be started in this runtime: ${err?.message ?? err}`,
  err ? { cause: err } : undefined);

/** Thrown by emscripten_fetch when its signal aborted (the request loop says whether that was a timeout). */
class Aborted extends Error {}

/** One request through emscripten_fetch. `body` is { ptr, len } in the heap (kept alive by the caller). */
function sendWithEmscriptenFetch({ method, url, headers, body, kind, signal, secret }) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Aborted());
    let id = 0;
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      wasm._abortRequest(id);
      reject(new Aborted());
    };
    const flat = [];
    for (const [k, v] of headers) flat.push(k, v);
    const since = performance.now();
    try {
      id = wasm._startRequest(method, url, flat, body ? body.ptr : 0, body ? body.len : 0, kind, secret, onResult);
    } catch (err) {
      // The runtime refused to start it (an XMLHttpRequest that is not one, say): nothing to retry, and the core's
      // record of it (the exception unwound past start_request) is dropped.
      wasm._abortRequest(wasm._lastRequestId());
      settled = true;
      reject(cannotStart(err));
      return;
    }
    if (!settled) signal.addEventListener('abort', onAbort, { once: true });  // else it failed synchronously
    function onResult(result) {
      // Called from inside wasm: must never throw (a JS exception would unwind through C++ frames).
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      try {
        result.headers = parseHeaderLines(result.headers || '');
        if (result.tooLarge) enforceSizeLimit(result.size);
        if (result.networkError) networkFailure(result.cause, url, since).then(reject);
        else resolve(result);
      } catch (err) {
        reject(err);
      }
    }
  });
}

/** The request body as bytes a fetch() can send: JS bytes as they are, or a copy of the core's heap block. */
const bodyBytes = (body) => (!body || body instanceof Uint8Array ? body ?? undefined : wasm.HEAPU8.slice(body.ptr, body.ptr + body.len));

/** fetch(), with any failure before an answer as APIConnectionError (after an abort the loop re-labels it). */
async function fetchOrFail(fetchImpl, url, init) {
  const since = performance.now();
  try {
    return await fetchImpl(url, init);
  } catch (err) {
    throw init.signal.aborted ? err : await networkFailure(err, url, since);
  }
}

/** A fetch() response's whole body; a failure while reading it is APIConnectionError (after an abort, as it is). */
async function readBody(response, signal) {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    throw signal.aborted ? err : connectionError(err, ' while reading the response');
  }
}

/** One request through a fetch(): the body is read whole, size-checked, then parsed by the core in place. */
async function sendWithFetch(fetchImpl, { method, url, headers, body, kind, signal, secret }) {
  const response = await fetchOrFail(fetchImpl, url, { method, headers: Object.fromEntries(headers), signal, body: bodyBytes(body) });
  const declared = Number(response.headers.get('content-length'));
  if (declared > wasm._maxResponseBytes()) {
    response.body?.cancel().catch(() => {});
    enforceSizeLimit(declared);
  }
  const bytes = await readBody(response, signal);
  enforceSizeLimit(bytes.length);
  const result = parseBody(kind, response.status, bytes, { inPlace: true, secret });  // `bytes` is ours to overwrite
  result.status = response.status;
  result.headers = headersOf(response);
  return result;
}

/**
 * Starts a streamed request with fetch(). Resolves { ok: true, response } once an event stream starts (its body is
 * then the stream's to read), or { ok: false, status, headers, error } for an error answer; a 2xx that is not an
 * event stream throws (APIError when it carries a gateway error, else InvalidResponseError: neither is retried).
 */
async function openStream(fetchImpl, { url, headers, body, signal, secret, redact }) {
  const response = await fetchOrFail(fetchImpl, url, { method: 'POST', headers: Object.fromEntries(headers), signal, body: bodyBytes(body) });
  const type = response.headers.get('content-type') || '';
  const responseHeaders = headersOf(response);
  if (response.ok && !/json|html/i.test(type)) return { ok: true, status: response.status, headers: responseHeaders, response };
  const bytes = await readBody(response, signal);
  const parsed = parseBody(kinds.parse.chat, response.status, bytes, { secret });
  if (!parsed.ok) return { ...parsed, status: response.status, headers: responseHeaders };
  const requestId = responseHeaders['x-request-id'] ?? null;
  if (parsed.chat.apiError) throw makeAPIError(parsed.chat.apiError, { headers: responseHeaders, requestId, redact });
  throw new InvalidResponseError(`Expected an event stream (text/event-stream), got ${type || 'no content type'}`,
    { reason: 'not_event_stream', status: response.status, requestId });
}

// emscripten_fetch is used when the glue has an XMLHttpRequest (glueXMLHttpRequest): the page's or worker's, or in
// node the package's own; core.mjs hands the glue one or none.
let savedXHR = null;
/** Internal (tests): run this runtime as one without XMLHttpRequest (true: the glue gets none), or restore it. */
export function _simulateNoXMLHttpRequest(on) {
  if (on && !savedXHR) savedXHR = { X: _replaceGlueXMLHttpRequest(undefined) };
  else if (!on && savedXHR) { _replaceGlueXMLHttpRequest(savedXHR.X); savedXHR = null; }
}

/**
 * The transport for a request: `send(req)` for whole responses, `open(req)` for streams. An injected fetch is
 * used for both; otherwise emscripten_fetch where an XMLHttpRequest exists, else the runtime's fetch().
 */
export function pickTransport(injectedFetch) {
  const fetchImpl = injectedFetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : null);
  const noFetch = async () => { throw cannotStart(new TypeError('this runtime has neither XMLHttpRequest nor fetch()')); };
  return {
    send: injectedFetch || !glueXMLHttpRequest
      ? (fetchImpl ? (req) => sendWithFetch(fetchImpl, req) : noFetch)
      : sendWithEmscriptenFetch,
    open: fetchImpl ? (req) => openStream(fetchImpl, req) : noFetch,
  };
}
