// The imagegate demo page: the connection (key, base URL, timeouts), the model list, runs on one model or several
// side by side, editing an attached image or a result (with a painted mask), the viewer and the history. It is a
// client of the package's public API like any other: imagegate/worker, so that requests, response parsing and
// base64 decoding all happen in a module Worker and the page keeps every frame. It never parses a gateway response.
import {
  describeError, el, formatBytes, formatDuration, formatUSD, runSummary, copyImage, BlobURLs, imageKey, RENDERABLE, historyItem,
  imageCard, overPixelCap, retryCountdown,
} from './ui.mjs';
import { saveGeneration, listGenerations, deleteGeneration, clearGenerations } from './history.mjs';
import { startSlot } from './run.mjs';
import { createViewer } from './viewer.mjs';
import { createMaskEditor } from './mask.mjs';

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = 'imagegate.apiKey';          // only when the person ticks "remember on this device"
const SETTINGS_STORAGE = 'imagegate.settings';   // base URL, timeouts, retries, model: nothing secret
const MAX_MODELS = 4;                            // one prompt on up to four models side by side
const STALL_NOTICE_MS = 5000;                    // a stream silent this long gets a notice (it ends at idleTimeout)
const UNDO_MS = 10000;

const state = {
  api: null,             // the package's imagegate/worker namespace
  worker: null,          // one module Worker for every client of the page
  client: null,          // { key, promise } for the current settings
  apiKey: null,          // in memory; in localStorage only if remembered
  serverKey: false,      // the serving proxy adds its own key to requests without one
  connectSrc: null,      // the page's CSP connect-src (from /server.json), to explain a blocked URL
  keyWorks: false,       // credits.retrieve succeeded with it
  keyChecked: null,      // false once the gateway refused it (the connection form opens again)
  connectionOpen: false,
  models: [],
  modelsController: null,
  run: null,             // { controller, started, lastActivity, streams } while a run is on
  lastSpec: null,        // what the last run sent (Regenerate, Reuse)
  attachment: null,      // { blob, name, info, size }
  runsDone: 0,
  records: [],           // the history, newest first
  undo: null,            // { records, timer }
};
const urls = new BlobURLs();  // the results' and the history's, one per image
let viewer = null;
let mask = null;

// ---------------------------------------------------------------------------------------------- settings

function loadSettings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_STORAGE) ?? '{}') ?? {};  // the page's own storage
  } catch {
    return {};
  }
}

function saveSettings() {
  localStorage.setItem(SETTINGS_STORAGE, JSON.stringify({
    baseURL: $('base-url').value.trim(), timeout: $('timeout').value, idleTimeout: $('idle-timeout').value,
    retries: $('retries').value, model: $('model').value,
  }));
}

const baseURL = () => $('base-url').value.trim() || '/v1';
const seconds = (id, fallback) => {
  const s = Number($(id).value);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : fallback;
};
const timeoutMs = () => seconds('timeout', 600000);
const idleTimeoutMs = () => seconds('idle-timeout', 60000);
const maxRetries = () => {
  const n = Number($('retries').value);
  return Number.isInteger(n) && n >= 0 ? n : 2;
};

/** The client for the current settings: one per settings, all on the page's one Worker. */
function getClient() {
  const options = { apiKey: state.apiKey, baseURL: baseURL(), timeout: timeoutMs(), idleTimeout: idleTimeoutMs(), maxRetries: maxRetries() };
  const key = JSON.stringify(options);
  if (state.client?.key === key) return state.client.promise;
  // An old client is not terminated: the object URLs it made for images still on screen would go with it. It holds
  // nothing else in the page's one Worker once its calls are over.
  // objectURLs: each image's object URL is made in the worker, so the page never waits for a Blob's bytes.
  const promise = state.api.createWorkerClient({ ...options, worker: state.worker, objectURLs: true });
  promise.catch(() => { if (state.client?.promise === promise) state.client = null; });
  state.client = { key, promise };
  return promise;
}

/** Whether the page's Content-Security-Policy (its connect-src list) lets it connect to `url`; unknown: yes. */
function cspAllows(url) {
  if (!state.connectSrc) return true;
  let target;
  try { target = new URL(url, location.href); } catch { return false; }
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return state.connectSrc.some((src) => {
    if (src === "'self'") return target.origin === location.origin;
    if (/^[a-z][a-z0-9+.-]*:$/.test(src)) return target.protocol === src;
    const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([^/:]+)(?::(\d+|\*))?/.exec(src);
    if (!m) return false;
    const [, scheme, wildcard, host, srcPort] = m;
    if (scheme && `${scheme}:` !== target.protocol) return false;
    if (wildcard ? !target.hostname.endsWith(`.${host}`) : target.hostname !== host) return false;
    return srcPort === '*' || (srcPort ?? (target.protocol === 'https:' ? '443' : '80')) === port;
  });
}

const errorContext = () => ({
  baseURL: baseURL(), timeoutMs: timeoutMs(), keySent: !!state.apiKey, cspAllows,
});
const describe = (err) => describeError(err, state.api, errorContext());

// ---------------------------------------------------------------------------------------------- the connection

function renderConnection() {
  const key = state.apiKey;
  const remembered = key && localStorage.getItem(KEY_STORAGE) === key;
  // Never show the key again: at most its last four characters, and only when it is long enough to spare them.
  const tail = key && key.length >= 16 ? ` ending in …${key.slice(-4)}` : '';
  $('key-state').textContent = key
    ? `Key set${tail}; ${remembered ? 'remembered on this device' : 'kept in memory only (gone after a reload)'}.`
    : state.serverKey ? 'No key needed: this server adds its own key to requests through /v1.'
      : state.mock ? 'No key yet. This server talks to a local mock gateway: any key works (try "demo").'
        : 'No key yet: paste your AI Gateway key to generate.';
  $('key-summary').textContent = key ? `Key${tail}${state.keyWorks ? ' ✓' : ''} · ${baseURL()}`
    : state.serverKey ? `Server key · ${baseURL()}` : 'No key yet';
  $('api-key').placeholder = key ? 'Paste a new key to replace it' : 'Paste your AI Gateway key';
  $('forget-key').hidden = !key;
  // Open until a key works (or the server brings one); then one line, opened again on request.
  // An open Advanced section means the person is still setting up: it stays open too.
  const open = state.connectionOpen || $('advanced').open || (!key && !state.serverKey) || (key && !state.keyWorks && state.keyChecked === false);
  $('connection-form').hidden = !open;
  $('connection-toggle').setAttribute('aria-expanded', String(open));
  $('connection-toggle').textContent = open ? 'Hide connection' : key || state.serverKey ? 'Change' : 'Connection';
}

function setKey(key) {
  state.apiKey = key || null;
  state.keyWorks = false;
  if (state.apiKey && $('remember-key').checked) localStorage.setItem(KEY_STORAGE, state.apiKey);
  else localStorage.removeItem(KEY_STORAGE);
  renderConnection();
}

function commitKeyInput() {
  const input = $('api-key');
  const key = input.value.trim();
  input.value = '';  // the field never holds the key after it is taken
  if (!key) return;
  $('key-state').classList.remove('bad');
  setKey(key);
  state.connectionOpen = false;
  loadModels();
  refreshCredits();
}

/** The balance (and, with it, whether the key works): credits.retrieve needs a valid key. */
async function refreshCredits() {
  const box = $('credits');
  if (!state.apiKey && !state.serverKey) { box.hidden = true; return; }
  try {
    const client = await getClient();
    const credits = await client.credits.retrieve({ maxRetries: 0 });
    state.keyWorks = true;
    state.keyChecked = true;
    box.textContent = credits.balance != null ? `Balance ${formatUSD(credits.balance)}` : '';
    box.hidden = credits.balance == null;
  } catch (err) {
    box.hidden = true;
    const info = describe(err);
    if (info.kind === 'auth') { state.keyWorks = false; state.keyChecked = false; $('key-state').textContent = info.title; }
  }
  renderConnection();
}

// ---------------------------------------------------------------------------------------------- models

function setModelsStatus(text, isError = false) {
  const s = $('models-status');
  s.textContent = text;
  s.classList.toggle('bad', isError);
}

const modelById = (id) => state.models.find((m) => m.id === id) ?? null;
const currentModel = () => modelById($('model').value);
/** The models of the next run: the main one, then each compare slot's. */
function runModels() {
  const ids = [$('model').value, ...[...document.querySelectorAll('#compare-models select')].map((s) => s.value)];
  return [...new Set(ids)].map(modelById).filter(Boolean);
}

function modelOptions(select, preferred) {
  const groups = [
    ['Image models (images API)', state.models.filter((m) => m.imageEndpoint === 'images')],
    ['Chat models with image output', state.models.filter((m) => m.imageEndpoint === 'chat')],
  ];
  select.replaceChildren();
  for (const [label, models] of groups) {
    if (!models.length) continue;
    select.append(el('optgroup', { label },
      ...models.map((m) => el('option', { value: m.id, text: m.name && m.name !== m.id ? `${m.name} — ${m.id}` : m.id }))));
  }
  if (!state.models.length) select.append(el('option', { value: '', text: 'No image models loaded', disabled: true }));
  const wanted = [preferred].find((id) => id && state.models.some((m) => m.id === id));
  select.value = wanted ?? state.models[0]?.id ?? '';
}

function renderModels(preferred) {
  modelOptions($('model'), preferred ?? loadSettings().model);
  for (const s of document.querySelectorAll('#compare-models select')) modelOptions(s, s.value);
  onModelChange();
}

async function loadModels() {
  state.modelsController?.abort();  // a newer request (key or base URL changed) replaces an older one
  const controller = new AbortController();
  state.modelsController = controller;
  const previous = $('model').value;
  setModelsStatus('Loading models…');
  $('model').setAttribute('aria-busy', 'true');
  try {
    const client = await getClient();
    const models = await client.models.list({ imageCapable: true, signal: controller.signal });
    if (controller.signal.aborted) return;
    state.models = models;
    renderModels(previous || undefined);
    const count = (kind) => models.filter((m) => m.imageEndpoint === kind).length;
    setModelsStatus(`${count('images')} image models and ${count('chat')} chat models with image output.`);
  } catch (err) {
    if (controller.signal.aborted) return;
    // The previous list stays usable: a failed reload should not take the page down with it.
    setModelsStatus(`Could not load the models. ${describe(err).title}`, true);
  } finally {
    if (state.modelsController === controller) {
      state.modelsController = null;
      $('model').removeAttribute('aria-busy');
    }
  }
}

function addCompareModel(id) {
  const slots = $('compare-models');
  if (slots.children.length + 1 >= MAX_MODELS) return;
  const n = slots.children.length + 2;
  const select = el('select', { 'aria-label': `Model ${n} to compare`, 'data-testid': 'compare-model' });
  const remove = el('button', { type: 'button', class: 'icon', 'aria-label': `Remove model ${n}`, text: '✕' });
  const row = el('div', { class: 'compare-model' }, select, remove);
  slots.append(row);
  modelOptions(select, id ?? state.models.find((m) => !runModels().some((r) => r.id === m.id))?.id);
  select.addEventListener('change', onModelChange);
  remove.addEventListener('click', () => { row.remove(); onModelChange(); $('compare').focus(); });
  onModelChange();
  return select;
}

function onModelChange() {
  const models = runModels();
  const endpoints = new Set(models.map((m) => m.imageEndpoint));
  // hidden + disabled: options no model of the run reads are neither shown nor reachable with the keyboard.
  for (const [id, on] of [['images-options', !endpoints.has('chat') || endpoints.has('images')], ['chat-options', endpoints.has('chat')]]) {
    $(id).hidden = !on;
    $(id).disabled = !on;
  }
  const first = models[0];
  $('generate-form').dataset.endpoint = first?.imageEndpoint ?? '';
  // The example names the namespace the chosen model reads (the package's one table).
  const ns = first ? state.api.providerOptionsKey(first.id) : 'blackForestLabs';
  $('provider-options').placeholder = first?.imageEndpoint === 'chat'
    ? `{"${ns}": {"imageConfig": {"aspectRatio": "16:9"}}}` : `{"${ns}": {"seed": 42}}`;
  $('compare').disabled = $('compare-models').children.length + 1 >= MAX_MODELS || state.models.length < 2;
  renderMask();
  renderEstimate();
}

// ---------------------------------------------------------------------------------------------- the form

function parseProviderOptions() {
  const text = $('provider-options').value.trim();
  if (!text) return {};
  let value;
  try {
    value = JSON.parse(text);  // the person's own input, not a gateway response
  } catch (err) {
    throw new Error(`Provider options are not valid JSON (${err.message}).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('Provider options must be a JSON object keyed by provider, e.g. {"openai": {"quality": "high"}}.');
  }
  return value;
}

/** The form's settings (what Reuse restores and a history record keeps). */
function formSettings() {
  return {
    n: $('n').value, size: $('size').value, aspect: $('aspect').value, system: $('system-prompt').value,
    text: $('modality-text').checked, image: $('modality-image').checked, chatAspect: $('chat-aspect').value,
    providerOptions: $('provider-options').value,
  };
}

function applySettings({ prompt, models, settings }) {
  if (prompt != null) $('prompt').value = prompt;
  if (settings) {
    $('n').value = settings.n ?? '1';
    $('size').value = settings.size ?? '';
    $('aspect').value = settings.aspect ?? '';
    $('system-prompt').value = settings.system ?? '';
    $('modality-text').checked = settings.text ?? true;
    $('modality-image').checked = settings.image ?? true;
    $('chat-aspect').value = settings.chatAspect ?? '';
    $('provider-options').value = settings.providerOptions ?? '';
  }
  if (models?.length) {
    $('compare-models').replaceChildren();
    if (modelById(models[0])) $('model').value = models[0];
    for (const id of models.slice(1)) if (modelById(id)) addCompareModel(id);
  }
  onModelChange();
}

/** "1024x1024" → 1, "16:9" → 1.777… */
const ratioOf = (text) => {
  const m = /^(\d+)[x:](\d+)$/.exec(text ?? '');
  return m ? Number(m[1]) / Number(m[2]) : null;
};

/** The request for one model. Throws Error with a message for people. */
async function buildParams(model, prompt, settings, providerOptions, client) {
  const options = structuredClone(providerOptions);
  if (model.imageEndpoint === 'images') {
    const n = Number(settings.n);
    if (!Number.isInteger(n) || n < 1 || n > 10) throw new Error('The number of images must be a whole number from 1 to 10.');
    const params = { model: model.id, prompt, n };
    if (settings.size && settings.aspect && Math.abs(ratioOf(settings.size) - ratioOf(settings.aspect)) > 0.01) {
      throw new Error(`Size ${settings.size} and aspect ratio ${settings.aspect} contradict each other: choose one of them (Options).`);
    }
    if (settings.size) params.size = settings.size;
    if (settings.aspect) {
      // Vercel's docs put the aspect ratio in providerOptions.<provider>: the package's one table names it.
      const ns = state.api.providerOptionsKey(model.id);
      options[ns] = { aspectRatio: settings.aspect, ...options[ns] };  // explicit JSON wins
    }
    if (Object.keys(options).length) params.providerOptions = options;
    return params;
  }
  const modalities = [settings.text && 'text', settings.image && 'image'].filter(Boolean);
  if (!modalities.length) throw new Error('Choose at least one output: text or image (Options).');
  const content = state.attachment
    ? [{ type: 'text', text: prompt }, await client.imagePart(state.attachment.blob)]
    : prompt;
  const messages = [];
  if (settings.system.trim()) messages.push({ role: 'system', content: settings.system.trim() });
  messages.push({ role: 'user', content });
  const params = { model: model.id, messages, modalities };
  if (settings.chatAspect) {
    const google = options.google ?? {};
    options.google = { ...google, imageConfig: { aspectRatio: settings.chatAspect, ...google.imageConfig } };
  }
  if (Object.keys(options).length) params.providerOptions = options;
  return params;
}

/** The cost before Generate: the package's estimate from each model's listed price. */
function renderEstimate() {
  const box = $('cost-estimate');
  const models = runModels();
  if (!models.length || !state.api) { box.textContent = ''; return; }
  let min = 0, max = 0, unknown = [];
  for (const m of models) {
    const params = m.imageEndpoint === 'images'
      ? { n: Number($('n').value) || 1, ...($('size').value ? { size: $('size').value } : {}) }
      : { messages: [{ role: 'user', content: $('prompt').value }], images: state.attachment ? 1 : 0 };
    const e = state.api.estimateCost(m, params);
    if (e.min == null || e.max == null) unknown.push(m.id);
    else { min += e.min; max += e.max; }
  }
  const range = min === max ? `about ${formatUSD(min)}` : `${formatUSD(min)}–${formatUSD(max)}`;
  box.textContent = unknown.length === models.length ? 'Estimated cost: no price listed for this model.'
    : `Estimated cost: ${range}${unknown.length ? ` (no price listed for ${unknown.join(', ')})` : ''}.`;
}

// ---------------------------------------------------------------------------------------------- attachments + mask

/** Attaches an image (a File, a pasted Blob, or a result) to edit. */
async function attach(blob, name) {
  if (!blob) return;
  try {
    const client = await getClient();
    const info = await client.sniffImage(blob);
    if (!RENDERABLE.has(info.format)) throw new Error(`${name || 'That file'} is not a PNG, JPEG, WebP or GIF image.`);
    if (overPixelCap(info)) throw new Error(`${name || 'That image'} declares ${info.width}×${info.height} pixels: too large to edit here.`);
    const typed = blob.type === info.mimeType ? blob : new Blob([blob], { type: info.mimeType });
    name ||= `pasted image.${info.format}`;
    state.attachment = { blob: typed, name, info, size: blob.size };
    if ($('attachment-image').src.startsWith('blob:')) URL.revokeObjectURL($('attachment-image').src);
    $('attachment-image').src = URL.createObjectURL(typed);
    $('attachment-info').textContent = `${name} · ${info.width}×${info.height} · ${formatBytes(blob.size)}`;
    $('attachment').hidden = false;
    mask.load(typed, info.width, info.height);
    clearError();
    const model = currentModel();
    const can = model && (model.imageEndpoint === 'chat' || state.api.modelCapabilities(model.id).images);
    if (!can) {
      // Pick a model that edits, rather than refuse later.
      const editor = state.models.find((m) => state.api.modelCapabilities(m.id).images && m.imageEndpoint === 'images')
        ?? state.models.find((m) => m.imageEndpoint === 'chat');
      if (editor) { $('model').value = editor.id; onModelChange(); }
    }
    setRunStatus(`Attached ${name}: describe the change and press Generate.`);
    renderMask();
    renderEstimate();
  } catch (err) {
    showError({ kind: 'attachment', title: `Cannot attach: ${err.message}`, detail: '' });
  }
}

function removeAttachment() {
  state.attachment = null;
  if ($('attachment-image').src.startsWith('blob:')) URL.revokeObjectURL($('attachment-image').src);
  $('attachment-image').removeAttribute('src');
  $('attachment').hidden = true;
  $('attach-input').value = '';
  mask.unload();
  renderEstimate();
}

/** The mask editor shows for an attachment when the model takes masks (the package's table says which). */
function renderMask() {
  const model = currentModel();
  const takes = !!(state.attachment && model?.imageEndpoint === 'images' && state.api?.modelCapabilities(model.id).mask);
  $('mask').hidden = !takes;
  $('mask-hint').textContent = takes ? 'Optional: paint over the area to change; the rest of the image is kept.' : '';
}

// ---------------------------------------------------------------------------------------------- results

function setRunStatus(text) { $('run-status').textContent = text; }

function showError({ kind, title, detail }, { reveal = true } = {}) {
  const box = $('error');
  box.dataset.kind = kind;
  box.replaceChildren(...[el('strong', { text: title }), detail && el('span', { class: 'detail', text: detail })].filter(Boolean));
  box.hidden = false;
  if (reveal) bringIntoView(box);
}

function clearError() {
  const box = $('error');
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.kind;
}

const narrow = () => matchMedia('(max-width: 820px)').matches;

/** What a click produced goes where the person looks: beside the form when wide, scrolled to and focused when narrow. */
function bringIntoView(node) {
  const r = node.getBoundingClientRect();
  const visible = r.top >= 0 && r.top < innerHeight * 0.6;
  if (narrow() || !visible) node.scrollIntoView({ block: 'start', behavior: 'instant' });
  if (narrow() || node.getAttribute('role') === 'alert') (node === $('results') ? $('results-title') : node).focus?.({ preventScroll: true });
}

function resetResults() {
  $('gallery').replaceChildren();
  $('gallery').classList.remove('compare');
  $('gallery-empty').hidden = true;
  $('run-actions').hidden = true;
}

async function onCopy(image) {
  try {
    await copyImage(image);
    setRunStatus('Image copied to the clipboard.');
  } catch (err) {
    setRunStatus(`Could not copy the image: ${err.message}`);
  }
}

const fileStem = (record) => `imagegate-${new Date(record.createdAt).toISOString().slice(0, 19).replace(/[T:]/g, '-')}`;
const EXT = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif', avif: 'avif' };

/** What the viewer steps through: the images on screen (this run), then the history's. */
function viewerItems() {
  const items = [];
  const seen = new Set();
  const add = (record, image, i) => {
    if (!image.blob || !RENDERABLE.has(image.format) || overPixelCap(image) || seen.has(image.blob)) return;
    seen.add(image.blob);
    items.push({ blob: image.blob, image, name: `${fileStem(record)}-${i + 1}.${EXT[image.format] ?? 'bin'}`,
      title: `Image ${i + 1} from ${record.model} — ${image.width}×${image.height} ${image.format.toUpperCase()}` });
  };
  const shown = new Set((state.shown ?? []).map((r) => r.id));
  for (const r of state.shown ?? []) r.images.forEach((img, i) => add(r, img, i));
  for (const r of state.records) if (!shown.has(r.id)) r.images.forEach((img, i) => add(r, img, i));
  return items;
}

function openViewer(image) {
  const items = viewerItems();
  viewer.open(items, Math.max(0, items.findIndex((it) => it.blob === image.blob)));
}

/** A result card's options (run.mjs and the history's Show). */
const cardOptions = (record, image, index) => ({
  model: record.model, durationMs: record.durationMs, usage: record.usage, index, url: () => urls.get(imageKey(record, index), image.blob),
  onOpen: (_url, _alt, img) => openViewer(img), onCopy, onEdit: editResult, name: fileStem(record),
});

/** "Edit this": the result becomes the attachment, and the prompt waits for the change. */
async function editResult(image) {
  await attach(image.blob, `result.${EXT[image.format] ?? 'png'}`);
  $('prompt').value = '';
  $('prompt').placeholder = 'Describe the change, e.g. "make it night"';
  $('prompt').focus();
}

/** Shows a past generation (from the history) in the results area. */
function showRecord(record) {
  clearError();
  resetResults();
  const slot = el('section', { class: 'slot', 'data-testid': 'compare-slot', 'data-model': record.model },
    el('div', { class: 'slot-head' }, el('strong', { text: record.model }), el('span', { class: 'meta', text: runSummary(record) })));
  if (record.text) slot.append(el('p', { class: 'output-text', 'data-testid': 'output-text', text: record.text }));
  const gallery = el('div', { class: 'gallery' });
  record.images.forEach((img, i) => gallery.append(imageCardFor(record, img, i)));
  slot.append(gallery);
  $('gallery').append(slot);
  state.shown = [record];
  setRunStatus(`Showing a past generation: ${runSummary(record)}.`);
  bringIntoView($('results'));
  $('results-title').focus({ preventScroll: true });
}
const imageCardFor = (record, image, index) => imageCard(image, cardOptions(record, image, index));

// ---------------------------------------------------------------------------------------------- a run

function setBusy(busy) {
  $('generate').disabled = busy;
  $('generate').textContent = busy ? 'Generating…' : 'Generate';
  $('cancel').disabled = !busy;
  $('cancel').hidden = !busy;  // at hand while something runs (and Escape), out of the way otherwise
  $('gallery').setAttribute('aria-busy', String(busy));
  $('elapsed').hidden = !busy && !$('elapsed').textContent;
}

/** The run as it was asked for: what Regenerate repeats and Reuse restores. */
function specFromForm() {
  return {
    prompt: $('prompt').value.trim(), models: runModels().map((m) => m.id), settings: formSettings(),
    attachment: state.attachment, mask: state.attachment && !$('mask').hidden && mask.hasMask() ? 'painted' : null,
  };
}

function fail(title, focus) {
  showError({ kind: 'validation', title, detail: '' });
  if (!narrow()) focus?.focus({ preventScroll: true });
}

async function generate(spec = specFromForm()) {
  if (state.run) return;
  clearError();
  const models = spec.models.map(modelById).filter(Boolean);
  if (!models.length) return fail('Pick a model first: the list loads from the gateway (reload it with ↻).', $('model'));
  if (!spec.prompt) return fail('Write a prompt first.', $('prompt'));
  if (!state.apiKey && !state.serverKey) {
    // Said twice: in the results, and beside the key field, which takes the focus (on a phone: scrolled to).
    const title = 'Paste your AI Gateway key under Connection first: the gateway needs one.';
    state.connectionOpen = true;
    renderConnection();
    showError({ kind: 'no-key', title, detail: '' }, { reveal: !narrow() });
    $('key-state').textContent = title;
    $('key-state').classList.add('bad');
    $('api-key').focus();
    return;
  }
  for (const m of models) {
    if (spec.attachment && m.imageEndpoint === 'images' && state.api.modelCapabilities(m.id).images === false) {
      return fail(`${m.id} cannot edit images. Pick a model that edits (for example bfl/flux-kontext-pro, openai/gpt-image-1, or a chat model), or remove the image.`, $('model'));
    }
  }
  let client, providerOptions, maskBlob = null;
  const params = [];
  try {
    client = await getClient();
    providerOptions = parseProviderOptions();
    for (const m of models) params.push(await buildParams(m, spec.prompt, spec.settings, providerOptions, client));
    if (spec.mask === 'painted') maskBlob = await mask.toBlob();
  } catch (err) {
    return fail(err.message ?? describe(err).title);
  }

  const controller = new AbortController();
  const run = { controller, started: performance.now(), lastActivity: performance.now(), streams: models.some((m) => m.imageEndpoint === 'chat') };
  state.run = run;
  state.lastSpec = spec;
  setBusy(true);
  resetResults();
  $('retry-notice').hidden = true;
  $('stall-notice').hidden = true;
  const compare = models.length > 1;
  $('gallery').classList.toggle('compare', compare);
  setRunStatus(compare ? `Generating with ${models.length} models…` : `Generating with ${models[0].id}${spec.attachment ? ' (editing)' : ''}…`);
  const ticker = setInterval(() => tick(run), 200);
  tick(run);

  let historyError = null;
  const runId = crypto.randomUUID();
  const slots = models.map((model, k) => {
    const record = {
      id: crypto.randomUUID(), runId, createdAt: Date.now(), model: model.id, endpoint: model.imageEndpoint, prompt: spec.prompt,
      models: spec.models, settings: spec.settings,
      input: spec.attachment ? { blob: spec.attachment.blob, name: spec.attachment.name } : null,
      images: [], text: '', usage: null, durationMs: null, status: 'running', error: null, cost: null, generationId: null,
    };
    return startSlot(model, {
      client, params: params[k], record, signal: controller.signal, compare, maxRetries: maxRetries(),
      edit: spec.attachment && model.imageEndpoint === 'images' ? { images: [spec.attachment.blob], mask: maskBlob } : null,
      persist: async (r) => {
        try { await saveGeneration(stripForStorage(r)); } catch (err) { historyError = err; }
      },
      onRetry: (info) => showRetry(run, info, model.id, compare),
      onActivity: () => { run.lastActivity = performance.now(); },
      describe,
      card: cardOptions,
      adoptURL: (r, i, url) => urls.adopt(imageKey(r, i), url, (u) => client.revokeObjectURL(u)),
    });
  });
  $('gallery').append(...slots.map((s) => s.node));
  bringIntoView($('results'));
  state.shown = [];

  const records = await Promise.all(slots.map((s) => s.done));
  clearInterval(ticker);
  state.shown = records;
  const took = formatDuration(performance.now() - run.started);
  $('elapsed').textContent = took;
  const failed = records.filter((r) => r.status === 'error');
  const cancelled = records.some((r) => r.status === 'cancelled');
  if (cancelled) {
    setRunStatus(`Cancelled after ${took}${records.some((r) => r.images.length || r.text) ? '; what arrived is kept' : ''}.`);
  } else if (failed.length === records.length && !compare) {
    setRunStatus('Failed.');
    showError(failed[0].errorInfo);
  } else if (failed.length) {
    setRunStatus(`Done in ${took}; ${failed.length} of ${records.length} failed (see each).`);
  } else {
    setRunStatus(compare ? `Done in ${took}.` : `Done: ${runSummary(records[0])}.`);
  }
  if (historyError) setRunStatus(`${$('run-status').textContent} Not saved to the history: ${historyError.message}`);
  run.stopRetry?.();  // hides the notice and ends its countdown
  $('stall-notice').hidden = true;
  state.run = null;
  setBusy(false);
  $('run-actions').hidden = false;
  // On a phone the results grew below the fold while they arrived: show them.
  if (narrow()) $('results').scrollIntoView({ block: 'start', behavior: 'instant' });
  if (!records.some((r) => r.images.length || r.text)) $('gallery-empty').hidden = records.some((r) => r.status === 'error');
  await refreshHistory();
  refreshCredits();
  // A count of finished runs: lets tests, or anything else, wait for "this run is over".
  $('results').dataset.runs = String(++state.runsDone);
}

/** Records keep what a reload needs (errorInfo is for this page view only). */
function stripForStorage(record) {
  const { errorInfo, ...rest } = record;
  return { ...rest, images: rest.images.map(({ objectURL, ...image }) => image) };
}

/** The run bar: elapsed time, and a notice when a stream has been silent for a while. */
function tick(run) {
  const now = performance.now();
  $('elapsed').hidden = false;
  $('elapsed').textContent = formatDuration(now - run.started);
  const silent = now - run.lastActivity;
  const stalled = run.streams && silent >= Math.min(STALL_NOTICE_MS, idleTimeoutMs() / 2) && !run.retrying;
  $('stall-notice').hidden = !stalled;
  if (stalled) {
    const left = Math.max(0, idleTimeoutMs() - silent);
    $('stall-notice').textContent = `Nothing has arrived for ${Math.floor(silent / 1000)} s: the stream may have stalled. It is ended in ${Math.ceil(left / 1000)} s unless data comes; Cancel stops it now.`;
  }
}

/** "Retrying in N s (rate limited)": counted down until the next attempt starts. */
function showRetry(run, info, model, compare) {
  run.retrying = true;  // no stall notice while waiting on purpose
  run.stopRetry?.();
  run.stopRetry = retryCountdown($('retry-notice'), info, maxRetries(), {
    prefix: compare ? `${model}: ` : '',
    onEnd: () => { run.retrying = false; run.lastActivity = performance.now(); },
  });
}

// ---------------------------------------------------------------------------------------------- history

let historyReads = 0;

async function refreshHistory() {
  const read = ++historyReads;
  let records;
  try {
    records = await listGenerations();
    if (read !== historyReads) return;  // a newer read is under way: it renders, not this older one
  } catch (err) {
    $('history-status').textContent = `The history is unavailable in this browser: ${err.message}`;
    $('history').dataset.loaded = 'true';
    return;
  }
  state.records = records;
  renderHistory();
  $('history').dataset.loaded = 'true';
}

function renderHistory() {
  const query = $('history-search').value.trim().toLowerCase();
  const shown = query ? state.records.filter((r) => r.prompt.toLowerCase().includes(query) || r.model.toLowerCase().includes(query)) : state.records;
  // The URLs of images no longer listed nor on screen are freed.
  const keep = new Set();
  for (const r of [...state.records, ...(state.shown ?? [])]) r.images.forEach((_, i) => keep.add(imageKey(r, i)));
  urls.retain(keep);
  $('history').replaceChildren(...shown.map((record) => historyItem(record, {
    urls, onShow: showRecord, onReuse: reuseRecord, onDelete: removeRecord,
  })));
  const total = state.records.length;
  $('history-status').textContent = !total ? 'Nothing yet: every generation is saved here, in this browser only.'
    : query ? `${shown.length} of ${total} match “${query}”.`
      : `${total} generation${total === 1 ? '' : 's'} saved in this browser.`;
  $('history-clear').disabled = !total;
}

function reuseRecord(record) {
  applySettings({ prompt: record.prompt, models: record.models ?? [record.model], settings: record.settings });
  if (record.input?.blob) attach(record.input.blob, record.input.name);
  setRunStatus(`Settings of “${record.prompt.slice(0, 40)}” restored: change them or press Generate.`);
  if (narrow()) $('prompt').scrollIntoView({ block: 'center' });
  $('prompt').focus({ preventScroll: !narrow() });
}

/** Deletes at once; Undo (for a while) puts the records back. */
function offerUndo(records, text) {
  if (state.undo) clearTimeout(state.undo.timer);
  state.undo = { records, timer: setTimeout(() => { state.undo = null; $('undo-bar').hidden = true; }, UNDO_MS) };
  $('undo-text').textContent = text;
  $('undo-bar').hidden = false;
}

async function undo() {
  const pending = state.undo;
  if (!pending) return;
  clearTimeout(pending.timer);
  state.undo = null;
  $('undo-bar').hidden = true;
  for (const r of pending.records) await saveGeneration(r);
  await refreshHistory();
  $('history-status').textContent = `Restored. ${$('history-status').textContent}`;
  $('history-title').focus();
}

async function removeRecord(record, button) {
  const item = button.closest('li');
  const next = item.nextElementSibling ?? item.previousElementSibling;
  try {
    await deleteGeneration(record.id);
  } catch (err) {
    $('history-status').textContent = `Could not delete: ${err.message}`;
    return;
  }
  await refreshHistory();
  offerUndo([record], `Deleted “${record.prompt.slice(0, 40)}”.`);
  // Keep keyboard focus in the list rather than losing it to <body>.
  const id = next?.dataset.id;
  ($('history').querySelector(`[data-id="${CSS.escape(id ?? '')}"] [data-testid="history-delete"]`) ?? $('undo')).focus();
}

async function clearHistory() {
  const records = state.records.slice();
  if (!records.length) return;
  try {
    await clearGenerations();
  } catch (err) {
    $('history-status').textContent = `Could not clear: ${err.message}`;
    return;
  }
  await refreshHistory();
  offerUndo(records, `Cleared ${records.length} generation${records.length === 1 ? '' : 's'}.`);
  $('undo').focus();
}

// ---------------------------------------------------------------------------------------------- wiring

function wire() {
  $('connection-form').addEventListener('submit', (e) => e.preventDefault());
  $('connection-toggle').addEventListener('click', () => {
    state.connectionOpen = $('connection-form').hidden;
    renderConnection();
    if (state.connectionOpen) $('api-key').focus();
  });
  $('api-key').addEventListener('change', commitKeyInput);
  $('api-key').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); commitKeyInput(); } });
  $('remember-key').addEventListener('change', () => setKey(state.apiKey));
  $('forget-key').addEventListener('click', () => {
    $('remember-key').checked = false; setKey(null); state.connectionOpen = true; renderConnection(); $('api-key').focus();
  });

  $('base-url').addEventListener('change', () => { saveSettings(); renderConnection(); loadModels(); refreshCredits(); });
  for (const id of ['timeout', 'idle-timeout', 'retries']) $(id).addEventListener('change', saveSettings);
  $('model').addEventListener('change', () => { onModelChange(); saveSettings(); });
  $('reload-models').addEventListener('click', loadModels);
  $('compare').addEventListener('click', () => addCompareModel()?.focus());
  for (const id of ['n', 'size', 'prompt']) $(id).addEventListener('input', renderEstimate);

  $('generate-form').addEventListener('submit', (e) => { e.preventDefault(); generate(); });
  $('prompt').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !e.isComposing) {
      e.preventDefault();
      $('generate-form').requestSubmit();
    }
  });
  $('cancel').addEventListener('click', () => state.run?.controller.abort());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.run && !$('viewer').open) state.run.controller.abort();
  });
  $('regenerate').addEventListener('click', () => state.lastSpec && generate(state.lastSpec));
  $('reuse').addEventListener('click', () => {
    if (!state.lastSpec) return;
    applySettings(state.lastSpec);
    setRunStatus('Settings restored: change them or press Generate.');
    $('prompt').focus();
  });

  $('attach').addEventListener('click', () => $('attach-input').click());
  $('attach-input').addEventListener('change', () => { const f = $('attach-input').files[0]; attach(f, f?.name); });
  $('remove-attachment').addEventListener('click', () => { removeAttachment(); setRunStatus('Attachment removed.'); $('attach').focus(); });
  const zone = $('dropzone');
  // Anywhere on the page, a dropped file must not replace the page with the file itself.
  for (const type of ['dragover', 'drop']) document.addEventListener(type, (e) => e.preventDefault());
  zone.addEventListener('dragenter', () => zone.classList.add('dragging'));
  zone.addEventListener('dragover', (e) => { e.dataTransfer.dropEffect = 'copy'; zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', (e) => { if (!zone.contains(e.relatedTarget)) zone.classList.remove('dragging'); });
  zone.addEventListener('drop', (e) => { zone.classList.remove('dragging'); const f = e.dataTransfer.files[0]; attach(f, f?.name); });
  document.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (file && e.target !== $('api-key')) { e.preventDefault(); attach(file, file.name); }
  });

  $('history-search').addEventListener('input', renderHistory);
  $('history-clear').addEventListener('click', clearHistory);
  $('undo').addEventListener('click', undo);

  viewer = createViewer({
    dialog: $('viewer'), body: $('viewer-body'), img: $('viewer-image'), title: $('viewer-title'), position: $('viewer-position'),
    prev: $('viewer-prev'), next: $('viewer-next'), zoom: $('viewer-zoom'), download: $('viewer-download'), copy: $('viewer-copy'),
    close: $('viewer-close'), onCopy,
  });
  mask = createMaskEditor({
    canvas: $('mask-editor'), base: $('mask-base'), sizeInput: $('mask-size'),
    toolInputs: document.querySelectorAll('input[name="mask-tool"]'), clearButton: $('mask-clear'),
    onChange: (has) => { $('mask-editor').dataset.painted = String(has); },
  });
}

async function main() {
  const status = $('status');
  try {
    state.api = await import('/imagegate/js/worker.mjs');
    // One Worker for the page (the package's host script): every client of the page runs in it.
    state.worker = new Worker('/imagegate/js/worker-host.mjs', { type: 'module' });
  } catch (err) {
    status.textContent = `The imagegate package could not be loaded (${err.message}). Is it built (wasm/dist)?`;
    status.classList.add('bad');
    return;
  }
  const settings = loadSettings();
  if (settings.baseURL) $('base-url').value = settings.baseURL;
  if (settings.timeout) $('timeout').value = settings.timeout;
  if (settings.idleTimeout) $('idle-timeout').value = settings.idleTimeout;
  if (settings.retries) $('retries').value = settings.retries;
  const remembered = localStorage.getItem(KEY_STORAGE);
  $('remember-key').checked = !!remembered;
  state.apiKey = remembered || null;
  wire();
  renderConnection();
  renderModels();
  // What the serving proxy does (scripts/serve.mjs); absent when the page is served some other way.
  const server = fetch('/server.json').then((r) => (r.ok ? r.json() : null)).then((info) => {  // our own server's JSON
    state.serverKey = !!info?.serverKey;
    state.mock = !!info?.mock;
    state.connectSrc = Array.isArray(info?.connectSrc) ? info.connectSrc : null;
    renderConnection();
  }).catch(() => {});
  let client;
  try {
    client = await getClient();  // the worker loads the core: ready means ready to generate
  } catch (err) {
    status.textContent = `The imagegate core could not start in its worker (${err.message}).`;
    status.classList.add('bad');
    return;
  }
  status.textContent = `imagegate ${client.version} ready`;
  document.documentElement.dataset.ready = 'true';
  // The model list is public on the gateway: load it at once, and again whenever the key or base URL changes.
  loadModels();
  refreshHistory();
  server.then(refreshCredits);
}

main();
