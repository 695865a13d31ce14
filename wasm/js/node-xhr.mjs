// A small XMLHttpRequest for node, over node:http / node:https. It implements what Emscripten 3.1.6's Fetch.js
// (fetchXHR) uses, and nothing else: open/send/abort, setRequestHeader, timeout, responseType 'arraybuffer' (the only
// response type: setting another throws NotSupportedError; responseText and responseXML do not exist), status, statusText,
// responseURL, response headers and the readystatechange/progress/load/error/timeout/abort/loadend events,
// with XHR-spec ordering.
//
// It exists for speed. xhr2 collects the body as a list of chunks and concatenates it. Here, when the response
// has a Content-Length, the body is written into ONE uninitialised buffer of exactly that size, and that buffer's
// ArrayBuffer becomes `response` with no further copy. Without a Content-Length (chunked), the buffer doubles as
// needed and is trimmed once at the end.
//
// Divergences from browsers, all deliberate:
//  - asynchronous only: open(..., false) throws;
//  - no cookies, no CORS, no forbidden-header filtering (this is a server-side client);
//  - no Accept-Encoding by default. If a server compresses anyway (gzip, x-gzip, deflate or br), the body is
//    decoded;
//  - up to 5 redirects are followed (browsers allow 20). Authorization is dropped on cross-origin redirects;
//  - a request that fails on a reused keep-alive socket before any response arrives is retried once, as
//    browsers do.
//  - an exception thrown by an event handler does not stop the request or the other handlers. It is rethrown
//    on the next tick, as node's own EventTarget does, so it surfaces as an uncaught exception.
import { createRequire } from 'node:module';
import { Buffer, constants as bufferConstants } from 'node:buffer';

// node:http, node:https (which loads node:tls and node:crypto) and node:zlib are loaded on first use, not at import:
// together they are about half of `import('imagegate')` in node (scripts/bench/startup.mjs), and a process that never
// sends a request (codecs only) never needs them.
const requireBuiltin = typeof process === 'object' && typeof process.getBuiltinModule === 'function'
  ? (name) => process.getBuiltinModule(name) : createRequire(process.execPath);  // any absolute path resolves node: names
let httpModule = null, httpsModule = null, zlibModule = null;
const http = () => (httpModule ??= requireBuiltin('node:http'));
const https = () => (httpsModule ??= requireBuiltin('node:https'));
const zlib = () => (zlibModule ??= requireBuiltin('node:zlib'));

const UNSENT = 0, OPENED = 1, HEADERS_RECEIVED = 2, LOADING = 3, DONE = 4;
const MAX_REDIRECTS = 5;
const PROGRESS_INTERVAL_MS = 50;          // spec: "roughly 50ms" between progress events
const INITIAL_GROWTH_CAPACITY = 64 * 1024;
const MAX_BODY = bufferConstants.MAX_LENGTH;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];
const HIDDEN_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2']);
const DECODERS = {
  gzip: () => zlib().createGunzip(),
  'x-gzip': () => zlib().createGunzip(),
  deflate: () => zlib().createInflate(),
  br: () => zlib().createBrotliDecompress(),
};

/**
 * Key of the node error (ECONNREFUSED, ENOTFOUND, a TLS failure...) behind the last 'error' event, on each instance:
 * XMLHttpRequest events carry no detail, so the client reads it here to keep it as the error's `cause`.
 */
export const networkError = Symbol.for('imagegate.node-xhr.error');

/** Key of a read-only diagnostic on each instance: how the last response body was buffered (used by the tests). */
export const bodyStats = Symbol.for('imagegate.node-xhr.bodyStats');

/** Keep-alive agents used by default; replace NodeXMLHttpRequest.httpAgent/httpsAgent to change them (e.g. a CA). */
// Made on first use (with the modules they belong to).
let httpAgent = null, httpsAgent = null;

const domError = (message, name) => new DOMException(message, name);
const invalidState = (what) => domError(`Failed to execute '${what}' on 'XMLHttpRequest': the object's state is not valid for this call.`, 'InvalidStateError');

/** Uninitialised bytes with their own ArrayBuffer of exactly n bytes, so .buffer is the result with no copy. */
const allocBytes = (n) => (n === 0 ? new Uint8Array(0) : Buffer.allocUnsafeSlow(n));

/** The response body. With a known length: one exact allocation. Without one: geometric growth plus one final trim. */
class BodySink {
  constructor(expected) {
    this.fixed = expected != null;
    this.bytes = this.fixed ? allocBytes(expected) : null;
    this.loaded = 0;
    this.grows = 0;
  }

  /** Copies a chunk in at the current offset. False if it cannot fit (more bytes than announced, or too big). */
  push(chunk) {
    const end = this.loaded + chunk.length;
    if (this.bytes === null || end > this.bytes.length) {
      if (this.fixed || end > MAX_BODY) return false;
      const capacity = this.bytes === null ? Math.max(INITIAL_GROWTH_CAPACITY, end)
        : Math.min(MAX_BODY, Math.max(end, this.bytes.length * 2));
      const next = allocBytes(capacity);
      if (this.bytes !== null) {
        next.set(this.bytes.subarray(0, this.loaded));
        this.grows++;
      }
      this.bytes = next;
    }
    this.bytes.set(chunk, this.loaded);
    this.loaded = end;
    return true;
  }

  /** The body as an ArrayBuffer holding exactly the received bytes. */
  result() {
    const b = this.bytes;
    if (b === null || this.loaded === 0) return new ArrayBuffer(0);
    if (b.byteOffset === 0 && b.buffer.byteLength === this.loaded) return b.buffer;
    return b.buffer.slice(b.byteOffset, b.byteOffset + this.loaded);   // growth mode: one trim copy
  }

  view() { return this.bytes === null ? new Uint8Array(0) : this.bytes.subarray(0, this.loaded); }
}

class XHREvent {
  constructor(type, target, loaded = 0, total = 0, lengthComputable = false) {
    this.type = type;
    this.target = target;
    this.currentTarget = target;
    this.srcElement = target;
    this.loaded = loaded;
    this.total = total;
    this.lengthComputable = lengthComputable;
    this.timeStamp = performance.now();
    this.bubbles = false;
    this.cancelable = false;
    this.defaultPrevented = false;
    this.isTrusted = false;
    this.eventPhase = 2;
    this.stopped = false;
  }

  preventDefault() {}
  stopPropagation() {}
  stopImmediatePropagation() { this.stopped = true; }
}

/** on<type> properties plus addEventListener/removeEventListener; the on<type> handler runs first. */
class SimpleEventTarget {
  #listeners = new Map();

  addEventListener(type, listener, options) {
    if (listener == null) return;
    const once = typeof options === 'object' && options !== null && !!options.once;
    const capture = typeof options === 'boolean' ? options : !!options?.capture;
    let list = this.#listeners.get(type);
    if (!list) this.#listeners.set(type, (list = []));
    if (!list.some((l) => l.listener === listener && l.capture === capture)) list.push({ listener, once, capture });
  }

  removeEventListener(type, listener, options) {
    const capture = typeof options === 'boolean' ? options : !!options?.capture;
    const list = this.#listeners.get(type);
    if (!list) return;
    const i = list.findIndex((l) => l.listener === listener && l.capture === capture);
    if (i >= 0) list.splice(i, 1);
  }

  dispatchEvent(event) {
    const call = (fn) => {
      try {
        if (typeof fn === 'function') fn.call(this, event);
        else if (fn && typeof fn.handleEvent === 'function') fn.handleEvent(event);
      } catch (err) {
        process.nextTick(() => { throw err; });
      }
    };
    const handler = this[`on${event.type}`];
    if (typeof handler === 'function') call(handler);
    const list = this.#listeners.get(event.type);
    if (list && list.length) {
      for (const entry of list.slice()) {
        if (event.stopped) break;
        if (entry.once) this.removeEventListener(event.type, entry.listener, entry.capture);
        call(entry.listener);
      }
    }
    return true;
  }
}

/** xhr.upload: present for code that touches it. Request bodies are written in one go; it fires no events. */
class NodeXMLHttpRequestUpload extends SimpleEventTarget {
  onloadstart = null; onprogress = null; onabort = null; onerror = null; onload = null; ontimeout = null;
  onloadend = null;
}

export class NodeXMLHttpRequest extends SimpleEventTarget {
  static UNSENT = UNSENT;
  static OPENED = OPENED;
  static HEADERS_RECEIVED = HEADERS_RECEIVED;
  static LOADING = LOADING;
  static DONE = DONE;
  /** Agents for http: and https: requests (keep-alive by default). Assign your own to change TLS options. */
  static get httpAgent() { return (httpAgent ??= new (http().Agent)({ keepAlive: true })); }
  static set httpAgent(agent) { httpAgent = agent; }
  static get httpsAgent() { return (httpsAgent ??= new (https().Agent)({ keepAlive: true })); }
  static set httpsAgent(agent) { httpsAgent = agent; }

  onreadystatechange = null; onloadstart = null; onprogress = null; onabort = null; onerror = null;
  onload = null; ontimeout = null; onloadend = null;
  upload = new NodeXMLHttpRequestUpload();

  #state = UNSENT;
  #sendFlag = false;
  #gen = 0;                      // bumped by open(): events of an older request are never dispatched
  #method = 'GET';
  #url = null;                   // URL object
  #requestHeaders = new Map();   // lower-case name -> { name, value }
  #timeout = 0;
  #withCredentials = false;
  #responseType = '';
  #active = null;                // the in-flight transfer (token)
  #status = 0;
  #statusText = '';
  #responseURL = '';
  #rawHeaders = null;            // res.rawHeaders of the final response
  #headerCache = null;           // Map lower-name -> combined value
  #allHeaders = null;            // getAllResponseHeaders() cache
  #sink = null;                  // BodySink of the current/last response
  #response = null;              // ArrayBuffer at DONE
  #stats = { mode: 'none', capacity: 0, grows: 0, loaded: 0 };

  get readyState() { return this.#state; }

  get status() { return this.#status; }
  // Fetch.js writes `xhr.status = 200` for status-less protocols. Browsers ignore such writes; do the same without
  // throwing in strict-mode callers.
  set status(_) {}

  get statusText() { return this.#statusText; }
  get responseURL() { return this.#responseURL; }

  get timeout() { return this.#timeout; }
  set timeout(ms) {
    const v = Number(ms);
    this.#timeout = Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
    if (this.#active) this.#armTimer(this.#active);
  }

  get withCredentials() { return this.#withCredentials; }
  set withCredentials(v) {
    if ((this.#state !== UNSENT && this.#state !== OPENED) || this.#sendFlag) throw invalidState('withCredentials');
    this.#withCredentials = !!v;
  }

  get responseType() { return this.#responseType; }
  set responseType(type) {
    type = String(type);
    if (type !== 'arraybuffer') throw domError(`responseType '${type}' is not supported here: only 'arraybuffer' (what Emscripten's Fetch.js uses)`, 'NotSupportedError');
    if (this.#state === LOADING || this.#state === DONE) throw invalidState('responseType');
    this.#responseType = type;
  }

  /** The body as an ArrayBuffer once DONE (null before, and when responseType was not set to 'arraybuffer'). */
  get response() {
    if (this.#responseType !== 'arraybuffer' || this.#state !== DONE) return null;
    return this.#response;
  }

  get [bodyStats]() { return { ...this.#stats }; }

  open(method, url, async = true, user = undefined, password = undefined) {
    if (arguments.length < 2) throw new TypeError("Failed to execute 'open' on 'XMLHttpRequest': 2 arguments required.");
    method = String(method);
    if (!TOKEN.test(method)) throw domError(`'${method}' is not a valid HTTP method.`, 'SyntaxError');
    const upper = method.toUpperCase();
    if (FORBIDDEN_METHODS.has(upper)) throw domError(`'${method}' HTTP method is unsupported.`, 'SecurityError');
    if (NORMALIZED_METHODS.has(upper)) method = upper;
    let parsed;
    try {
      parsed = new URL(String(url), globalThis.location?.href);
    } catch {
      throw domError(`Invalid URL '${url}' (NodeXMLHttpRequest needs an absolute http: or https: URL).`, 'SyntaxError');
    }
    if (async !== undefined && !async) {
      throw new Error('NodeXMLHttpRequest: synchronous XMLHttpRequest is not supported in node (open() was called with async=false).');
    }
    if (user != null) parsed.username = String(user);
    if (password != null) parsed.password = String(password);

    this.#terminate();                                    // open() cancels an in-flight request silently
    this.#gen++;
    this.#sendFlag = false;
    this.#method = method;
    this.#url = parsed;
    this.#requestHeaders = new Map();
    this.#resetResponse();
    if (this.#state !== OPENED) {
      this.#state = OPENED;
      this.#fire('readystatechange');
    }
  }

  setRequestHeader(name, value) {
    if (this.#state !== OPENED || this.#sendFlag) throw invalidState('setRequestHeader');
    name = String(name);
    value = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    if (!TOKEN.test(name)) throw domError(`'${name}' is not a valid HTTP header field name.`, 'SyntaxError');
    try {
      http().validateHeaderValue(name, value);
    } catch {
      throw domError(`'${value}' is not a valid HTTP header field value.`, 'SyntaxError');
    }
    const key = name.toLowerCase();
    const prev = this.#requestHeaders.get(key);
    if (prev) prev.value = `${prev.value}, ${value}`;
    else this.#requestHeaders.set(key, { name, value });
  }

  /** Accepted and ignored: it only affects text decoding, and there is none here (responses are ArrayBuffers). */
  overrideMimeType() {
    if (this.#state === LOADING || this.#state === DONE) throw invalidState('overrideMimeType');
  }

  send(body = null) {
    if (this.#state !== OPENED || this.#sendFlag) throw invalidState('send');
    const method = this.#method;
    const headers = new Map(this.#requestHeaders);
    let bytes = null;
    if (method !== 'GET' && method !== 'HEAD' && body != null) {
      let defaultType = null;
      if (typeof body === 'string') {
        bytes = Buffer.from(body, 'utf8');
        defaultType = 'text/plain;charset=UTF-8';
      } else if (body instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && body instanceof SharedArrayBuffer)) {
        bytes = Buffer.from(new Uint8Array(body));        // copy: the body is a snapshot taken at send()
      } else if (ArrayBuffer.isView(body)) {
        bytes = Buffer.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
      } else if (body instanceof URLSearchParams) {
        bytes = Buffer.from(body.toString(), 'utf8');
        defaultType = 'application/x-www-form-urlencoded;charset=UTF-8';
      } else {
        bytes = Buffer.from(String(body), 'utf8');
        defaultType = 'text/plain;charset=UTF-8';
      }
      if (defaultType && !headers.has('content-type')) headers.set('content-type', { name: 'Content-Type', value: defaultType });
    }
    if (!headers.has('accept')) headers.set('accept', { name: 'Accept', value: '*/*' });

    this.#sendFlag = true;
    const token = {
      gen: this.#gen, finished: false, startedAt: performance.now(), timer: null,
      req: null, res: null, decoder: null, retried: false, received: 0, total: 0, lastProgress: -Infinity,
    };
    this.#active = token;
    this.#fire('loadstart', 0, 0, false);
    if (token.finished || this.#active !== token) return;   // a loadstart handler aborted or re-opened
    this.#armTimer(token);
    this.#request(token, this.#url, method, headers, bytes, 0);
  }

  abort() {
    const token = this.#active;
    const gen = this.#gen;
    if (token && !token.finished) this.#fail(token, 'abort');
    else this.#sendFlag = false;
    if (this.#state === DONE && this.#gen === gen) {
      this.#state = UNSENT;                                // spec: DONE -> UNSENT without an event
      this.#response = null;
    }
  }

  getResponseHeader(name) {
    const map = this.#responseHeaderMap();
    if (!map) return null;
    return map.get(String(name).toLowerCase()) ?? null;
  }

  getAllResponseHeaders() {
    if (this.#allHeaders !== null) return this.#allHeaders;
    const map = this.#responseHeaderMap();
    if (!map) return '';
    let out = '';
    for (const name of [...map.keys()].sort()) out += `${name}: ${map.get(name)}\r\n`;
    this.#allHeaders = out;
    return out;
  }

  // ---- internals -------------------------------------------------------------------------------------------

  #fire(type, loaded = 0, total = 0, lengthComputable = false) {
    this.dispatchEvent(new XHREvent(type, this, loaded, total, lengthComputable));
  }

  #resetResponse() {
    this.#status = 0;
    this.#statusText = '';
    this.#responseURL = '';
    this.#rawHeaders = null;
    this.#headerCache = null;
    this.#allHeaders = null;
    this.#sink = null;
    this.#response = null;
  }

  #responseHeaderMap() {
    if (this.#rawHeaders === null || this.#state < HEADERS_RECEIVED) return null;
    if (this.#headerCache) return this.#headerCache;
    const map = new Map();
    const raw = this.#rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (HIDDEN_RESPONSE_HEADERS.has(name)) continue;
      const prev = map.get(name);
      map.set(name, prev === undefined ? raw[i + 1] : `${prev}, ${raw[i + 1]}`);
    }
    this.#headerCache = map;
    return map;
  }

  #armTimer(token) {
    if (token.timer) clearTimeout(token.timer);
    token.timer = null;
    if (this.#timeout > 0 && !token.finished) {
      const remaining = Math.max(0, token.startedAt + this.#timeout - performance.now());
      token.timer = setTimeout(() => this.#fail(token, 'timeout'), remaining);
    }
  }

  /** Stops the transport of a transfer: timer cleared, request/response/decoder destroyed. No events. */
  #teardown(token) {
    if (token.timer) clearTimeout(token.timer);
    token.timer = null;
    token.decoder?.destroy();
    token.res?.destroy();
    token.req?.destroy();
  }

  /** open() during a request: drop it without events. */
  #terminate() {
    const token = this.#active;
    if (!token) return;
    token.finished = true;
    this.#active = null;
    this.#teardown(token);
  }

  /** The XHR "request error steps": network error, timeout or abort. Exactly once per transfer. */
  #fail(token, type, cause = null) {
    if (token.finished) return;
    token.finished = true;
    this[networkError] = cause;
    if (this.#active === token) this.#active = null;
    this.#teardown(token);
    const gen = this.#gen;
    this.#resetResponse();
    this.#stats = { mode: 'none', capacity: 0, grows: 0, loaded: 0 };
    this.#state = DONE;
    this.#sendFlag = false;
    this.#fire('readystatechange');
    if (this.#gen !== gen) return;
    this.#fire(type, 0, 0, false);
    if (this.#gen !== gen) return;
    this.#fire('loadend', 0, 0, false);
  }

  /** Async network error (for failures detected before any I/O), so that no event fires inside send(). */
  #failSoon(token) {
    setImmediate(() => this.#fail(token, 'error'));
  }

  #request(token, url, method, headers, body, redirects) {
    if (token.finished) return;
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return this.#failSoon(token);
    const outgoing = {};
    for (const { name, value } of headers.values()) outgoing[name] = value;
    for (const key of Object.keys(outgoing)) if (key.toLowerCase() === 'content-length') delete outgoing[key];
    if (body) outgoing['Content-Length'] = String(body.length);
    else if (method === 'POST' || method === 'PUT') outgoing['Content-Length'] = '0';

    let req;
    try {
      req = (secure ? https() : http()).request(url, {
        method,
        headers: outgoing,
        agent: secure ? NodeXMLHttpRequest.httpsAgent : NodeXMLHttpRequest.httpAgent,
      });
    } catch {
      return this.#failSoon(token);
    }
    token.req = req;
    token.res = null;
    req.on('error', (err) => {
      if (token.finished || token.req !== req) return;
      if (!token.res && !token.retried && req.reusedSocket && err?.code === 'ECONNRESET') {
        token.retried = true;                             // stale keep-alive socket: retry once on a new one
        this.#request(token, url, method, headers, body, redirects);
        return;
      }
      this.#fail(token, 'error', err);
    });
    req.on('close', () => {
      // Safety net: a request that closes without a response and without an 'error' must still terminate.
      if (token.finished || token.req !== req || token.res) return;
      setImmediate(() => { if (!token.finished && token.req === req && !token.res) this.#fail(token, 'error'); });
    });
    req.on('response', (res) => this.#onResponse(token, req, res, url, method, headers, body, redirects));
    req.end(body ?? undefined);
  }

  #onResponse(token, req, res, url, method, headers, body, redirects) {
    if (token.finished || token.req !== req) { res.resume(); return; }
    const status = res.statusCode;
    if (REDIRECT_STATUSES.has(status) && res.headers.location !== undefined) {
      res.on('error', () => {});
      res.resume();                                       // drain so the socket can be reused
      return this.#redirect(token, url, status, res.headers.location, method, headers, body, redirects);
    }
    token.res = res;

    const noBody = method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
    let expected = null;
    if (noBody) expected = 0;
    else {
      const cl = res.headers['content-length'];
      if (cl !== undefined && /^\d+$/.test(cl)) expected = Number(cl);
    }
    if (expected !== null && expected > MAX_BODY) return this.#fail(token, 'error');
    const encoding = noBody ? '' : String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
    const makeDecoder = Object.hasOwn(DECODERS, encoding) ? DECODERS[encoding] : null;
    let sink;
    try {
      sink = new BodySink(makeDecoder ? null : expected);
    } catch {
      return this.#fail(token, 'error');                  // allocation failed
    }
    token.total = expected ?? 0;

    this.#sink = sink;
    this.#status = status;
    this.#statusText = res.statusMessage ?? '';
    const shown = new URL(url);
    shown.hash = '';
    shown.username = '';
    shown.password = '';
    this.#responseURL = shown.href;
    this.#rawHeaders = res.rawHeaders;
    this.#headerCache = null;
    this.#allHeaders = null;
    this.#stats = { mode: sink.fixed ? 'preallocated' : 'growing', capacity: sink.bytes?.length ?? 0, grows: 0, loaded: 0 };

    let ended = false;
    const push = (chunk) => {
      if (!sink.push(chunk)) { this.#fail(token, 'error'); return false; }
      return true;
    };
    if (makeDecoder) {
      const decoder = token.decoder = makeDecoder();
      decoder.on('data', (chunk) => { if (!token.finished) push(chunk); });
      decoder.on('error', (err) => this.#fail(token, 'error', err));
      decoder.on('end', () => { if (!token.finished) this.#complete(token, sink); });
    }
    res.on('data', (chunk) => {
      if (token.finished) return;
      token.received += chunk.length;
      if (expected !== null && token.received > expected) return this.#fail(token, 'error');
      if (token.decoder) token.decoder.write(chunk);
      else if (!push(chunk)) return;
      this.#progress(token);
    });
    res.on('end', () => {
      if (token.finished) return;
      ended = true;
      if (expected !== null && token.received !== expected) return this.#fail(token, 'error');
      if (token.decoder) token.decoder.end();
      else this.#complete(token, sink);
    });
    res.on('error', (err) => this.#fail(token, 'error', err));
    res.on('close', () => { if (!token.finished && (!ended || !res.complete)) this.#fail(token, 'error'); });

    this.#state = HEADERS_RECEIVED;
    this.#fire('readystatechange');                       // may abort/re-open: the listeners above check token
  }

  #redirect(token, url, status, location, method, headers, body, redirects) {
    if (redirects >= MAX_REDIRECTS) return this.#fail(token, 'error');
    let next;
    try { next = new URL(location, url); } catch { return this.#fail(token, 'error'); }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return this.#fail(token, 'error');
    if (!next.hash && url.hash) next.hash = url.hash;
    headers = new Map(headers);
    if (next.origin !== url.origin) headers.delete('authorization');
    if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'GET' && method !== 'HEAD')) {
      method = 'GET';
      body = null;
      for (const h of BODY_HEADERS) headers.delete(h);
    }
    this.#request(token, next, method, headers, body, redirects + 1);
  }

  /** Throttled readystatechange(LOADING) + progress, as the spec's "process response body chunk" does. */
  #progress(token) {
    const now = performance.now();
    if (this.#state === LOADING && now - token.lastProgress < PROGRESS_INTERVAL_MS) return;
    token.lastProgress = now;
    if (this.#state === HEADERS_RECEIVED) this.#state = LOADING;
    this.#fire('readystatechange');
    if (token.finished) return;
    this.#fire('progress', token.received, token.total, token.total > 0);
  }

  #complete(token, sink) {
    if (sink.fixed && sink.loaded !== sink.bytes.length) return this.#fail(token, 'error');
    this.#stats = { mode: this.#stats.mode, capacity: sink.bytes?.length ?? 0, grows: sink.grows, loaded: sink.loaded };
    // spec "handle response end-of-body": a last progress event, then DONE, load, loadend
    this.#fire('progress', token.received, token.total, token.total > 0);
    if (token.finished) return;
    token.finished = true;
    if (this.#active === token) this.#active = null;
    if (token.timer) clearTimeout(token.timer);
    token.timer = null;
    const gen = this.#gen;
    this.#response = sink.result();
    this.#sink = null;
    this.#state = DONE;
    this.#sendFlag = false;
    this.#fire('readystatechange');
    if (this.#gen !== gen || this.#state !== DONE) return;  // re-opened or abort()ed from the handler
    this.#fire('load', token.received, token.total, token.total > 0);
    if (this.#gen !== gen || this.#state !== DONE) return;
    this.#fire('loadend', token.received, token.total, token.total > 0);
  }
}

for (const [name, value] of Object.entries({ UNSENT, OPENED, HEADERS_RECEIVED, LOADING, DONE })) {
  Object.defineProperty(NodeXMLHttpRequest.prototype, name, { value, enumerable: true });
}

/** Sets globalThis.XMLHttpRequest = NodeXMLHttpRequest unless one exists. Returns true if it installed it. */
export function installXMLHttpRequest() {
  if (typeof globalThis.XMLHttpRequest !== 'undefined') return false;
  Object.defineProperty(globalThis, 'XMLHttpRequest', {
    value: NodeXMLHttpRequest, writable: true, configurable: true, enumerable: false,
  });
  return true;
}

export default NodeXMLHttpRequest;
