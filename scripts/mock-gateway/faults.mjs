// The mock gateway's faults (the x-mock-fault header) and its error bodies, as the gateway sends them.
// ──────────────────────────────────────────────────────────────────────────────────────────── faults

export const FAULT_SPECS = {
  status: 'status', 'html-error': 'status', 'retry-after-ms': 'uint', truncate: 'uint', 'reset-after': 'uint',
  'stall-after': 'uint', delay: 'uint', 'delay-events': 'uint', 'fail-first': 'failfirst', chunk: 'chunk', eol: 'eol',
  'error-200': 'flag', 'bad-base64': 'flag', comments: 'flag', 'no-done': 'flag', 'error-mid-stream': 'flag', huge: 'flag',
  'image-bytes': 'uint',  // every generated image (images API and chat) is a real PNG of exactly N bytes (≥ 1024; benchmarks)
  'not-ready': 'uint',  // GET /v1/generation: the first N lookups of each id answer 404 (the record lags)
  'declare-size': 'uint',  // images API: each PNG's header declares N×N pixels (a decompression bomb's claim; the data stays small)
  tag: 'uint',  // no effect: makes a fault string, and so fail-first's counter, unique to one caller (the soak test)
};

/** Parses "a=1,b,c=x" into an object. Throws Error(message) for unknown names or bad values (→ 400). */
export function parseFaults(str) {
  const f = {};
  for (const item of String(str ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase(), value = eq < 0 ? undefined : item.slice(eq + 1).trim();
    const kind = FAULT_SPECS[name];
    if (!kind) throw new Error(`Unknown mock fault '${name}' in x-mock-fault (known: ${Object.keys(FAULT_SPECS).join(', ')})`);
    const bad = () => new Error(`Invalid value for mock fault '${name}': ${value === undefined ? '(none)' : `'${value}'`}`);
    if (kind === 'flag') { if (value !== undefined) throw bad(); f[name] = true; continue; }
    if (value === undefined || value === '') throw bad();
    if (kind === 'uint') { if (!/^\d+$/.test(value)) throw bad(); f[name] = Number(value); }
    else if (kind === 'status') { if (!/^\d{3}$/.test(value) || +value < 400 || +value > 599) throw bad(); f[name] = Number(value); }
    else if (kind === 'failfirst') {
      const m = /^(\d+):(\d{3})$/.exec(value);
      if (!m || +m[2] < 400 || +m[2] > 599) throw bad();
      f[name] = { count: Number(m[1]), status: Number(m[2]) };
    } else if (kind === 'chunk') { if (value !== 'random' && !/^[1-9]\d*$/.test(value)) throw bad(); f[name] = value === 'random' ? 'random' : Number(value); }
    else if (kind === 'eol') { if (!['lf', 'cr', 'crlf'].includes(value)) throw bad(); f[name] = value; }
  }
  return f;
}

// ──────────────────────────────────────────────────────────────────────────────────────────── errors

// Gateway error `type` per status (API.md §4.2 table, from @ai-sdk/gateway's error classes).
export function errorTypeFor(status) {
  return { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'forbidden', 404: 'not_found',
    424: 'failed_dependency', 429: 'rate_limit_exceeded' }[status] ?? (status >= 500 ? 'internal_server_error' : 'invalid_request_error');
}

export class GatewayError extends Error {
  constructor(status, message, { type, param, code, headers } = {}) {
    super(message);
    Object.assign(this, { status, type: type ?? errorTypeFor(status), param, code, headers });
  }
}
export const invalid = (message, param, code = 'invalid_parameter') => new GatewayError(400, message, { param, code });
export const missing = (param) => invalid(`Invalid request: missing required parameter '${param}'`, param, 'missing_parameter');

export function errorResult(err, genId) {
  const error = { message: err.message, type: err.type };
  if (err.param !== undefined) error.param = err.param;
  if (err.code !== undefined) error.code = err.code;
  return { status: err.status, headers: { ...(err.headers ?? {}) }, json: { error, generationId: genId } };
}

// The error a `status=N` / `fail-first=K:N` fault produces: the body the gateway would send for that status.
export function faultError(status, body) {
  const messages = {
    400: ['Invalid request (mock fault)', undefined],
    401: ['Invalid API key (mock fault)', undefined],
    403: ['Access to this model is forbidden by a team rule (mock fault)', { ruleId: 'rule_mock' }],
    404: [`Model '${body?.model ?? 'unknown'}' not found (mock fault)`, { modelId: body?.model ?? 'unknown' }],
    408: ['Request timed out (mock fault)', undefined],
    409: ['Conflict (mock fault)', undefined],
    429: ['Rate limit exceeded. Please retry later. (mock fault)', undefined],
    500: ['Internal server error (mock fault)', undefined],
    502: ['Bad gateway: the upstream provider returned an invalid response (mock fault)', undefined],
    503: ['Service temporarily unavailable (mock fault)', undefined],
    504: ['Gateway timeout: the upstream provider did not answer in time (mock fault)', undefined],
  };
  const [message, param] = messages[status] ?? [`Mock fault: HTTP ${status}`, undefined];
  const type = status === 404 ? 'model_not_found' : errorTypeFor(status);
  // [INFERRED] the gateway sends a retry-after on 429; the value is our choice (1 s).
  const headers = status === 429 ? { 'retry-after': '1' } : {};
  return new GatewayError(status, message, { type, param, headers });
}

