// The one table of what the package knows about model families, by model-id prefix: the providerOptions namespace
// the gateway reads (the AI SDK's provider names, which Vercel's docs use too), and the capabilities that decide
// the warnings of images.generate/edit (input images, masks, images per provider call, which sizing knob is read).
// Pure JavaScript without the wasm core: the demo page, the CLI and the mock gateway import it too.
//
// Sources (/work/shared/API.md): namespaces §1.1 (blackForestLabs, googleVertex, openai, xai); images per call §1.3
// (gpt-image 10, dall-e-3 1, BFL 1, xAI 3, Imagen 4); models taking image input on /v1/images/edits §9.1
// (gpt-image-2, flux-kontext-pro, flux-pro-1.0-fill, gemini-3.1-flash-image, grok-imagine-image); masks: OpenAI's
// gpt-image edits and FLUX.1 Fill (inpainting); xAI reads an aspect ratio, not `size` (3P, §1.1). The `spacexai/`
// ids (renamed from `xai/` in Aug 2026) keep the `xai` namespace: no source names another one.

/**
 * Families, most specific first. `match` is a model-id prefix. Capabilities: images (takes input images),
 * mask, perCall (images a provider returns per call; null when unknown), sizing ('size' | 'aspectRatio' | 'both':
 * which of `size` and an aspect ratio the provider reads).
 */
const FAMILIES = [
  { match: 'openai/gpt-image', key: 'openai', images: true, mask: true, perCall: 10, sizing: 'size' },
  { match: 'openai/dall-e-3', key: 'openai', images: false, mask: false, perCall: 1, sizing: 'size' },
  { match: 'openai/dall-e-2', key: 'openai', images: true, mask: true, perCall: 10, sizing: 'size' },
  { match: 'openai/', key: 'openai' },
  { match: 'bfl/flux-pro-1.0-fill', key: 'blackForestLabs', images: true, mask: true, perCall: 1, sizing: 'both' },
  { match: 'bfl/flux-kontext', key: 'blackForestLabs', images: true, mask: false, perCall: 1, sizing: 'both' },
  { match: 'bfl/flux-2', key: 'blackForestLabs', images: true, mask: false, perCall: 1, sizing: 'both' },
  { match: 'bfl/', key: 'blackForestLabs', images: false, mask: false, perCall: 1, sizing: 'both' },
  { match: 'google/imagen', key: 'googleVertex', images: false, mask: false, perCall: 4, sizing: 'aspectRatio' },
  { match: 'google/gemini', key: 'google', images: true, mask: false, perCall: null, sizing: 'aspectRatio' },
  { match: 'google/', key: 'google' },
  { match: 'spacexai/grok-imagine', key: 'xai', images: true, mask: false, perCall: 3, sizing: 'aspectRatio' },
  { match: 'spacexai/', key: 'xai' },
  { match: 'xai/grok-imagine', key: 'xai', images: true, mask: false, perCall: 3, sizing: 'aspectRatio' },
  { match: 'xai/', key: 'xai' },
  { match: 'bytedance/seedream', key: 'bytedance', images: true, mask: false, perCall: null, sizing: 'both' },
  { match: 'bytedance/', key: 'bytedance' },
  { match: 'recraft/', key: 'recraft', images: false, mask: false, perCall: null, sizing: 'size' },
  { match: 'prodia/', key: 'prodia' },
  { match: 'quiverai/', key: 'quiverai' },
];

const family = (model) => (typeof model === 'string' ? FAMILIES.find((f) => model.startsWith(f.match)) ?? null : null);

/**
 * The providerOptions namespace for a model id: 'blackForestLabs' for bfl/…, 'googleVertex' for google/imagen-…,
 * 'google' for google/gemini-…, 'openai', 'xai' for spacexai/… and xai/…; otherwise the id's prefix itself.
 */
export function providerOptionsKey(model) {
  if (typeof model !== 'string' || !model.includes('/')) throw new TypeError('imagegate: providerOptionsKey expects a model id such as "bfl/flux-2-pro"');
  return family(model)?.key ?? model.slice(0, model.indexOf('/'));
}

/** What the table knows about a model: { key, images, mask, perCall, sizing } (undefined fields are unknown). */
export function modelCapabilities(model) {
  const f = family(model) ?? {};
  return { key: f.key ?? (typeof model === 'string' ? model.split('/')[0] : null), images: f.images, mask: f.mask, perCall: f.perCall ?? null, sizing: f.sizing };
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The aspect ratio asked for: top-level aspectRatio / aspect_ratio, or in providerOptions[any namespace but gateway]. */
export function requestedAspectRatio(params) {
  for (const k of ['aspectRatio', 'aspect_ratio']) if (typeof params?.[k] === 'string') return { value: params[k], param: k };
  const po = isObj(params?.providerOptions) ? params.providerOptions : {};
  for (const [ns, o] of Object.entries(po)) {
    if (ns === 'gateway' || !isObj(o)) continue;
    for (const k of ['aspectRatio', 'aspect_ratio']) if (typeof o[k] === 'string') return { value: o[k], param: `providerOptions.${ns}.${k}` };
    if (isObj(o.imageConfig) && typeof o.imageConfig.aspectRatio === 'string') return { value: o.imageConfig.aspectRatio, param: `providerOptions.${ns}.imageConfig.aspectRatio` };
  }
  return null;
}

/**
 * Warnings for a request before it is sent, in the AI SDK's shape { type, message, param }: a mask or input images
 * for a model that does not take them, `n` above what the model returns per call (the gateway then makes several
 * billed calls), a size or an aspect ratio the provider does not read. `what`: { images: count, mask: boolean }
 * for an edit. Models the table does not know get no warnings.
 */
export function checkCapabilities(model, params = {}, what = {}) {
  const c = modelCapabilities(model);
  const warnings = [];
  const add = (type, param, message) => warnings.push({ type, message, param });
  if (what.images && c.images === false) {
    add('unsupported-setting', 'images', `${model} does not take input images: the gateway may ignore them and generate from the prompt alone`);
  }
  if (what.mask && c.mask === false) {
    add('unsupported-setting', 'mask', `${model} does not take a mask: the gateway edits the whole image, not only the transparent area`);
  }
  const n = params.n ?? 1;
  if (Number.isInteger(n) && c.perCall && n > c.perCall) {
    const calls = Math.ceil(n / c.perCall);
    add('other', 'n', `${model} returns at most ${c.perCall} image${c.perCall > 1 ? 's' : ''} per provider call: n=${n} makes ${calls} calls, each billed`);
  }
  const ar = requestedAspectRatio(params);
  if (ar && c.sizing === 'size') add('unsupported-setting', ar.param, `${model} reads \`size\`, not an aspect ratio: ${ar.value} is ignored`);
  if (typeof params.size === 'string' && params.size !== 'auto' && c.sizing === 'aspectRatio') {
    add('unsupported-setting', 'size', `${model} reads an aspect ratio, not \`size\`: ${params.size} is ignored (send an aspect ratio in providerOptions.${c.key})`);
  }
  return warnings;
}

/** Warnings after the answer: an image whose pixel size or aspect ratio is not what the request asked for. */
export function resultWarnings(params, images) {
  const warnings = [];
  const sized = (images ?? []).filter((img) => img?.width > 0 && img?.height > 0);
  if (!sized.length) return warnings;
  const { width, height } = sized[0];
  const m = typeof params?.size === 'string' ? /^(\d+)x(\d+)$/.exec(params.size) : null;
  if (m && (+m[1] !== width || +m[2] !== height)) {
    warnings.push({ type: 'other', param: 'size', message: `asked for ${params.size}, the gateway returned ${width}x${height}` });
  }
  const ar = requestedAspectRatio(params);
  const r = ar ? /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ar.value) : null;
  if (r && !m && Math.abs(width / height - +r[1] / +r[2]) > 0.02 * (+r[1] / +r[2])) {
    warnings.push({ type: 'other', param: ar.param, message: `asked for aspect ratio ${ar.value}, the gateway returned ${width}x${height}` });
  }
  return warnings;
}

const num = (v) => (v === undefined || v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
const round = (v) => (v === null ? null : Math.round(v * 1e9) / 1e9);

function perImageFromTable(pricing, size) {
  const table = Array.isArray(pricing?.image_dimension_quality_pricing) ? pricing.image_dimension_quality_pricing : null;
  if (!table) return null;
  const hit = table.find((e) => e?.size === size) ?? table.find((e) => e?.size === 'default') ?? table[0];
  return num(hit?.cost);
}

/** Characters of text in a prompt or chat messages (for a token guess of ~4 characters per token). */
function promptChars(params) {
  if (typeof params?.prompt === 'string') return params.prompt.length;
  let n = 0;
  for (const m of Array.isArray(params?.messages) ? params.messages : []) {
    if (typeof m?.content === 'string') n += m.content.length;
    else if (Array.isArray(m?.content)) for (const p of m.content) if (typeof p?.text === 'string') n += p.text.length;
  }
  return n;
}
function inputImageCount(params) {
  let n = Array.isArray(params?.images) ? params.images.length : 0;
  for (const m of Array.isArray(params?.messages) ? params.messages : []) {
    if (Array.isArray(m?.content)) n += m.content.filter((p) => p?.type === 'image_url').length;
  }
  return n;
}

/**
 * What a request will cost, in USD, from a /v1/models entry's `pricing` (client.models.list()): image models
 * per image × n ({ min, max } equal, basis 'per-image'); chat models a range from the token prices (prompt at
 * ~4 characters per token plus ~258 tokens per input image, up to `max_tokens` of output), plus the per-image price
 * when the entry has one (basis 'tokens'). { min: null, max: null, basis: 'unknown' } when the entry has no price.
 */
export function estimateCost(model, params = {}) {
  if (!isObj(model) || typeof model.id !== 'string') throw new TypeError('imagegate: estimateCost expects a model from client.models.list() (with `pricing`)');
  const pricing = isObj(model.pricing) ? model.pricing : {};
  const n = Number.isInteger(params.n) && params.n > 0 ? params.n : 1;
  const size = params.providerOptions?.google?.imageConfig?.imageSize ?? (typeof params.size === 'string' ? params.size : 'default');
  const perImage = num(pricing.image) ?? perImageFromTable(pricing, size);
  const unknown = { currency: 'USD', model: model.id, min: null, max: null, perImage: null, basis: 'unknown' };
  if (model.type === 'image') {
    if (perImage === null) return unknown;
    return { currency: 'USD', model: model.id, min: round(perImage * n), max: round(perImage * n), perImage, basis: 'per-image' };
  }
  const input = num(pricing.input), output = num(pricing.output);
  if (input === null && output === null && perImage === null) return unknown;
  const promptTokens = Math.ceil(promptChars(params) / 4) + 258 * inputImageCount(params);
  const maxOut = Number.isInteger(params.max_tokens) ? params.max_tokens : Number.isInteger(model.max_tokens) ? model.max_tokens : 8192;
  const wantsImage = Array.isArray(params.modalities) ? params.modalities.includes('image') : perImage !== null;
  const base = promptTokens * (input ?? 0);
  const images = wantsImage && perImage !== null ? perImage * n : 0;
  return {
    currency: 'USD', model: model.id, min: round(base + images), max: round(base + images + maxOut * (output ?? 0)),
    perImage: wantsImage ? perImage : null, basis: 'tokens', promptTokens,
  };
}

function editDistance(a, b) {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = t;
    }
  }
  return prev[b.length];
}

// Renames the gateway made (API.md §9.2): an old id's new name, when the new one is listed.
const RENAMES = [[/^xai\//, 'spacexai/']];

/** The listed model id closest to `id` (a rename first, then edit distance), or null when none is close. */
export function closestModel(id, ids) {
  if (typeof id !== 'string' || !Array.isArray(ids) || !ids.length) return null;
  for (const [from, to] of RENAMES) {
    const renamed = id.replace(from, to);
    if (renamed !== id && ids.includes(renamed)) return renamed;
  }
  let best = null, bestD = Infinity;
  for (const cand of ids) {
    if (typeof cand !== 'string' || cand === id) continue;
    const d = editDistance(id.toLowerCase(), cand.toLowerCase());
    if (d < bestD) { bestD = d; best = cand; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(0.35 * Math.max(id.length, best.length))) ? best : null;
}
