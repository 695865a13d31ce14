// One run of the page: a prompt on one model, or on up to four side by side (compare). Each model gets a slot with
// a placeholder per expected image, its own time, cost, retries and warnings, and its own history record. The run
// only calls the package's client (images.generate / images.edit / chat.completions.stream, generations.retrieve);
// the page (app.mjs) owns the form, the history and the status line.
import { el, formatDuration, formatUSD, formatUsage, imageCard, progressCard, retryCountdown } from './ui.mjs';

/** A stored image: the bytes as a Blob (what IndexedDB keeps and object URLs show) plus the sniffed facts. */
export function storedImage(img) {
  return {
    // A Blob the client made already (off the main thread) is taken as it is; otherwise one is made of the bytes.
    blob: img.blob ?? (img.bytes ? new Blob([img.bytes], { type: img.mimeType ?? 'application/octet-stream' }) : null),
    mimeType: img.mimeType, format: img.format, width: img.width, height: img.height,
    size: img.bytes?.length ?? 0, url: img.url ?? null,
    // imagegate/worker with objectURLs: made in the worker; for this page view only (not stored)
    ...(img.objectURL ? { objectURL: img.objectURL } : {}),
  };
}

/** The slot's DOM: head (model, state, time, cost, retry), warnings, text, gallery. */
function slotView(model, compare) {
  const state = el('span', { class: 'meta', 'data-testid': 'slot-state', text: 'waiting…' });
  const time = el('span', { class: 'meta', 'data-testid': 'slot-time' });
  const cost = el('span', { class: 'meta cost', 'data-testid': 'cost', hidden: true });
  const retry = el('span', { class: 'meta', 'data-testid': 'slot-retry', hidden: true });
  const warnings = el('ul', { class: 'warnings', 'data-testid': 'warnings', hidden: true });
  const text = el('p', { class: 'output-text', 'data-testid': 'output-text', hidden: true });
  const error = el('div', { class: 'error', 'data-testid': 'slot-error', role: 'alert', hidden: true });
  const gallery = el('div', { class: 'gallery', 'data-testid': 'slot-gallery' });
  const node = el('section', { class: 'slot', 'data-testid': 'compare-slot', 'data-model': model.id, 'aria-label': `Results of ${model.id}` },
    el('div', { class: 'slot-head' }, el('strong', { text: model.id }), state, time, cost, retry),
    warnings, error, text, gallery);
  if (!compare) node.querySelector('strong').hidden = true;  // one model: the run bar names it already
  return { node, state, time, cost, retry, warnings, text, error, gallery };
}

/**
 * Runs one model of a run. ctx: { client, params (request), endpoint, edit ({ images, mask } | null), record,
 * signal, compare, persist(record), onRetry(info), onActivity(), describe(err), card(record, image, index) (a result
 * card's options), maxRetries }. Resolves when the slot is over (it never rejects: failures end up in the record).
 */
export function startSlot(model, ctx) {
  const view = slotView(model, ctx.compare);
  const { record } = ctx;
  const started = performance.now();
  const expected = model.imageEndpoint === 'images' ? (ctx.params.n ?? 1) : 1;
  const pending = Array.from({ length: expected }, (_, i) => progressCard(i, model.imageEndpoint === 'images' ? 'Generating…' : 'Waiting for the image…'));
  view.gallery.append(...pending.map((p) => p.node));
  const tick = setInterval(() => { view.time.textContent = formatDuration(performance.now() - started); }, 250);
  let stopRetry = null;

  const onRetry = (info) => {
    ctx.onRetry(info);
    if (!ctx.compare) return;  // one model: the run bar's notice is the one
    stopRetry?.();
    stopRetry = retryCountdown(view.retry, info, ctx.maxRetries);
  };
  const addImage = (image, index) => {
    if (image.objectURL) ctx.adoptURL(record, index, image.objectURL);
    view.gallery.append(imageCard(image, ctx.card(record, image, index)));
  };
  const showWarnings = (warnings) => {
    if (!warnings?.length) return;
    record.warnings = warnings.map((w) => w.message);
    view.warnings.replaceChildren(...record.warnings.map((m) => el('li', { text: m })));
    view.warnings.hidden = false;
  };

  const done = (async () => {
    view.state.textContent = 'running…';
    try {
      if (model.imageEndpoint === 'images') {
        const options = { signal: ctx.signal, onRetry };
        const res = ctx.edit
          ? await ctx.client.images.edit({ ...ctx.params, images: ctx.edit.images, ...(ctx.edit.mask ? { mask: ctx.edit.mask } : {}) }, options)
          : await ctx.client.images.generate(ctx.params, options);
        record.images = res.images.map(storedImage);
        record.usage = res.usage;
        record.generationId = res.generationId ?? null;
        record.durationMs = performance.now() - started;
        record.status = 'done';
        showWarnings(res.warnings);
        await ctx.persist(record);  // saved before it is shown: once on screen, a reload cannot lose it
        pending.splice(0).forEach((p) => p.remove());
        record.images.forEach((img, i) => addImage(img, i));
      } else {
        await streamChat(ctx, view, pending, record, started, onRetry, addImage);
        record.status = 'done';
      }
      record.durationMs = performance.now() - started;
      view.state.textContent = `done · ${record.images.length} image${record.images.length === 1 ? '' : 's'}${record.usage ? ` · ${formatUsage(record.usage)}` : ''}`;
    } catch (err) {
      record.durationMs = performance.now() - started;
      const info = ctx.describe(err);
      if (info.kind === 'cancelled') {
        record.status = 'cancelled';
        view.state.textContent = `cancelled${record.images.length || record.text ? ' (what arrived is kept)' : ''}`;
      } else {
        record.status = 'error';
        record.error = info.title;
        view.state.textContent = 'failed';
        view.error.replaceChildren(el('strong', { text: info.title }), info.detail ? el('span', { class: 'detail', text: info.detail }) : '');
        view.error.hidden = !ctx.compare;  // one model: the results' own error box says it
        view.error.dataset.kind = info.kind;
      }
      record.errorInfo = info;
    } finally {
      clearInterval(tick);
      stopRetry?.();
      pending.splice(0).forEach((p) => p.remove());
      view.time.textContent = formatDuration(record.durationMs);
      // Failed runs stay in the history with their error (a retry is one click away there).
      await ctx.persist(record);
    }
    if (record.status === 'done') await chargedCost(ctx, view, record);
    return record;
  })();
  return { node: view.node, done };
}

/** The charged cost, from the gateway's record of the generation (it may lag: the package retries a 404 briefly). */
async function chargedCost(ctx, view, record) {
  if (!record.generationId) return;
  try {
    const gen = await ctx.client.generations.retrieve(record.generationId);
    if (gen.totalCost == null) return;
    record.cost = gen.totalCost;
    view.cost.textContent = `charged ${formatUSD(gen.totalCost)}`;
    view.cost.hidden = false;
    await ctx.persist(record);
  } catch {
    // The cost is a nicety: a key that may not read generations still got its images.
  }
}

/** Reads a chat stream: text as it arrives, a progressive preview while an image arrives, each image once saved. */
async function streamChat(ctx, view, pending, record, started, onRetry, addImage) {
  const stream = ctx.client.chat.completions.stream(ctx.params, { signal: ctx.signal, onRetry });
  let previewAt = 0;
  for await (const ev of stream) {
    ctx.onActivity();
    record.generationId ??= stream.generationId ?? null;
    if (ev.type === 'text') {
      record.text += ev.delta;
      view.text.textContent = record.text;
      view.text.hidden = !record.text;
    } else if (ev.type === 'image-progress') {
      if (!pending.length) {
        const p = progressCard(record.images.length);
        pending.push(p);
        view.gallery.append(p.node);
      }
      pending[0].update(ev.receivedBytes);
      // createClient: `bytes` is a view of what is decoded so far; imagegate/worker: `preview`, a Blob made in the
      // worker. A preview at most every 300 ms: each one is a new Blob for the browser to decode.
      const now = performance.now();
      const blob = ev.preview ?? (ev.bytes?.length && now - previewAt > 300 ? new Blob([ev.bytes]) : null);
      if (blob) {
        previewAt = now;
        pending[0].preview(blob);
      }
    } else if (ev.type === 'image') {
      const image = storedImage(ev);
      record.images.push(image);
      record.durationMs = performance.now() - started;
      await ctx.persist(record);
      pending.shift()?.remove();
      addImage(image, record.images.length - 1);
    } else if (ev.type === 'usage') {
      record.usage = ev.usage;
    }
  }
  record.generationId ??= stream.generationId ?? null;
}
