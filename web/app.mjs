// The imagegate demo page: the key and connection settings, the model list, generation through the images API
// or a streamed chat, editing an attached image, results, and the history. It is a client of the package's
// public API like any other: it never parses a gateway response itself.
import {
  describeError, el, formatBytes, formatDuration, imageCard, progressCard, historyItem, runSummary, copyImage, ObjectURLs,
  RENDERABLE,
} from './ui.mjs';
import { saveGeneration, listGenerations, deleteGeneration } from './history.mjs';

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = 'imagegate.apiKey';          // only when the person ticks "remember on this device"
const SETTINGS_STORAGE = 'imagegate.settings';   // base URL, timeout, retries, model: nothing secret

const state = {
  api: null,            // the package's namespace, once loaded
  apiKey: null,         // in memory; in localStorage only if remembered
  serverKey: false,     // the serving proxy adds its own key to requests without one
  models: [],
  modelsController: null,
  run: null,            // { controller } while a generation runs
  attachment: null,     // { blob, name, info, size }
  runsDone: 0,
};
const galleryURLs = new ObjectURLs();
const historyURLs = new ObjectURLs();
const attachmentURLs = new ObjectURLs();

// ---------------------------------------------------------------------------------------------- settings

function loadSettings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_STORAGE) ?? '{}') ?? {};
  } catch {
    return {};
  }
}

function saveSettings() {
  localStorage.setItem(SETTINGS_STORAGE, JSON.stringify({
    baseURL: $('base-url').value.trim(), timeout: $('timeout').value, retries: $('retries').value, model: $('model').value,
  }));
}

const baseURL = () => $('base-url').value.trim() || '/v1';
const timeoutMs = () => {
  const s = Number($('timeout').value);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : 600000;
};
const maxRetries = () => {
  const n = Number($('retries').value);
  return Number.isInteger(n) && n >= 0 ? n : 2;
};

/** A client for the current settings: cheap to make, so every request gets one (settings may have changed). */
function makeClient() {
  return state.api.createClient({ apiKey: state.apiKey, baseURL: baseURL(), timeout: timeoutMs(), maxRetries: maxRetries() });
}

const errorContext = () => ({ baseURL: baseURL(), timeoutMs: timeoutMs() });

// ---------------------------------------------------------------------------------------------- the key

function renderKeyState() {
  const key = state.apiKey;
  const remembered = key && localStorage.getItem(KEY_STORAGE) === key;
  // Never show the key again: at most its last four characters, and only when it is long enough to spare them.
  const tail = key && key.length >= 16 ? ` ending in …${key.slice(-4)}` : '';
  $('key-state').textContent = key
    ? `Key set${tail}; ${remembered ? 'remembered on this device' : 'kept in memory only (gone after a reload)'}.`
    : state.serverKey ? 'No key needed: this server adds its own key to requests through /v1.'
      : 'No key yet: paste your AI Gateway key to generate.';
  $('api-key').placeholder = key ? 'Paste a new key to replace it' : 'Paste your AI Gateway key';
  $('forget-key').hidden = !key;
}

function setKey(key) {
  state.apiKey = key || null;
  if (state.apiKey && $('remember-key').checked) localStorage.setItem(KEY_STORAGE, state.apiKey);
  else localStorage.removeItem(KEY_STORAGE);
  renderKeyState();
}

function commitKeyInput() {
  const input = $('api-key');
  const key = input.value.trim();
  input.value = '';  // the field never holds the key after it is taken
  if (!key) return;
  setKey(key);
  loadModels();
}

// ---------------------------------------------------------------------------------------------- models

function setModelsStatus(text, isError = false) {
  const s = $('models-status');
  s.textContent = text;
  s.classList.toggle('bad', isError);
}

function currentModel() {
  return state.models.find((m) => m.id === $('model').value) ?? null;
}

function renderModels(preferred) {
  const select = $('model');
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
  const wanted = [preferred, loadSettings().model].find((id) => id && state.models.some((m) => m.id === id));
  select.value = wanted ?? state.models[0]?.id ?? '';
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
    const client = await makeClient();
    const models = await client.models.list({ imageCapable: true, signal: controller.signal });
    if (controller.signal.aborted) return;
    state.models = models;
    renderModels(previous);
    const count = (kind) => models.filter((m) => m.imageEndpoint === kind).length;
    setModelsStatus(`${count('images')} image models and ${count('chat')} chat models with image output.`);
  } catch (err) {
    if (controller.signal.aborted) return;
    // The previous list stays usable: a failed reload should not take the page down with it.
    setModelsStatus(`Could not load the models. ${describeError(err, state.api, errorContext()).title}`, true);
  } finally {
    if (state.modelsController === controller) {
      state.modelsController = null;
      $('model').removeAttribute('aria-busy');
    }
  }
}

function onModelChange() {
  const endpoint = currentModel()?.imageEndpoint;
  // hidden + disabled: controls of the other endpoint are neither shown nor reachable with the keyboard.
  for (const [id, on] of [['images-options', endpoint !== 'chat'], ['chat-options', endpoint === 'chat']]) {
    $(id).hidden = !on;
    $(id).disabled = !on;
  }
  $('generate-form').dataset.endpoint = endpoint ?? '';
}

// ---------------------------------------------------------------------------------------------- attachments

async function attach(file) {
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = state.api.sniffImage(bytes);
    if (!RENDERABLE.has(info.format)) throw new Error(`${file.name || 'That file'} is not a PNG, JPEG, WebP or GIF image.`);
    const name = file.name || `pasted image.${info.format}`;
    state.attachment = { blob: new Blob([bytes], { type: info.mimeType }), name, info, size: bytes.length };
    attachmentURLs.revokeAll();
    $('attachment-image').src = attachmentURLs.make(state.attachment.blob);
    $('attachment-info').textContent = `${name} · ${info.width}×${info.height} · ${formatBytes(bytes.length)}`;
    $('attachment').hidden = false;
    clearError();
    setRunStatus(currentModel()?.imageEndpoint === 'chat' ? `Attached ${name}: it will be edited.`
      : `Attached ${name}. Editing needs a chat model: pick one from the list.`);
  } catch (err) {
    showError({ kind: 'attachment', title: `Cannot attach: ${err.message}`, detail: '' });
  }
}

function removeAttachment() {
  state.attachment = null;
  attachmentURLs.revokeAll();
  $('attachment-image').removeAttribute('src');
  $('attachment').hidden = true;
  $('attach-input').value = '';
}

// ---------------------------------------------------------------------------------------------- results

function setRunStatus(text) { $('run-status').textContent = text; }

function showError({ kind, title, detail }) {
  const box = $('error');
  box.dataset.kind = kind;
  box.replaceChildren(...[el('strong', { text: title }), detail && el('span', { class: 'detail', text: detail })].filter(Boolean));
  box.hidden = false;
}

function clearError() {
  const box = $('error');
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.kind;
}

function resetResults() {
  galleryURLs.revokeAll();
  $('gallery').replaceChildren();
  $('output-text').textContent = '';
  $('output-text').hidden = true;
  $('gallery-empty').hidden = true;
}

function openViewer(url, alt, image) {
  $('viewer-image').src = url;
  $('viewer-image').alt = alt;
  $('viewer-title').textContent = `${alt} — ${image.width}×${image.height} ${image.format.toUpperCase()}`;
  $('viewer').showModal();
}

async function onCopy(image) {
  try {
    await copyImage(image);
    setRunStatus('Image copied to the clipboard.');
  } catch (err) {
    setRunStatus(`Could not copy the image: ${err.message}`);
  }
}

/** Shows one stored image in the gallery (after it has been saved). */
function addCard(record, image, index, durationMs, usage) {
  $('gallery').append(imageCard(image, {
    model: record.model, durationMs, usage, index, urls: galleryURLs, onOpen: openViewer, onCopy,
    name: `imagegate-${new Date(record.createdAt).toISOString().slice(0, 19).replace(/[T:]/g, '-')}`,
  }));
}

/** Shows a past generation (from the history) in the results area. */
function showRecord(record) {
  clearError();
  resetResults();
  if (record.text) {
    $('output-text').textContent = record.text;
    $('output-text').hidden = false;
  }
  record.images.forEach((img, i) => addCard(record, img, i, record.durationMs, record.usage));
  setRunStatus(`Showing a past generation: ${runSummary(record)}.`);
  $('results-title').focus?.();
}

// ---------------------------------------------------------------------------------------------- generation

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

/** The request parameters for the chosen model, from the form. Throws Error with a message for people. */
async function buildParams(model, prompt) {
  const providerOptions = parseProviderOptions();
  if (model.imageEndpoint === 'images') {
    const n = Number($('n').value);
    if (!Number.isInteger(n) || n < 1 || n > 10) throw new Error('The number of images must be a whole number from 1 to 10.');
    const params = { model: model.id, prompt, n };
    if ($('size').value) params.size = $('size').value;
    if ($('aspect').value) {
      // Vercel's docs put the aspect ratio in providerOptions.<provider>: the package's one table names it.
      const ns = state.api.providerOptionsKey(model.id);
      providerOptions[ns] = { aspectRatio: $('aspect').value, ...providerOptions[ns] };  // explicit JSON wins
    }
    if (Object.keys(providerOptions).length) params.providerOptions = providerOptions;
    return params;
  }
  const modalities = [$('modality-text').checked && 'text', $('modality-image').checked && 'image'].filter(Boolean);
  if (!modalities.length) throw new Error('Choose at least one output: text or image.');
  const content = state.attachment
    ? [{ type: 'text', text: prompt }, await state.api.imagePart(state.attachment.blob)]
    : prompt;
  const messages = [];
  const system = $('system-prompt').value.trim();
  if (system) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content });
  const params = { model: model.id, messages, modalities };
  if ($('chat-aspect').value) {
    const google = providerOptions.google ?? {};
    providerOptions.google = { ...google, imageConfig: { aspectRatio: $('chat-aspect').value, ...google.imageConfig } };
  }
  if (Object.keys(providerOptions).length) params.providerOptions = providerOptions;
  return params;
}

/** A stored image: the bytes as a Blob (what IndexedDB keeps and object URLs show) plus the sniffed facts. */
function storedImage(img) {
  return {
    blob: img.bytes ? new Blob([img.bytes], { type: img.mimeType ?? 'application/octet-stream' }) : null,
    mimeType: img.mimeType, format: img.format, width: img.width, height: img.height,
    size: img.bytes?.length ?? 0, url: img.url ?? null,
  };
}

function setBusy(busy) {
  $('generate').disabled = busy;
  $('generate').textContent = busy ? 'Generating…' : 'Generate';
  $('cancel').disabled = !busy;
  $('gallery').setAttribute('aria-busy', String(busy));
}

async function generate() {
  if (state.run) return;
  clearError();
  const model = currentModel();
  const prompt = $('prompt').value.trim();
  const fail = (title, focus) => { showError({ kind: 'validation', title, detail: '' }); focus?.focus(); };
  if (!model) return fail('Pick a model first: the list loads from the gateway (reload it with ↻).', $('model'));
  if (!prompt) return fail('Write a prompt first.', $('prompt'));
  if (state.attachment && model.imageEndpoint !== 'chat') {
    return fail('Editing an attached image needs a chat model (for example google/gemini-2.5-flash-image). Pick one, or remove the image.', $('model'));
  }
  let params;
  try {
    params = await buildParams(model, prompt);
  } catch (err) {
    return fail(err.message);
  }

  const controller = new AbortController();
  const started = performance.now();
  const record = {
    id: crypto.randomUUID(), createdAt: Date.now(), model: model.id, endpoint: model.imageEndpoint, prompt,
    system: $('system-prompt').value.trim() || null,
    options: model.imageEndpoint === 'images' ? { n: params.n, size: params.size ?? null, aspect: $('aspect').value || null } : { modalities: params.modalities },
    input: state.attachment ? { blob: state.attachment.blob, name: state.attachment.name } : null,
    images: [], text: '', usage: null, durationMs: null, status: 'running', error: null,
  };
  state.run = { controller };
  setBusy(true);
  resetResults();
  setRunStatus(`Generating with ${model.id}…`);
  let historyError = null;
  // Saved before anything is shown: once a picture is on screen, a reload cannot lose it.
  const persist = async () => {
    try { await saveGeneration(record); } catch (err) { historyError = err; }
  };

  try {
    const client = await makeClient();
    if (model.imageEndpoint === 'images') {
      const res = await client.images.generate(params, { signal: controller.signal });
      record.images = res.images.map(storedImage);
      record.usage = res.usage;
      record.durationMs = performance.now() - started;
      record.status = 'done';
      await persist();
      record.images.forEach((img, i) => addCard(record, img, i, record.durationMs, record.usage));
    } else {
      await streamChat(client, params, controller.signal, record, started, persist);
      record.status = 'done';
    }
    record.durationMs = performance.now() - started;
    setRunStatus(`Done: ${runSummary(record)}.`);
  } catch (err) {
    record.durationMs = performance.now() - started;
    const info = describeError(err, state.api, errorContext());
    if (info.kind === 'cancelled') {
      record.status = 'cancelled';
      setRunStatus(`Cancelled after ${formatDuration(record.durationMs)}${record.images.length || record.text ? '; what arrived is kept' : ''}.`);
    } else {
      record.status = 'error';
      record.error = info.title;
      showError(info);
      setRunStatus('Failed.');
    }
  } finally {
    $('gallery').querySelector('[data-testid="image-progress"]')?.remove();
    // Only a generation that produced something is worth remembering.
    if (record.images.length || record.text) await persist();
    if (historyError) setRunStatus(`${$('run-status').textContent} Not saved to the history: ${historyError.message}`);
    state.run = null;
    setBusy(false);
    if (!record.images.length && !record.text) $('gallery-empty').hidden = false;
    await refreshHistory();
    // A count of finished runs (history included): lets tests, or anything else, wait for "this run is over".
    $('results').dataset.runs = String(++state.runsDone);
  }
}

/** Reads a chat stream: text as it arrives, a progress card while an image arrives, each image once saved. */
async function streamChat(client, params, signal, record, started, persist) {
  const stream = client.chat.completions.stream(params, { signal });
  const text = $('output-text');
  let pending = null;  // the progress card of the image being received
  for await (const ev of stream) {
    if (ev.type === 'text') {
      record.text += ev.delta;
      text.textContent = record.text;
      text.hidden = !record.text;
    } else if (ev.type === 'image-progress') {
      if (!pending) {
        pending = progressCard(record.images.length);
        $('gallery').append(pending.node);
      }
      pending.update(ev.receivedBytes);
    } else if (ev.type === 'image') {
      const image = storedImage(ev);
      record.images.push(image);
      record.durationMs = performance.now() - started;
      await persist();
      pending?.node.remove();
      pending = null;
      addCard(record, image, record.images.length - 1, record.durationMs, null);
      setRunStatus(`Received image ${record.images.length} (${image.width}×${image.height}).`);
    } else if (ev.type === 'usage') {
      record.usage = ev.usage;
    }
  }
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
  historyURLs.revokeAll();
  $('history').replaceChildren(...records.map((record) => historyItem(record, {
    urls: historyURLs, onShow: showRecord, onDelete: removeRecord,
  })));
  $('history').dataset.loaded = 'true';
  $('history-status').textContent = records.length
    ? `${records.length} generation${records.length === 1 ? '' : 's'} saved in this browser.`
    : 'Nothing yet: every generation is saved here, in this browser only.';
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
  $('history-status').textContent = `Deleted. ${$('history-status').textContent}`;
  // Keep keyboard focus in the list rather than losing it to <body>.
  const id = next?.dataset.id;
  ($('history').querySelector(`[data-id="${CSS.escape(id ?? '')}"] [data-testid="history-delete"]`) ?? $('history-title')).focus();
}

// ---------------------------------------------------------------------------------------------- wiring

function wire() {
  $('connection-form').addEventListener('submit', (e) => e.preventDefault());
  $('api-key').addEventListener('change', commitKeyInput);
  $('api-key').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); commitKeyInput(); } });
  $('remember-key').addEventListener('change', () => setKey(state.apiKey));
  $('forget-key').addEventListener('click', () => { $('remember-key').checked = false; setKey(null); $('api-key').focus(); });

  $('base-url').addEventListener('change', () => { saveSettings(); loadModels(); });
  $('timeout').addEventListener('change', saveSettings);
  $('retries').addEventListener('change', saveSettings);
  $('model').addEventListener('change', () => { onModelChange(); saveSettings(); });
  $('reload-models').addEventListener('click', loadModels);

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

  $('attach').addEventListener('click', () => $('attach-input').click());
  $('attach-input').addEventListener('change', () => attach($('attach-input').files[0]));
  $('remove-attachment').addEventListener('click', () => { removeAttachment(); setRunStatus('Attachment removed.'); $('attach').focus(); });
  const zone = $('dropzone');
  // Anywhere on the page, a dropped file must not replace the page with the file itself.
  for (const type of ['dragover', 'drop']) document.addEventListener(type, (e) => e.preventDefault());
  zone.addEventListener('dragenter', () => zone.classList.add('dragging'));
  zone.addEventListener('dragover', (e) => { e.dataTransfer.dropEffect = 'copy'; zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', (e) => { if (!zone.contains(e.relatedTarget)) zone.classList.remove('dragging'); });
  zone.addEventListener('drop', (e) => { zone.classList.remove('dragging'); attach(e.dataTransfer.files[0]); });
  document.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (file && e.target !== $('api-key')) { e.preventDefault(); attach(file); }
  });

  $('viewer-close').addEventListener('click', () => $('viewer').close());
  $('viewer').addEventListener('click', (e) => { if (e.target === $('viewer')) $('viewer').close(); });  // the backdrop
  $('viewer').addEventListener('close', () => $('viewer-image').removeAttribute('src'));
}

async function main() {
  const status = $('status');
  try {
    state.api = await import('/imagegate/js/index.mjs');
  } catch (err) {
    status.textContent = `The imagegate core could not be loaded (${err.message}). Is the package built (wasm/dist)?`;
    status.classList.add('bad');
    return;
  }
  const settings = loadSettings();
  if (settings.baseURL) $('base-url').value = settings.baseURL;
  if (settings.timeout) $('timeout').value = settings.timeout;
  if (settings.retries) $('retries').value = settings.retries;
  const remembered = localStorage.getItem(KEY_STORAGE);
  $('remember-key').checked = !!remembered;
  state.apiKey = remembered || null;
  wire();
  renderKeyState();
  renderModels();
  status.textContent = `imagegate ${state.api.version} ready`;
  document.documentElement.dataset.ready = 'true';
  // What the serving proxy does (scripts/serve.mjs); absent when the page is served some other way.
  fetch('/server.json').then((r) => (r.ok ? r.json() : null)).then((info) => {
    state.serverKey = !!info?.serverKey;
    renderKeyState();
  }).catch(() => {});
  // The model list is public on the gateway: load it at once, and again whenever the key or base URL changes.
  loadModels();
  refreshHistory();
}

main();
