// createClient(): the gateway client, shaped like openai-node's (one request loop, thin resources in resources/).
// Every call, streamed or not, goes through Client.request: build the body once in the core, send through the
// transport the runtime has, classify, let the core decide the retry, tell onRetry, wait, repeat.
import { wasm, init, withHeapCopy } from './core.mjs';
import { ValidationError, APIConnectionError, makeAPIError, redactor } from './errors.mjs';
import { deadline, sleep } from './abort.mjs';
import { pickTransport } from './transport.mjs';
import { images } from './resources/images.mjs';
import { chat } from './resources/chat.mjs';
import { models } from './resources/models.mjs';
import { generations, credits } from './resources/usage.mjs';

export const DEFAULT_BASE_URL = 'https://ai-gateway.vercel.sh/v1';
const DEFAULT_IDLE_TIMEOUT = 120000;
const encoder = new TextEncoder();

function resolveBaseURL(baseURL) {
  if (typeof baseURL !== 'string' || !baseURL) throw new ValidationError('`baseURL` must be a URL string', 'baseURL');
  let url;
  try {
    // In a page a relative base URL (e.g. the same-origin proxy "/v1") resolves against the page.
    url = new URL(baseURL, typeof location === 'object' && location?.href ? location.href : undefined);
  } catch {
    throw new ValidationError(`\`baseURL\` is not a valid URL: ${baseURL}`, 'baseURL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError('`baseURL` must be http: or https:', 'baseURL');
  if (url.username || url.password) throw new ValidationError('`baseURL` must not contain credentials: pass `apiKey`', 'baseURL');
  return url.href.replace(/\/+$/, '');
}

const positive = (v) => Number.isFinite(v) && v > 0;
function checkOptions({ timeout, idleTimeout, maxRetries, onRetry }, where) {
  if (timeout !== undefined && !positive(timeout)) throw new ValidationError(`\`timeout\` must be a positive number of ms${where}`, 'timeout');
  if (idleTimeout !== undefined && !positive(idleTimeout)) throw new ValidationError(`\`idleTimeout\` must be a positive number of ms${where}`, 'idleTimeout');
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0)) throw new ValidationError(`\`maxRetries\` must be an integer ≥ 0${where}`, 'maxRetries');
  if (onRetry != null && typeof onRetry !== 'function') throw new ValidationError(`\`onRetry\` must be a function${where}`, 'onRetry');
}

/** In node, like openai-node with OPENAI_API_KEY: the environment supplies what the options leave out. */
function env(name) {
  return typeof process === 'object' && typeof process.env === 'object' ? process.env[name] || undefined : undefined;
}

export class Client {
  #apiKey;
  #fetch;

  constructor({ apiKey = env('AI_GATEWAY_API_KEY'), baseURL = env('AI_GATEWAY_BASE_URL') || DEFAULT_BASE_URL, timeout = 600000,
    idleTimeout, maxRetries = 2, onRetry = null, defaultHeaders = {}, fetch, strict = false } = {}) {
    if (apiKey != null && (typeof apiKey !== 'string' || /[\r\n]/.test(apiKey))) {
      throw new ValidationError('`apiKey` must be a string (or omitted when a proxy adds it)', 'apiKey');
    }
    checkOptions({ timeout, idleTimeout, maxRetries, onRetry }, '');
    if (fetch != null && typeof fetch !== 'function') throw new ValidationError('`fetch` must be a function', 'fetch');
    if (typeof strict !== 'boolean') throw new ValidationError('`strict` must be a boolean', 'strict');
    this.#apiKey = apiKey || null;
    this.#fetch = fetch ?? null;
    /** Redacts this client's key from text a server sent (errors.mjs redactor). */
    this.redact = redactor(this.#apiKey);
    this.baseURL = resolveBaseURL(baseURL);
    this.timeout = timeout;
    this.idleTimeout = idleTimeout ?? null;
    this.maxRetries = maxRetries;
    this.onRetry = onRetry;
    this.defaultHeaders = { ...defaultHeaders };
    /** Capability warnings become ValidationErrors before sending (per request: options.strict). */
    this.strict = strict;
    this.images = images(this);
    this.chat = chat(this);
    this.models = models(this);
    this.generations = generations(this);
    this.credits = credits(this);
  }

  /** Never show the key when the client is logged or serialised. */
  toJSON() {
    return { baseURL: this.baseURL, timeout: this.timeout, maxRetries: this.maxRetries, apiKey: this.#apiKey ? '[redacted]' : null };
  }

  /**
   * A stream's idle limit: the request's or the client's idleTimeout; without one, 120 s or the request's whole
   * `timeout` when that is shorter (a stream never waits longer for its next byte than a whole request may take).
   */
  idleTimeoutFor(options = {}) {
    checkOptions(options, ' (request option)');
    return options.idleTimeout ?? this.idleTimeout ?? Math.min(DEFAULT_IDLE_TIMEOUT, options.timeout ?? this.timeout);
  }

  #headers(hasBody, stream, contentType) {
    const h = new Map();
    for (const [k, v] of Object.entries(this.defaultHeaders)) if (v != null) h.set(k.toLowerCase(), String(v));
    h.set('accept', stream ? 'text/event-stream' : 'application/json');
    if (hasBody) h.set('content-type', contentType || 'application/json');
    if (this.#apiKey) h.set('authorization', `Bearer ${this.#apiKey}`);
    return [...h];
  }

  /** Validates and serialises request parameters in the core; returns the body's heap block (caller frees). */
  buildBody(kind, params) {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new ValidationError('The request parameters must be an object', null);
    }
    let json;
    try {
      json = JSON.stringify(params);
    } catch (err) {
      throw new ValidationError(`The request parameters cannot be serialised to JSON: ${err.message}`, null);
    }
    const built = withHeapCopy(encoder.encode(json), (ptr, len) => wasm._buildRequest(kind, ptr, len));
    if (built.error) throw new ValidationError(built.error, built.param || null);
    return { ptr: built.ptr, len: built.len };
  }

  /** The same, as JS bytes (for a request sent later by fetch(): a stream). */
  buildBodyBytes(kind, params) {
    const block = this.buildBody(kind, params);
    try {
      return wasm.HEAPU8.slice(block.ptr, block.ptr + block.len);
    } finally {
      wasm._free(block.ptr);
    }
  }

  /**
   * The one request loop. `params` + `build` (the core's request kind) or a prebuilt `body` (JS bytes, or a heap
   * block { ptr, len, contentType? } that the caller frees afterwards); `kind` says how the
   * core parses the answer; `stream` opens an event stream (resolves once it has started; never retried after).
   * Options: signal, timeout, maxRetries, onRetry. Resolves with the transport's result; rejects with the error.
   */
  async request({ method, path, params, build, body: prebuilt = null, kind, stream = false, options = {} }) {
    const { signal = null, timeout = this.timeout, maxRetries = this.maxRetries, onRetry = this.onRetry } = options;
    checkOptions(options, ' (request option)');
    const body = prebuilt ?? (params !== undefined ? this.buildBody(build, params) : null);
    const transport = pickTransport(this.#fetch);
    const send = stream ? transport.open : transport.send;
    const req = {
      method, url: this.baseURL + path, headers: this.#headers(body != null, stream, body?.contentType), body, kind,
      secret: this.#apiKey ?? '', redact: this.redact,
    };
    try {
      for (let attempt = 0; ; attempt++) {
        // `timeout` bounds a whole attempt; for a stream, the wait until it starts (then idleTimeout takes over).
        const limit = deadline(signal, timeout);
        let result = null;
        let error = null;
        try {
          result = await send({ ...req, signal: limit.signal });
        } catch (err) {
          error = limit.failure(err);
        } finally {
          limit.release();
        }
        if (result?.ok) return result;
        // Only connection failures and retryable statuses go round again; the rest (abort, a malformed or too large
        // answer, an error inside a 2xx) is final.
        if (error && !(error instanceof APIConnectionError)) throw error;
        const h = result?.headers ?? {};
        error ??= makeAPIError(result.error, { headers: h, requestId: h['x-request-id'] ?? null, redact: this.redact });
        const decision = wasm._decideRetry(result ? result.status : 0, h['x-should-retry'] ?? '', h['retry-after-ms'] ?? '',
          h['retry-after'] ?? '', attempt, maxRetries, Date.now(), Math.random());
        if (!decision.retry) throw error;
        onRetry?.({ attempt: attempt + 1, delayMs: decision.delayMs, error });
        await sleep(decision.delayMs, signal);
      }
    } finally {
      if (body && !prebuilt) wasm._free(body.ptr);
    }
  }
}

/**
 * Creates a gateway client. Options: apiKey, baseURL, timeout (ms), idleTimeout (ms, streams), maxRetries, onRetry,
 * defaultHeaders, fetch, strict (capability warnings throw ValidationError before sending). In node, apiKey and baseURL default to $AI_GATEWAY_API_KEY and $AI_GATEWAY_BASE_URL (pass
 * apiKey: null for no key).
 */
export async function createClient(options) {
  const client = new Client(options);  // validates the options first: a bad option never waits for the download
  await init();
  return client;
}
