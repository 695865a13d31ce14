// The error hierarchy of the public API, shaped like openai-node's. Messages are written for people and
// never include the key (the client redacts it from anything a server echoes back).
import { wasm } from './core.mjs';  // a cycle (core.mjs throws ImagegateError): both are only used at call time

// Class names as written here: a minifier renames classes (webpack's production build made Base64DecodeError an
// `i`), so `name` comes from this table, filled in below, and only a subclass of the caller's own uses its name.
const NAMES = new Map();

/** Base class of every error imagegate throws on purpose. */
export class ImagegateError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = NAMES.get(new.target) ?? new.target.name;
  }
}

/** Parameters the caller passed that cannot be sent (missing model, n out of range, ...). */
export class ValidationError extends ImagegateError {
  constructor(message, param) {
    super(message);
    this.param = param || null;
  }
}

/** Base64 input that does not decode; `position` is the index of the first offending input byte. */
export class Base64DecodeError extends ImagegateError {
  /** @param {string} code  invalid_character | bad_padding | partial_chunk | nonzero_bits | output_too_small */
  constructor(code, position, message) {
    super(message ?? `${describeBase64Error(code)} at position ${position}`);
    this.code = code;
    this.position = position;
  }
}

function describeBase64Error(code) {
  switch (code) {
    case 'invalid_character': return 'Invalid base64: a character outside the alphabet';
    case 'bad_padding': return "Invalid base64: misplaced '=' padding";
    case 'partial_chunk': return 'Invalid base64: incomplete final chunk';
    case 'nonzero_bits': return 'Invalid base64: non-zero bits after the last byte (strict mode)';
    case 'output_too_small': return 'Base64 output does not fit in the target buffer';
    default: return `Invalid base64 (${code})`;
  }
}

/** A malformed data: URL (RFC 2397): `code` says what is wrong, `position` where (index into the input). */
export class DataUrlError extends ImagegateError {
  constructor(code, position, base64Error) {
    const what = {
      not_a_data_url: 'it does not start with "data:"',
      missing_comma: 'there is no "," between the header and the data',
      bad_media_type: 'the media type or a parameter is malformed',
      bad_percent: 'a "%" is not followed by two hex digits',
      bad_base64: `the base64 data is invalid${base64Error ? ` (${base64Error.replace(/_/g, ' ')})` : ''}`,
    }[code] ?? code;
    super(`imagegate: invalid data URL: ${what} at index ${position}`);
    this.code = code;
    this.position = position;
    if (base64Error) this.base64Error = base64Error;
  }
}

/** An error answer from the gateway (or a 200 that carried an error object). */
export class APIError extends ImagegateError {
  constructor(message, fields = {}) {
    super(message, fields.cause !== undefined ? { cause: fields.cause } : undefined);
    this.status = fields.status ?? undefined;
    this.type = fields.type ?? null;
    this.code = fields.code ?? null;
    this.param = fields.param ?? null;
    this.generationId = fields.generationId ?? null;
    this.requestId = fields.requestId ?? null;
    this.headers = fields.headers ?? {};
    /** How long the server asked to wait before retrying (retry-after-ms / retry-after), in ms; null if it did not say. */
    this.retryAfterMs = fields.retryAfterMs ?? null;
  }
}
export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class InternalServerError extends APIError {}

/** No HTTP answer at all: refused, reset, DNS, TLS, CORS. `cause` is the runtime's own error when it gave one. */
export class APIConnectionError extends APIError {}

// What failed, in words, from the codes node (libuv, OpenSSL) and undici put on their errors.
const NETWORK_CODES = [
  [/^ECONNREFUSED$/, 'the connection was refused (is the server running, and is the Base URL right?)'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/, 'the connection was reset'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)$/, 'the host name could not be resolved (DNS)'],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT)$/, 'connecting timed out'],
  [/^(EHOSTUNREACH|ENETUNREACH|ENETDOWN)$/, 'the network or host is unreachable'],
  [/CERT|SSL|TLS|ERR_TLS|UNABLE_TO_VERIFY|SELF_SIGNED|DEPTH_ZERO/, 'the TLS handshake failed (certificate or protocol)'],
];

/** The error code behind a network failure: err.code, or that of its cause chain (undici's fetch wraps it). */
function networkCode(err) {
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) if (typeof e.code === 'string') return e.code;
  return null;
}

/**
 * An APIConnectionError for a failure without any HTTP answer, naming what failed where the runtime says (node
 * gives codes; browsers say only "Failed to fetch" — a network error, a CORS refusal or a CSP block look alike
 * there), with the runtime's error as `cause`.
 */
export function connectionError(err, during = '', { blockedByCsp = null } = {}) {
  if (blockedByCsp) {
    return new APIConnectionError(`Connection error${during}: the page's Content-Security-Policy blocked ${blockedByCsp} ` +
      '(connect-src): allow that origin there, or call the gateway through a same-origin proxy', err ? { cause: err } : {});
  }
  const code = networkCode(err);
  const known = code && NETWORK_CODES.find(([re]) => re.test(code));
  // Browsers' fetch says only "Failed to fetch" (TypeError); undici says why in its cause ("bad port", ...).
  const said = err?.cause?.message ?? err?.message;
  const what = known ? `${known[1]} (${code})`
    : code ? code
      : err ? `the gateway could not be reached (offline, DNS, TLS, or refused by CORS or the page's Content-Security-Policy)${said ? `: ${said}` : ''}`
        : 'the gateway could not be reached (network, DNS, TLS or CORS failure)';
  return new APIConnectionError(`Connection error${during}: ${what}`, err ? { cause: err } : {});
}
/** The request took longer than its timeout. */
export class APIConnectionTimeoutError extends APIConnectionError {}
/** The caller aborted (AbortSignal, stream.abort()). */
export class APIUserAbortError extends APIError {}

/** A 2xx answer whose body is not what the API specifies: truncated JSON, bad base64, no images... */
export class InvalidResponseError extends ImagegateError {
  constructor(message, fields = {}) {
    super(message);
    this.reason = fields.reason ?? null;          // invalid_json | unexpected_shape | no_images | bad_base64 | bad_data_url ...
    this.position = fields.position ?? null;      // byte offset in the response body
    this.imageIndex = fields.imageIndex ?? null;
    this.status = fields.status ?? undefined;
    this.requestId = fields.requestId ?? null;
  }
}

for (const [name, cls] of Object.entries({
  ImagegateError, ValidationError, Base64DecodeError, DataUrlError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError, InternalServerError,
  APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
})) NAMES.set(cls, name);

const BY_CLASS = {
  BadRequestError, AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError,
  UnprocessableEntityError, RateLimitError, InternalServerError, APIError,
};

const REDACTED = '[redacted key]';  // the core writes the same marker (kRedactedSecret)
const MIN_SECRET_RUN = 8;

/**
 * The one redaction of a credential from text a server sent: the whole key, and any run of 8 or more of its
 * characters that starts where the key starts or ends where it ends — what a cut (ours or a server's) leaves.
 */
export function redactor(key) {
  if (typeof key !== 'string' || !key) return (text) => text;
  const n = key.length;
  const head = key.slice(0, MIN_SECRET_RUN);
  const tail = key.slice(-MIN_SECRET_RUN);
  return (text) => {
    if (typeof text !== 'string') return text;
    let out = text.split(key).join(REDACTED);
    if (n <= MIN_SECRET_RUN) return out;
    // Prefixes: from each occurrence of the key's first 8 characters, as far as it keeps matching the key.
    for (let at = out.indexOf(head); at >= 0; at = out.indexOf(head, at + REDACTED.length)) {
      let len = MIN_SECRET_RUN;
      while (len < n && out[at + len] === key[len]) len++;
      out = out.slice(0, at) + REDACTED + out.slice(at + len);
    }
    // Suffixes: back from each occurrence of its last 8 characters.
    for (let end = out.indexOf(tail); end >= 0; end = out.indexOf(tail, end + REDACTED.length)) {
      let start = end, len = MIN_SECRET_RUN;
      while (len < n && start > 0 && out[start - 1] === key[n - len - 1]) { start--; len++; }
      out = out.slice(0, start) + REDACTED + out.slice(end + MIN_SECRET_RUN);
      end = start;
    }
    return out;
  };
}

/** Applies `redact` to every string inside a JSON-like value (server-sent fields such as `param` or `code`). */
function redactDeep(value, redact, depth = 0) {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v, redact, depth + 1)]));
}

/** The wait the server asked for, in ms: retry-after-ms, else retry-after (seconds or an HTTP date); null if none. */
/**
 * The delay the server asked for, in ms, read by the core exactly as its retry decision reads it; null when there
 * is none, or when it is negative (a date in the past), which the retry decision ignores too.
 */
function retryAfter(headers) {
  const ms = wasm._serverRetryDelay(headers['retry-after-ms'] ?? '', headers['retry-after'] ?? '', Date.now());
  return ms === null || ms < 0 ? null : Math.round(ms);
}

/** Builds the right APIError subclass from the core's parsed error fields. */
export function makeAPIError(info, { headers = {}, requestId = null, redact = (s) => s } = {}) {
  const Cls = BY_CLASS[info.errorClass] ?? APIError;
  const status = info.status || undefined;
  let message = redact(info.message);
  if (status) message = `${status} ${message}`;
  if (info.generationId) message += ` [${redact(info.generationId)}]`;
  const retryAfterMs = retryAfter(headers);
  if (status === 429 && retryAfterMs != null) message += ` (retry after ${retryAfterMs >= 1000 ? `${+(retryAfterMs / 1000).toFixed(1)} s` : `${retryAfterMs} ms`})`;
  // Everything the server sent back is redacted, not just the message: a proxy may echo the key anywhere.
  return new Cls(message, {
    status, type: redactDeep(info.type, redact), code: redactDeep(info.code, redact), param: redactDeep(info.param, redact),
    generationId: redactDeep(info.generationId, redact), requestId: redactDeep(requestId, redact), headers: redactDeep(headers, redact),
    retryAfterMs,
  });
}
