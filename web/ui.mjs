// DOM helpers of the page: messages for errors, formatting, result cards, history entries, object URLs, copy.
// No network and no gateway knowledge here: app.mjs calls the package and hands results to these functions.

/** Formats a byte count for people. */
export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Usage as "input 12 · output 1056 tokens": only the numeric top-level fields, whatever the provider calls them. */
export function formatUsage(usage) {
  if (!usage || typeof usage !== 'object') return '';
  const parts = Object.entries(usage)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k.replace(/_tokens$/, '').replace(/_/g, ' ')} ${v}`);
  return parts.length ? `${parts.join(' · ')} tokens` : '';
}

/**
 * Turns any error into { kind, title, detail } for people. `api` is the package's namespace (error classes).
 * The messages of the package's errors never contain the key (it redacts what servers echo back).
 */
export function describeError(err, api, { baseURL = '', timeoutMs, keySent = true, cspAllows = () => true } = {}) {
  const detail = [err?.message ?? String(err)];
  if (err?.requestId) detail.push(`request ${err.requestId}`);
  const d = detail.join(' — ');
  const checkURL = `check the Base URL under Connection → Advanced (${baseURL}); it should end in /v1`;
  if (err instanceof api.APIUserAbortError) return { kind: 'cancelled', title: 'Cancelled.', detail: '' };
  if (err instanceof api.APIConnectionTimeoutError) {
    if (/stalled/i.test(err.message ?? '')) {
      return { kind: 'stall', title: 'The stream stalled: nothing arrived for too long, so it was ended. Try again (the limit is "Stall after" under Advanced).', detail: d };
    }
    return { kind: 'timeout', title: `Timed out: no answer within ${formatDuration(timeoutMs)}. Try again, or raise the timeout under Advanced.`, detail: d };
  }
  if (err instanceof api.APIConnectionError) {
    if (!cspAllows(baseURL)) {
      return { kind: 'csp', title: `This page's Content-Security-Policy does not allow connections to ${baseURL}: use /v1 (this server's proxy) or https://ai-gateway.vercel.sh/v1.`, detail: d };
    }
    return { kind: 'network', title: `Network error: the gateway at ${baseURL} could not be reached (offline, a wrong URL, or CORS; /v1 through this server avoids CORS).`, detail: d };
  }
  if (err instanceof api.AuthenticationError) {
    if (!keySent) return { kind: 'auth', title: 'This gateway needs a key (401): paste your AI Gateway key under Connection.', detail: d };
    return { kind: 'auth', title: 'The gateway rejected the key (401). Paste a valid AI Gateway key under Connection.', detail: d };
  }
  if (err instanceof api.PermissionDeniedError) {
    return { kind: 'permission', title: 'The key may not use this (403): a team rule or missing credits.', detail: d };
  }
  if (err instanceof api.NotFoundError) {
    const modelId = err.param?.modelId;
    if (modelId || err.type === 'model_not_found') {
      return { kind: 'unknown-model', title: `Unknown model${modelId ? ` “${modelId}”` : ''}: the gateway does not offer it. Reload the model list and pick another.`, detail: d };
    }
    return { kind: 'not-found', title: `Not found (404): ${checkURL}.`, detail: d };
  }
  if (err instanceof api.APIError && (err.status === 405 || err.status === 501)) {
    return { kind: 'base-url', title: `The server refused the request (${err.status}): this is not a gateway's API — ${checkURL}.`, detail: d };
  }
  if (err instanceof api.RateLimitError) {
    const ms = err.retryAfterMs;  // the package reads retry-after-ms / retry-after for us
    const wait = ms == null ? null : ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`;
    return { kind: 'rate-limit', title: `Rate limited (429): ${wait ? `wait ${wait}, then try again.` : 'wait a moment, then try again.'}`, detail: d };
  }
  if (err instanceof api.InvalidResponseError) {
    return { kind: 'invalid-response', title: 'The gateway answered, but the answer is not valid (truncated or corrupt). Try again.', detail: d };
  }
  if (err instanceof api.ValidationError) return { kind: 'validation', title: `Check the form: ${err.message}`, detail: '' };
  if (err instanceof api.BadRequestError || err instanceof api.UnprocessableEntityError) {
    return { kind: 'bad-request', title: 'The gateway refused the request: check the model and its options.', detail: d };
  }
  if (err instanceof api.APIError && err.code === 'gateway_unreachable') {
    return { kind: 'network', title: 'Network error: the local proxy could not reach the gateway.', detail: d };
  }
  // A mid-stream error event has no HTTP status, so the package reports a plain APIError: use its type.
  if (err instanceof api.InternalServerError || err?.type === 'internal_server_error') {
    return { kind: 'server', title: 'The gateway or the model provider failed. Try again in a moment.', detail: d };
  }
  if (err instanceof api.APIError) return { kind: 'api', title: 'The gateway returned an error.', detail: d };
  return { kind: 'unknown', title: 'Something went wrong.', detail: d };
}

/** "Retrying in 20 s (rate limited; retry 1 of 2)." for onRetry's info; `leftMs` counts down. */
function retryNotice({ attempt, error }, leftMs, maxRetries) {
  const why = error?.status === 429 ? 'rate limited'
    : error?.status ? `the gateway answered ${error.status}` : 'the connection failed';
  const s = Math.max(0, Math.ceil(leftMs / 1000));
  return `Retrying in ${s} s (${why}; retry ${attempt} of ${maxRetries}).`;
}

/**
 * Shows onRetry's wait in `box`, counted down every 250 ms, and hides it when the wait is over (then onEnd()). The
 * one countdown of the page: the run bar's and each compare slot's. Returns stop(), which hides it at once.
 */
export function retryCountdown(box, info, maxRetries, { prefix = '', onEnd } = {}) {
  const until = performance.now() + info.delayMs;
  let timer = null;
  const stop = () => { clearInterval(timer); box.hidden = true; };
  const show = () => {
    const left = until - performance.now();
    if (left <= 0) { stop(); onEnd?.(); return; }
    box.textContent = prefix + retryNotice(info, left, maxRetries);
    box.hidden = false;
  };
  show();
  timer = setInterval(show, 250);
  return stop;
}

/** "$0.04" (USD; more digits for small amounts). */
export function formatUSD(v) {
  if (v == null || !Number.isFinite(Number(v))) return '';
  const n = Number(v);
  return `$${n >= 1 ? n.toFixed(2) : n >= 0.01 ? n.toFixed(3) : n.toFixed(4)}`;
}

/** The largest image the page hands to the browser's decoder: declared width × height, in pixels. */
export const PIXEL_CAP = 64e6;
export const overPixelCap = (image) => image.width * image.height > PIXEL_CAP;

/**
 * One object URL per stored image (key: record id and index), made once and shared by the results, the history and
 * re-renders: making one waits while the browser takes in the Blob's bytes (~17 ms for 6 MiB on the test VM), so
 * it must not happen again on every history refresh. `adopt` takes a URL made elsewhere (imagegate/worker's
 * objectURLs, made off the main thread) with the function that frees it. `retain(keys)` frees the others.
 */
export class BlobURLs {
  #urls = new Map();  // key → { url, revoke }
  get(key, blob) {
    let entry = this.#urls.get(key);
    if (!entry) {
      entry = { url: URL.createObjectURL(blob), revoke: (u) => URL.revokeObjectURL(u) };
      this.#urls.set(key, entry);
    }
    return entry.url;
  }
  adopt(key, url, revoke) {
    if (!this.#urls.has(key)) this.#urls.set(key, { url, revoke });
  }
  retain(keys) {
    for (const [key, { url, revoke }] of this.#urls) {
      if (!keys.has(key)) { revoke(url); this.#urls.delete(key); }
    }
  }
}
export const imageKey = (record, index) => `${record.id}:${index}`;
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Only raster formats the sniffer recognised are rendered (never SVG or HTML from a server). */
export const RENDERABLE = new Set(['png', 'jpeg', 'webp', 'gif', 'avif']);

const EXT = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif', avif: 'avif' };

/** document.createElement with attributes (text, class, data-*, aria-*, properties) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

/**
 * A placeholder card for an image on its way. Returns { node, update(bytes), preview(blob) }: `preview` shows what is
 * decoded so far (browsers render a truncated PNG or JPEG progressively).
 */
export function progressCard(index, label0 = 'Waiting for the image…') {
  const label = el('span', { text: label0 });
  const bar = el('progress', { 'aria-label': `Image ${index + 1} progress` });  // indeterminate: size unknown
  const holder = el('div', { class: 'placeholder' }, el('div', { class: 'spinner', 'aria-hidden': 'true' }), label, bar);
  const node = el('figure', { class: 'card pending', 'data-testid': 'image-progress', 'aria-busy': 'true' }, holder);
  let img = null;
  let url = null;
  return {
    node,
    update(bytes) { label.textContent = `Receiving image ${index + 1}… ${formatBytes(bytes)}`; node.dataset.received = String(bytes); },
    preview(blob) {
      if (!img) {
        img = el('img', { class: 'preview', alt: `Image ${index + 1}, still arriving`, 'data-testid': 'image-preview' });
        node.prepend(img);
        holder.querySelector('.spinner')?.remove();
      }
      const next = URL.createObjectURL(blob);
      img.src = next;
      if (url) URL.revokeObjectURL(url);
      url = next;
      node.dataset.previewBytes = String(blob.size);
    },
    remove() {
      node.remove();
      if (url) URL.revokeObjectURL(url);
    },
  };
}

/**
 * A result card: the image, its facts (model, time, size, bytes, usage) and actions (download, copy, open).
 * `image` is a stored image ({ blob, mimeType, format, width, height, size, url }).
 */
export function imageCard(image, { model, durationMs, usage, index, url: urlOf, onOpen, onCopy, onEdit, name }) {
  const facts = [model, image.width && image.height ? `${image.width}×${image.height}` : null,
    image.format !== 'unknown' ? image.format.toUpperCase() : null, formatBytes(image.size), formatDuration(durationMs)]
    .filter(Boolean);
  const caption = el('figcaption', {},
    el('span', { class: 'facts', 'data-testid': 'image-facts', text: facts.join(' · ') }),
    usage ? el('span', { class: 'usage', 'data-testid': 'image-usage', text: formatUsage(usage) }) : null);
  const card = el('figure', { class: 'card', 'data-testid': 'result-card' });

  if (!image.blob) {
    // The server answered with a URL only: reported, never fetched (and the CSP would not let it load).
    card.append(el('div', { class: 'placeholder' }, el('span', { text: 'The gateway sent a URL instead of image bytes:' }),
      el('code', { class: 'url', text: image.url ?? '(none)' })), caption);
    return card;
  }
  const url = urlOf();
  const alt = `Image ${index + 1} from ${model}`;
  let visual;
  const capped = overPixelCap(image);
  if (capped) {
    // A few KB can declare 50 000 × 50 000 pixels: such an image is never handed to the browser's decoder.
    visual = el('div', { class: 'placeholder', 'data-testid': 'pixel-cap', text: `Not shown: it declares ${image.width}×${image.height} pixels (${Math.round(image.width * image.height / 1e6)} MP), more than the page renders (${PIXEL_CAP / 1e6} MP). Download it to inspect it.` });
  } else if (RENDERABLE.has(image.format)) {
    // Clicking the picture opens it too; the Open button is the keyboard route.
    visual = el('img', { src: url, alt, width: image.width || undefined, height: image.height || undefined, 'data-testid': 'result-image', decoding: 'async' });
    visual.addEventListener('click', () => onOpen(url, alt, image));
  } else {
    visual = el('div', { class: 'placeholder', text: 'Unrecognised image bytes (not shown); download them to inspect.' });
  }
  const fileName = `${name}-${index + 1}.${EXT[image.format] ?? 'bin'}`;
  const actions = el('div', { class: 'card-actions' },
    el('a', { href: url, download: fileName, class: 'button small', 'data-testid': 'download', text: 'Download' }),
    RENDERABLE.has(image.format) && !capped ? el('button', { type: 'button', class: 'small', 'data-testid': 'copy', text: 'Copy' }) : null,
    RENDERABLE.has(image.format) && !capped ? el('button', { type: 'button', class: 'small', 'data-testid': 'open', text: 'Open' }) : null,
    RENDERABLE.has(image.format) && !capped && onEdit ? el('button', { type: 'button', class: 'small', 'data-testid': 'edit-result', text: 'Edit this', 'aria-label': `Edit image ${index + 1}` }) : null);
  actions.querySelector('[data-testid="copy"]')?.addEventListener('click', () => onCopy(image));
  actions.querySelector('[data-testid="open"]')?.addEventListener('click', () => onOpen(url, alt, image));
  actions.querySelector('[data-testid="edit-result"]')?.addEventListener('click', () => onEdit(image));
  card.append(visual, caption, actions);
  return card;
}

/** "model · 2 images · 1.2 s · $0.04 · input 6 · output 2112 tokens" */
export function runSummary(record) {
  const n = record.images.length;
  return [record.model, `${n} image${n === 1 ? '' : 's'}`, formatDuration(record.durationMs),
    record.cost != null ? formatUSD(record.cost) : null, formatUsage(record.usage)]
    .filter(Boolean).join(' · ');
}

const STATUS_LABEL = { running: 'interrupted', cancelled: 'cancelled', error: 'failed' };

/** One entry of the history list: thumbnails, prompt, facts, and Show / Delete buttons. */
export function historyItem(record, { urls, onShow, onReuse, onDelete }) {
  const when = new Date(record.createdAt);
  const short = record.prompt.length > 60 ? `${record.prompt.slice(0, 57)}…` : record.prompt;
  const thumbs = record.images.map((img, i) => [img, i]).filter(([img]) => img.blob && RENDERABLE.has(img.format) && !overPixelCap(img)).slice(0, 4)
    .map(([img, i]) => el('img', { src: urls.get(imageKey(record, i), img.blob), alt: `Image ${i + 1} of “${short}”`, width: 64, height: 64, loading: 'lazy' }));
  const show = el('button', { type: 'button', class: 'small', text: 'Show', 'aria-label': `Show “${short}”` });
  const reuse = el('button', { type: 'button', class: 'small', text: 'Reuse', 'data-testid': 'reuse', 'aria-label': `Reuse the settings of “${short}”` });
  const del = el('button', { type: 'button', class: 'small danger', text: 'Delete', 'data-testid': 'history-delete', 'aria-label': `Delete “${short}”` });
  show.addEventListener('click', () => onShow(record));
  reuse.addEventListener('click', () => onReuse(record));
  del.addEventListener('click', () => onDelete(record, del));
  return el('li', { class: 'history-item', 'data-testid': 'history-item', 'data-id': record.id, 'data-status': record.status },
    el('div', { class: 'thumbs' }, ...thumbs, record.input ? el('span', { class: 'badge', text: 'edit' }) : null),
    el('div', { class: 'history-text' },
      el('p', { class: 'prompt', text: record.prompt }),
      el('p', { class: 'meta' },
        el('time', { dateTime: when.toISOString(), text: DATE.format(when) }),
        ` · ${runSummary(record)}`,
        STATUS_LABEL[record.status] ? el('span', { class: `badge ${record.status}`, text: STATUS_LABEL[record.status] }) : null),
      record.error ? el('p', { class: 'failure', 'data-testid': 'history-error', text: record.error }) : null),
    el('div', { class: 'history-actions' }, record.images.length || record.text ? show : null, reuse, del));
}

/** Copies an image to the clipboard. Browsers accept only PNG there, so other formats are converted first. */
export async function copyImage(image) {
  let blob = image.blob;
  if (image.mimeType !== 'image/png') {
    const bitmap = await createImageBitmap(blob);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    bitmap.close();
    blob = await canvas.convertToBlob({ type: 'image/png' });
  }
  await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
}
