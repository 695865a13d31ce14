// createClient(): the gateway client, shaped like openai-node (resources as namespaces, one error
// hierarchy, retries with retry-after). Request bodies are validated and built by the core; responses are
// parsed by the core; this file only orchestrates.
import { wasm, init, requireCore } from './core.mjs';
import {
  ValidationError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError, makeAPIError,
  redactor,
} from './errors.mjs';
import { ChatCompletionStream, chatCompletionResult, errorFromResponse, publicImage } from './chat.mjs';
import { KIND, sendWithEmscriptenFetch, sendWithFetch, parseBody } from './transport.mjs';

export const DEFAULT_BASE_URL = 'https://ai-gateway.vercel.sh/v1';
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

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError('Request aborted'));
    const onAbort = () => { clearTimeout(t); reject(new APIUserAbortError('Request aborted')); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Validates and serialises request parameters in the core; returns the body's heap block. */
function buildBody(kind, params) {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new ValidationError('The request parameters must be an object', null);
  }
  let json;
  try {
    json = JSON.stringify(params);
  } catch (err) {
    throw new ValidationError(`The request parameters cannot be serialised to JSON: ${err.message}`, null);
  }
  const bytes = encoder.encode(json);
  const ptr = wasm._malloc(Math.max(bytes.length, 1));
  try {
    wasm.HEAPU8.set(bytes, ptr);
    const built = wasm.buildRequest(kind, ptr, bytes.length);
    if (built.error) throw new ValidationError(built.error, built.param || null);
    return { ptr: built.ptr, len: built.len };
  } finally {
    wasm._free(ptr);
  }
}

/** Turns the core's parse of an images response into the public result (or throws). */
function imagesResult(parsed, { status = 200, requestId = null, headers = {}, redact = (s) => s } = {}) {
  if (parsed.apiError) throw makeAPIError(parsed.apiError, { headers, requestId, redact });
  if (parsed.invalid) {
    const { reason, message, position, imageIndex } = parsed.invalid;
    throw new InvalidResponseError(`Invalid images response: ${redact(message)}`, {
      reason, position, imageIndex: imageIndex >= 0 ? imageIndex : null, status, requestId,
    });
  }
  const { created = null, usage = null, provider_metadata: providerMetadata = null, ...rest } = parsed.metadata ?? {};
  return {
    created,
    images: parsed.images.map((img) => ({ ...publicImage(img), revisedPrompt: img.revisedPrompt })),
    usage,
    providerMetadata,
    requestId,
    extra: rest,
  };
}

/**
 * Parses a complete /images/generations response body (bytes) without any network: the same result as
 * client.images.generate(). Throws APIError for an error body, InvalidResponseError for anything malformed.
 * `inPlace: true` decodes each image back into `bytes` (overwriting its base64 text) and returns views of it, as
 * images.generate does with its own response buffer: no new buffer per image, which is most of the cost in browsers.
 */
export function parseImagesResponse(bytes, { inPlace = false } = {}) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('imagegate: parseImagesResponse expects a Uint8Array');
  requireCore();
  return imagesResult(parseBody(KIND.images, 200, bytes, { inPlace: inPlace === true }).images);
}

/** Which endpoint makes images with this model: 'images', 'chat', or null. */
function imageEndpoint(model) {
  if (model?.type === 'image') return 'images';
  if (model?.type === 'language' && Array.isArray(model.tags) && model.tags.includes('image-generation')) return 'chat';
  return null;
}

/** In node, like openai-node with OPENAI_API_KEY: the environment supplies what the options leave out. */
function env(name) {
  return typeof process === 'object' && typeof process.env === 'object' ? process.env[name] || undefined : undefined;
}

export class Client {
  #apiKey;
  #fetch;

  constructor({ apiKey = env('AI_GATEWAY_API_KEY'), baseURL = env('AI_GATEWAY_BASE_URL') || DEFAULT_BASE_URL, timeout = 600000,
    maxRetries = 2, defaultHeaders = {}, fetch } = {}) {
    if (apiKey != null && (typeof apiKey !== 'string' || /[\r\n]/.test(apiKey))) {
      throw new ValidationError('`apiKey` must be a string (or omitted when a proxy adds it)', 'apiKey');
    }
    if (!(Number.isFinite(timeout) && timeout > 0)) throw new ValidationError('`timeout` must be a positive number of ms', 'timeout');
    if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) throw new ValidationError('`maxRetries` must be an integer ≥ 0', 'maxRetries');
    if (fetch != null && typeof fetch !== 'function') throw new ValidationError('`fetch` must be a function', 'fetch');
    this.#apiKey = apiKey || null;
    this.#redact = redactor(this.#apiKey);
    this.#fetch = fetch ?? null;
    this.baseURL = resolveBaseURL(baseURL);
    this.timeout = timeout;
    this.maxRetries = maxRetries;
    this.defaultHeaders = { ...defaultHeaders };
    this.images = { generate: (params, options) => this.#generateImages(params, options) };
    this.models = { list: (options) => this.#listModels(options) };
    this.chat = {
      completions: {
        create: (params, options) => this.#createChat(params, options),
        stream: (params, options) => this.#streamChat(params, options),
      },
    };
  }

  /** Never show the key when the client is logged or serialised. */
  toJSON() {
    return { baseURL: this.baseURL, timeout: this.timeout, maxRetries: this.maxRetries, apiKey: this.#apiKey ? '[redacted]' : null };
  }

  #redact = (text) => text;  // replaced by redactor(apiKey) in the constructor

  #headers(hasBody) {
    const h = new Map();
    for (const [k, v] of Object.entries(this.defaultHeaders)) if (v != null) h.set(k.toLowerCase(), String(v));
    h.set('accept', 'application/json');
    if (hasBody) h.set('content-type', 'application/json');
    if (this.#apiKey) h.set('authorization', `Bearer ${this.#apiKey}`);
    return [...h];
  }

  async #request({ method, path, body = null, kind, options = {} }) {
    const { signal, timeout = this.timeout, maxRetries = this.maxRetries } = options;
    const req = {
      method, url: this.baseURL + path, headers: this.#headers(body != null), body, kind, signal, timeout, secret: this.#apiKey ?? '',
    };
    for (let attempt = 0; ; attempt++) {
      let result = null;
      let failure = null;
      try {
        result = this.#fetch ? await sendWithFetch(this.#fetch, req) : await sendWithEmscriptenFetch(req);
      } catch (err) {
        if (err instanceof APIUserAbortError || err instanceof InvalidResponseError) throw err;  // a retry would not help
        failure = err;  // connection error or timeout: retried like openai-node
      }
      if (result?.ok) return result;
      const h = result?.headers ?? {};
      const decision = wasm.decideRetry(result ? result.status : 0, h['x-should-retry'] ?? '', h['retry-after-ms'] ?? '',
        h['retry-after'] ?? '', attempt, maxRetries, Date.now(), Math.random());
      if (!decision.retry) {
        if (failure) throw failure;
        throw makeAPIError(result.error, { headers: h, requestId: h['x-request-id'] ?? null, redact: this.#redact });
      }
      await sleep(decision.delayMs, signal);
    }
  }

  async #generateImages(params, options) {
    const body = buildBody(0, params);
    try {
      const res = await this.#request({ method: 'POST', path: '/images/generations', body, kind: KIND.images, options });
      return imagesResult(res.images, { status: res.status, requestId: res.headers['x-request-id'] ?? null, headers: res.headers, redact: this.#redact });
    } finally {
      wasm._free(body.ptr);
    }
  }

  async #createChat(params, options) {
    const body = buildBody(1, params);
    try {
      const res = await this.#request({ method: 'POST', path: '/chat/completions', body, kind: KIND.chat, options });
      return chatCompletionResult(res.chat, { status: res.status, requestId: res.headers['x-request-id'] ?? null, headers: res.headers, redact: this.#redact });
    } finally {
      wasm._free(body.ptr);
    }
  }

  /** Returns a ChatCompletionStream at once; the request starts when it is first read. */
  #streamChat(params, { signal, timeout = this.timeout, maxRetries = this.maxRetries } = {}) {
    const block = buildBody(2, params);
    const body = wasm.HEAPU8.slice(block.ptr, block.ptr + block.len);
    wasm._free(block.ptr);
    const open = (streamSignal) => this.#openStream(body, { signal: streamSignal, timeout, maxRetries });
    return new ChatCompletionStream(open, { signal, timeout, redact: this.#redact });
  }

  /** POSTs a streaming request with fetch() and retries until an event stream starts (never after). */
  async #openStream(body, { signal, timeout, maxRetries }) {
    const fetchImpl = this.#fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new APIConnectionError('Streaming needs fetch(), which this environment lacks');
    const headers = Object.fromEntries(this.#headers(true));
    headers.accept = 'text/event-stream';
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new APIUserAbortError('Stream aborted');
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeout);
      let response = null;
      let failure = null;
      let result = null;
      let responseHeaders = {};
      try {
        response = await fetchImpl(this.baseURL + '/chat/completions', { method: 'POST', headers, body, signal: controller.signal });
        const requestId = response.headers.get('x-request-id');
        const type = response.headers.get('content-type') || '';
        if (response.ok && !/json|html/i.test(type)) {
          // Past this point the body belongs to the stream: the connection follows the caller's signal.
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          signal.addEventListener('abort', () => controller.abort(), { once: true });
          return { response, requestId };
        }
        const outcome = await errorFromResponse(response, { requestId, redact: this.#redact, secret: this.#apiKey ?? '' });
        if (outcome.error) throw outcome.error;
        result = outcome.result;
        responseHeaders = outcome.headers;
      } catch (err) {
        if (err instanceof InvalidResponseError || (err instanceof Error && 'status' in err && err.status === 200)) throw err;
        if (signal.aborted) throw new APIUserAbortError('Stream aborted');
        failure = timedOut ? new APIConnectionTimeoutError(`Request timed out after ${timeout} ms`)
          : err instanceof APIConnectionError ? err
            : new APIConnectionError(`Connection error: ${err?.cause?.code ?? err?.message ?? 'fetch failed'}`);
      } finally {
        clearTimeout(timer);
      }
      signal.removeEventListener('abort', onAbort);
      const h = responseHeaders;
      const decision = wasm.decideRetry(result ? response.status : 0, h['x-should-retry'] ?? '', h['retry-after-ms'] ?? '',
        h['retry-after'] ?? '', attempt, maxRetries, Date.now(), Math.random());
      if (!decision.retry) {
        if (failure) throw failure;
        throw makeAPIError(result.error, { headers: h, requestId: h['x-request-id'] ?? null, redact: this.#redact });
      }
      await sleep(decision.delayMs, signal);
    }
  }

  /**
   * GET /models. Options: `type` keeps models of that type ('image', 'language', ...); `imageCapable: true`
   * keeps the ones that make images. Each model gets `imageEndpoint`: 'images', 'chat' or null.
   */
  async #listModels({ type, imageCapable = false, ...options } = {}) {
    const res = await this.#request({ method: 'GET', path: '/models', kind: KIND.json, options });
    const requestId = res.headers['x-request-id'] ?? null;
    if (res.json.apiError) throw makeAPIError(res.json.apiError, { headers: res.headers, requestId, redact: this.#redact });
    if (res.json.invalid) {
      throw new InvalidResponseError(`Invalid models response: ${this.#redact(res.json.invalid.message)}`, {
        reason: 'invalid_json', position: res.json.invalid.position, status: res.status, requestId });
    }
    const data = res.json.value?.data;
    if (!Array.isArray(data)) {
      throw new InvalidResponseError('Invalid models response: no `data` array', { reason: 'unexpected_shape', status: res.status, requestId });
    }
    return data
      .filter((m) => m && typeof m === 'object' && typeof m.id === 'string')
      .map((m) => ({ ...m, imageEndpoint: imageEndpoint(m) }))
      .filter((m) => (type == null || m.type === type) && (!imageCapable || m.imageEndpoint !== null));
  }
}

/**
 * Creates a gateway client. Options: apiKey, baseURL, timeout (ms), maxRetries, defaultHeaders, fetch. In node,
 * apiKey and baseURL default to $AI_GATEWAY_API_KEY and $AI_GATEWAY_BASE_URL (pass apiKey: null for no key).
 */
export async function createClient(options) {
  const client = new Client(options);  // validates the options first: a bad option never waits for the download
  await init();
  return client;
}
