// The mock gateway's routes: what each endpoint answers for a parsed request (models, images generations and
// edits, chat completions with images and streams, the generation lookup and the credit balance). Each route
// returns { status, json | sse, headers?, bill? }; `bill` is what the server records as the generation's cost.
import { MODELS, costOf, modelCapabilities, providerOptionsKey } from './catalogue.mjs';
import { MIN_IMAGE_BYTES, decodeImage, encodePNG, pictureBytes, renderPicture, seed32, sha, transformRGBA } from './encoders.mjs';
import { GatewayError, invalid, missing } from './faults.mjs';

// A fixed epoch for `created`: responses must be byte-identical for identical requests (tests compare two
// clients' results), so no wall-clock time is ever used in a body.
const EPOCH = 1764000000;
export const MAX_SIDE = 4096;       // requests for larger images are refused with 400 (param "size")
const MAX_EDIT_IMAGES = 16;         // /v1/images/edits takes up to 16 input images (API.md §9.1)

// ──────────────────────────────────────────────────────────────────────────────────────────── request helpers

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseSize(size, param = 'size') {
  const m = /^(\d{1,6})[xX](\d{1,6})$/.exec(size);
  if (!m) throw invalid(`Invalid request: '${param}' must look like 'WIDTHxHEIGHT', e.g. '1024x1024' (got ${JSON.stringify(size)})`, param);
  const width = Number(m[1]), height = Number(m[2]);
  if (width < 1 || height < 1) throw invalid(`Invalid request: '${param}' must be at least 1x1 (got '${size}')`, param);
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw invalid(`Invalid request: '${param}' ${size} exceeds the maximum of ${MAX_SIDE}x${MAX_SIDE}`, param);
  }
  return { width, height };
}

// "16:9" → the longest side is `base`, the other follows the ratio.
function sizeFromAspect(ratio, base, param) {
  const m = /^(\d{1,3}(?:\.\d+)?):(\d{1,3}(?:\.\d+)?)$/.exec(String(ratio));
  if (!m || !(+m[1] > 0) || !(+m[2] > 0)) throw invalid(`Invalid request: '${param}' must look like '16:9' (got ${JSON.stringify(ratio)})`, param);
  const rw = +m[1], rh = +m[2];
  const size = rw >= rh ? { width: base, height: Math.max(1, Math.round((base * rh) / rw)) }
    : { width: Math.max(1, Math.round((base * rw) / rh)), height: base };
  if (size.width > MAX_SIDE || size.height > MAX_SIDE) throw invalid(`Invalid request: '${param}' gives an image larger than ${MAX_SIDE}x${MAX_SIDE}`, param);
  return size;
}

// First value of any of `names` found at the top level, in providerOptions[<this model's provider>], or in any
// other providerOptions namespace (except gateway routing options).
function findOption(body, provider, names) {
  for (const n of names) if (body[n] !== undefined) return { value: body[n], param: n };
  const po = isObj(body.providerOptions) ? body.providerOptions : {};
  const spaces = [po[provider], ...Object.entries(po).filter(([k]) => k !== provider && k !== 'gateway').map(([, v]) => v)];
  for (const ns of spaces) {
    if (!isObj(ns)) continue;
    for (const n of names) if (ns[n] !== undefined) return { value: ns[n], param: n };
  }
  return undefined;
}

function creationTime(model, prompt) { return EPOCH + (seed32('created', model, prompt) % 100000); }

function requireModel(body) {
  if (body.model === undefined || body.model === null || body.model === '') throw missing('model');
  if (typeof body.model !== 'string') throw invalid("Invalid request: 'model' must be a string", 'model');
  const m = MODELS.get(body.model);
  if (!m) {
    // Live fixture: {"error":{"message":"Model 'x' not found","type":"model_not_found","param":{"modelId":"x"}}}
    throw new GatewayError(404, `Model '${body.model}' not found`, { type: 'model_not_found', param: { modelId: body.model } });
  }
  return m;
}

/** The image-bytes fault (a generated image of exactly N bytes, a PNG), checked: undefined when not asked for. */
function imageBytesFault(f) {
  const n = f['image-bytes'];
  if (n === undefined) return undefined;
  if (n < MIN_IMAGE_BYTES || n > 64 * 1024 * 1024) throw invalid(`Invalid value for mock fault 'image-bytes': ${n} (${MIN_IMAGE_BYTES} to 67108864)`, 'x-mock-fault', 'unknown_fault');
  return n;
}

const b64Corrupt = (b64) => (b64.length > 10 ? `${b64.slice(0, 10)}@${b64.slice(11)}` : `${b64}@`);

// ──────────────────────────────────────────────────────────────────────────────────────────── routes

export function listModels() { return { status: 200, json: { object: 'list', data: [...MODELS.values()] } }; }

export async function imagesGenerations(body, f) {
  if (!isObj(body)) throw invalid('Invalid request: the body must be a JSON object', undefined, 'invalid_body');
  const model = requireModel(body);
  if (model.type === 'language') {
    // Wording from the gateway (API.md §1.5, cherry-studio PR #16341), for chat image models and text models alike.
    throw invalid(`Model '${model.id}' is a language model, not an image model. Use the language generation API instead.`, 'model', 'invalid_model_type');
  }
  if (model.type !== 'image') throw invalid(`Model '${model.id}' is an ${model.type} model, not an image model.`, 'model', 'invalid_model_type');
  if (body.prompt === undefined || body.prompt === null) throw missing('prompt');
  if (typeof body.prompt !== 'string' || !body.prompt.trim()) throw invalid("Invalid request: 'prompt' must be a non-empty string", 'prompt');
  const n = body.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 10) throw invalid(`Invalid request: 'n' must be an integer between 1 and 10 (got ${JSON.stringify(body.n)})`, 'n');
  const rf = body.response_format ?? 'b64_json';
  if (rf !== 'b64_json' && rf !== 'url') throw invalid(`Invalid request: 'response_format' must be 'b64_json' or 'url' (got ${JSON.stringify(rf)})`, 'response_format');
  const prefix = model.id.split('/')[0], provider = providerOptionsKey(model.id);

  let size;
  if (body.size !== undefined && body.size !== null && body.size !== 'auto') {
    if (typeof body.size !== 'string') throw invalid("Invalid request: 'size' must be a string like '1024x1024'", 'size');
    size = parseSize(body.size);
  } else {
    const ar = findOption(body, provider, ['aspectRatio', 'aspect_ratio']);
    size = ar ? sizeFromAspect(ar.value, 1024, ar.param) : { width: 1024, height: 1024 };
  }
  // outputFormat: BFL's providerOptions.blackForestLabs.outputFormat, or OpenAI's top-level output_format.
  const of = findOption(body, provider, ['output_format', 'outputFormat']);
  let format = 'png';
  if (of) {
    const v = String(of.value).toLowerCase();
    format = v === 'jpg' ? 'jpeg' : v;
    if (!['png', 'jpeg', 'webp'].includes(format)) throw invalid(`Invalid request: '${of.param}' must be 'png', 'jpeg' or 'webp' (got ${JSON.stringify(of.value)})`, of.param);
  }
  const noisy = !!f.huge;
  if (noisy) size = { width: 2048, height: 2048 };
  const exactBytes = imageBytesFault(f);
  if (exactBytes !== undefined) format = 'png';

  const data = [], meta = [];
  for (let i = 0; i < n; i++) {
    const spec = { model: model.id, prompt: body.prompt, index: i, ...size, noisy, ...(exactBytes !== undefined ? { bytes: exactBytes } : {}) };
    let bytes = await pictureBytes(spec, format);
    if (f['declare-size'] && format === 'png') {  // IHDR width and height (the CRC is left stale: nobody should decode it)
      bytes = Buffer.from(bytes);  // a copy: pictureBytes caches its buffers
      bytes.writeUInt32BE(f['declare-size'], 16);
      bytes.writeUInt32BE(f['declare-size'], 20);
    }
    const item = {};
    if (rf === 'url') {
      // [INFERRED] a URL response; mock.invalid never resolves, which exercises a client's URL path.
      item.url = `https://mock.invalid/images/${sha('url', model.id, body.prompt, i).toString('hex').slice(0, 24)}.${format === 'jpeg' ? 'jpg' : format}`;
    } else item.b64_json = bytes.toString('base64');
    if (prefix === 'openai') item.revised_prompt = `${body.prompt.trim()}, rendered as a clean digital illustration`;
    data.push(item);
    const side = exactBytes !== undefined ? bytes.readUInt32BE(16) : null;  // the exact-size picture's own (square) size
    meta.push({ index: i, seed: seed32('seed', model.id, body.prompt, i), width: side ?? size.width, height: side ?? size.height, format });
  }
  if (f['bad-base64'] && data[0].b64_json) data[0].b64_json = b64Corrupt(data[0].b64_json);
  const json = { created: creationTime(model.id, body.prompt), data };
  if (prefix === 'openai') {
    // [INFERRED] token counts: gpt-image bills prompt tokens and a fixed number of image tokens per image.
    const input_tokens = Math.ceil(body.prompt.length / 4), output_tokens = 1056 * n;
    json.usage = { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens };
  } else {
    json.provider_metadata = { [provider]: { images: meta } };  // [INFERRED] contents of each entry
  }
  return { status: 200, json, bill: { model, images: n, promptTokens: json.usage?.input_tokens ?? 0, completionTokens: json.usage?.output_tokens ?? 0 } };
}

// Text of the last user message, and its image_url parts.
function lastUserTurn(messages) {
  const msg = [...messages].reverse().find((m) => m.role === 'user');
  if (!msg) return { prompt: '', images: [] };
  if (typeof msg.content === 'string') return { prompt: msg.content, images: [] };
  const parts = Array.isArray(msg.content) ? msg.content : [];
  const text = parts.filter((p) => isObj(p) && p.type === 'text' && typeof p.text === 'string').map((p) => p.text).join(' ');
  const images = parts.filter((p) => isObj(p) && p.type === 'image_url')
    .map((p) => (typeof p.image_url === 'string' ? p.image_url : p.image_url?.url));
  return { prompt: text, images };
}

function chatImageSize(body) {
  const ic = body.providerOptions?.google?.imageConfig ?? body.image_config ?? {};  // + OpenRouter's spelling
  const imageSize = ic.imageSize ?? ic.image_size, aspect = ic.aspectRatio ?? ic.aspect_ratio;
  if (typeof imageSize === 'string' && /^\d+[xX]\d+$/.test(imageSize)) return parseSize(imageSize, 'imageSize');
  const base = { 512: 1024 / 2, '1K': 1024, '2K': 2048, '4K': 4096 }[imageSize ?? '1K'];
  if (!base) throw invalid(`Invalid request: 'imageSize' must be '512', '1K', '2K', '4K' (or 'WxH' on the mock) (got ${JSON.stringify(imageSize)})`, 'imageSize');
  return aspect !== undefined ? sizeFromAspect(aspect, base, 'aspectRatio') : { width: base, height: base };
}

function splitText(text) {
  const words = text.match(/\S+\s*/g) ?? [];
  if (words.length < 3) {
    const k = Math.ceil(text.length / 3) || 1;
    return [text.slice(0, k), text.slice(k, 2 * k), text.slice(2 * k)].filter(Boolean);
  }
  const pieces = Math.min(4, words.length), per = Math.ceil(words.length / pieces), out = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(''));
  return out;
}

export async function chatCompletions(body, f, id) {
  if (!isObj(body)) throw invalid('Invalid request: the body must be a JSON object', undefined, 'invalid_body');
  const model = requireModel(body);
  if (model.type === 'image') {
    throw invalid(`Model '${model.id}' is an image model, not a language model. Use the image generation API instead.`, 'model', 'invalid_model_type');
  }
  if (model.type !== 'language') throw invalid(`Model '${model.id}' is an ${model.type} model, not a language model.`, 'model', 'invalid_model_type');
  if (body.messages === undefined) throw missing('messages');
  if (!Array.isArray(body.messages) || !body.messages.length || !body.messages.every((m) => isObj(m) && typeof m.role === 'string')) {
    throw invalid("Invalid request: 'messages' must be a non-empty array of {role, content} objects", 'messages');
  }
  const n = body.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 4) throw invalid(`Invalid request: 'n' must be an integer between 1 and 4 (got ${JSON.stringify(body.n)})`, 'n');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid("Invalid request: 'stream' must be a boolean", 'stream');
  if (body.modalities !== undefined && !(Array.isArray(body.modalities) && body.modalities.every((m) => typeof m === 'string'))) {
    throw invalid("Invalid request: 'modalities' must be an array of strings", 'modalities');
  }
  const { prompt, images: inputs } = lastUserTurn(body.messages);
  const wantImages = model.tags.includes('image-generation') && (body.modalities ?? []).includes('image');

  // Every input image is decoded (so a bad one is a 400 even for a text answer); the first one is edited.
  const decoded = [];
  for (const [i, url] of inputs.entries()) {
    const m = typeof url === 'string' ? /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(url) : null;
    if (!m || !/;base64/i.test(m[2] ?? '')) {
      throw invalid(`Invalid request: image ${i} of the last user message must be a base64 data: URL (the mock does not fetch remote URLs)`, 'messages');
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(m[3])) throw invalid(`Invalid request: image ${i} of the last user message is not valid base64`, 'messages');
    try {
      decoded.push(await decodeImage(Buffer.from(m[3], 'base64')));
    } catch (e) {
      if (e.status) throw e;
      throw invalid(`Invalid request: could not decode image ${i} of the last user message: ${e.message}`, 'messages', 'invalid_image');
    }
  }

  const created = creationTime(model.id, prompt);
  const urls = [];
  if (wantImages) {
    for (let i = 0; i < n; i++) {
      let bytes;
      if (decoded.length) {
        const src = decoded[0];
        bytes = encodePNG(transformRGBA(src, i), src.width, src.height, 4);
      } else {
        const size = f.huge ? { width: 2048, height: 2048 } : chatImageSize(body);
        const exactBytes = imageBytesFault(f);
        bytes = await pictureBytes({ model: model.id, prompt, index: i, ...size, noisy: !!f.huge, ...(exactBytes !== undefined ? { bytes: exactBytes } : {}) }, 'png');
      }
      urls.push(`data:image/png;base64,${bytes.toString('base64')}`);
    }
    if (f['bad-base64'] && urls.length) {
      const head = 'data:image/png;base64,';
      urls[0] = head + b64Corrupt(urls[0].slice(head.length));
    }
  }
  const quoted = prompt.trim() || 'your request';
  const content = !wantImages ? `This is a mock reply to "${quoted}".`
    : decoded.length ? `Here is "${quoted}" as requested, applied to your image.` : `Here is "${quoted}" as requested.`;
  // [INFERRED] token counts: ~4 characters per token, 258 tokens per input image, 1290 per output image (Gemini).
  const prompt_tokens = Math.ceil(JSON.stringify(body.messages.map((m) => (typeof m.content === 'string' ? m.content : ''))).length / 4)
    + 258 * decoded.length;
  const completion_tokens = Math.ceil(content.length / 4) + 1290 * urls.length;
  const usage = { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
  const bill = { model, images: urls.length, promptTokens: prompt_tokens, completionTokens: completion_tokens, streamed: !!body.stream,
    imageSize: body.providerOptions?.google?.imageConfig?.imageSize ?? 'default' };

  if (!body.stream) {
    const message = { role: 'assistant', content };
    if (urls.length) message.images = urls.map((url) => ({ type: 'image_url', image_url: { url } }));
    return { status: 200, json: { id, object: 'chat.completion', created, model: model.id, choices: [{ index: 0, message, finish_reason: 'stop' }], usage }, bill };
  }

  // Streaming (API.md §2.3): role chunk, text deltas, one chunk per image (the whole data URL in one delta,
  // with an `index` as OpenRouter-style streams have), finish chunk, usage chunk (only with
  // stream_options.include_usage, with `choices: []` as OpenAI does), then [DONE].
  const chunk = (delta, finish_reason = null) => ({ id, object: 'chat.completion.chunk', created, model: model.id, choices: [{ index: 0, delta, finish_reason }] });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const piece of splitText(content)) events.push(chunk({ content: piece }));
  if (f['error-mid-stream']) {
    // [INFERRED] the shape of a mid-stream error (API.md §4.2): an event with an `error` key, then the end.
    return { status: 200, sse: [events[0], events[1], { error: { message: 'The upstream provider failed mid-stream', type: 'internal_server_error' } }] };
  }
  urls.forEach((url, index) => events.push(chunk({ images: [{ index, type: 'image_url', image_url: { url } }] })));
  events.push(chunk({}, 'stop'));
  if (body.stream_options?.include_usage) events.push({ id, object: 'chat.completion.chunk', created, model: model.id, choices: [], usage });
  if (!f['no-done']) events.push('[DONE]');
  return { status: 200, sse: events, bill };
}

// ──────────────────────────────────────────────────────────────────────────────────────────── edits

/**
 * multipart/form-data → { fields: {name: string}, files: [{ name, filename, type, bytes }] }, as the openai SDK and
 * imagegate's core write it. Throws a 400 for a body that is not one.
 */
export function parseMultipart(raw, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) throw invalid('Invalid request: multipart/form-data without a boundary', undefined, 'invalid_body');
  const delim = Buffer.from(`--${m[1] ?? m[2]}`);
  const fields = {}, files = [];
  let pos = raw.indexOf(delim);
  if (pos < 0) throw invalid('Invalid request: the multipart body has no parts', undefined, 'invalid_body');
  for (;;) {
    pos += delim.length;
    if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d) break;  // the closing delimiter
    if (raw[pos] === 0x0d && raw[pos + 1] === 0x0a) pos += 2;
    const headEnd = raw.indexOf('\r\n\r\n', pos);
    const next = raw.indexOf(delim, pos);
    if (headEnd < 0 || next < 0 || headEnd > next) throw invalid('Invalid request: a multipart part is malformed', undefined, 'invalid_body');
    const head = raw.toString('utf8', pos, headEnd);
    const data = raw.subarray(headEnd + 4, next - 2);  // the part ends with CRLF before the delimiter
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    const type = /content-type:\s*([^\r\n;]+)/i.exec(head)?.[1]?.trim().toLowerCase() ?? null;
    if (name === undefined) throw invalid('Invalid request: a multipart part has no name', undefined, 'invalid_body');
    if (filename !== undefined) files.push({ name, filename, type, bytes: Buffer.from(data) });
    else fields[name] = data.toString('utf8');
    pos = next;
  }
  return { fields, files };
}

const EDIT_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/** An edit request in one shape, from JSON ({images: [{image_url}], mask: {image_url}}) or multipart. */
function editRequest(body, raw, contentType) {
  if (/^multipart\/form-data/i.test(contentType ?? '')) {
    const { fields, files } = parseMultipart(raw, contentType);
    const req = { ...fields };
    if (req.n !== undefined) req.n = /^\d+$/.test(req.n) ? Number(req.n) : req.n;
    if (req.providerOptions !== undefined) { try { req.providerOptions = JSON.parse(req.providerOptions); } catch { /* left a string: the route rejects it */ } }
    for (const f of files) {
      // As OpenAI: a file must declare an image type (openai/openai-node#1468: Blobs sent as application/octet-stream).
      if (!EDIT_TYPES.includes(f.type)) {
        throw invalid(`Invalid file '${f.name}': unsupported mimetype ('${f.type ?? 'none'}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.`, f.name, 'unsupported_file_mimetype');
      }
    }
    req.images = files.filter((f) => f.name === 'image' || f.name === 'image[]').map((f) => ({ bytes: f.bytes }));
    const mask = files.find((f) => f.name === 'mask');
    if (mask) req.mask = { bytes: mask.bytes };
    return req;
  }
  if (!isObj(body)) throw invalid('Invalid request: the body must be a JSON object or multipart/form-data', undefined, 'invalid_body');
  const ref = (v, param) => {
    const url = typeof v === 'string' ? v : isObj(v) ? (typeof v.image_url === 'string' ? v.image_url : v.image_url?.url) : undefined;
    if (typeof url !== 'string') throw invalid(`Invalid request: '${param}' must be {"image_url": "<https or data URL>"}`, param);
    return { url };
  };
  if (body.images !== undefined && !Array.isArray(body.images)) throw invalid("Invalid request: 'images' must be an array of {image_url}", 'images');
  return { ...body, images: (body.images ?? []).map((v, i) => ref(v, `images[${i}]`)), mask: body.mask === undefined || body.mask === null ? undefined : ref(body.mask, 'mask') };
}

/** An input's pixels: a data URL's or an upload's bytes decoded; an https URL is not fetched: a picture made from it. */
async function inputPixels(input, param) {
  let bytes = input.bytes;
  if (!bytes) {
    const m = /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(input.url);
    if (/^https:\/\//i.test(input.url)) {
      // [mock] no network: a deterministic 64x64 picture stands for the remote image.
      const px = renderPicture({ model: 'url', prompt: input.url, index: 0, width: 64, height: 64 });
      return { width: 64, height: 64, data: rgbToRgba(px, 64 * 64) };
    }
    if (!m || !/;base64/i.test(m[2] ?? '')) throw invalid(`Invalid request: '${param}' must be an https URL or a base64 data: URL`, param);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(m[3])) throw invalid(`Invalid request: '${param}' is not valid base64`, param);
    bytes = Buffer.from(m[3], 'base64');
  }
  try {
    return await decodeImage(bytes);
  } catch (e) {
    if (e.status) throw e;
    throw invalid(`Invalid request: could not decode '${param}': ${e.message}`, param, 'invalid_image');
  }
}

function rgbToRgba(px, n) {
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) { out[p * 4] = px[p * 3]; out[p * 4 + 1] = px[p * 3 + 1]; out[p * 4 + 2] = px[p * 3 + 2]; out[p * 4 + 3] = 255; }
  return out;
}

/**
 * POST /v1/images/edits (API.md §9.1): 1..16 images, an optional mask of the first image's size. Each output is the
 * first image transformed (variant = output index); with a mask, only its transparent pixels (alpha 0) change — for
 * a model that takes no mask the whole image changes and the answer carries a warning, as the gateway documents.
 * The output keeps the input's size whatever `size` asked (so clients can see a size they did not get).
 */
export async function imagesEdits(body, f, raw, contentType) {
  const req = editRequest(body, raw, contentType);
  const model = requireModel(req);
  const caps = modelCapabilities(model.id);
  const takesImages = model.type === 'image' || (model.type === 'language' && model.tags.includes('image-generation'));
  if (!takesImages) throw invalid(`Model '${model.id}' does not make images.`, 'model', 'invalid_model_type');
  if (req.prompt === undefined || req.prompt === null) throw missing('prompt');
  if (typeof req.prompt !== 'string' || !req.prompt.trim()) throw invalid("Invalid request: 'prompt' must be a non-empty string", 'prompt');
  const n = req.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 10) throw invalid(`Invalid request: 'n' must be an integer between 1 and 10 (got ${JSON.stringify(req.n)})`, 'n');
  if (req.stream !== undefined) throw invalid('Invalid request: streaming is not supported for image edits', 'stream');
  if (!req.images.length) throw missing('images');
  if (req.images.length > MAX_EDIT_IMAGES) throw invalid(`Invalid request: at most ${MAX_EDIT_IMAGES} images (got ${req.images.length})`, 'images');
  const sources = [];
  for (const [i, img] of req.images.entries()) sources.push(await inputPixels(img, `images[${i}]`));
  const src = sources[0];
  let mask = null;
  if (req.mask) {
    mask = await inputPixels(req.mask, 'mask');
    if (mask.width !== src.width || mask.height !== src.height) {
      throw invalid(`Invalid request: the mask is ${mask.width}x${mask.height} but the image is ${src.width}x${src.height}: they must be the same size`, 'mask');
    }
  }
  const warnings = [];
  const honourMask = mask && caps.mask !== false;
  if (mask && !honourMask) warnings.push({ type: 'unsupported-setting', setting: 'mask', message: `${model.id} does not support masks: the whole image was edited` });
  const data = [];
  for (let i = 0; i < n; i++) {
    const out = transformRGBA(src, i);
    if (honourMask) {
      for (let p = 0; p < src.width * src.height; p++) {
        if (mask.data[p * 4 + 3] !== 0) for (let c = 0; c < 4; c++) out[p * 4 + c] = src.data[p * 4 + c];
      }
    }
    data.push({ b64_json: encodePNG(out, src.width, src.height, 4).toString('base64') });
  }
  if (f['bad-base64']) data[0].b64_json = b64Corrupt(data[0].b64_json);
  const json = { created: creationTime(model.id, req.prompt), data };
  const prefix = model.id.split('/')[0];
  let usage = null;
  if (prefix === 'openai') {
    const input_tokens = Math.ceil(req.prompt.length / 4) + 323 * sources.length, output_tokens = 1056 * n;
    usage = json.usage = { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens };
  }
  if (warnings.length) json.warnings = warnings;
  return { status: 200, json, bill: { model, images: n, promptTokens: usage?.input_tokens ?? 0, completionTokens: usage?.output_tokens ?? 0 } };
}

// ──────────────────────────────────────────────────────────────────────────────────────────── usage and spend

const PROVIDER_NAMES = { bfl: 'bfl', openai: 'openai', spacexai: 'xai', google: 'vertex', bytedance: 'bytedance', recraft: 'recraft' };

/** The record /v1/generation returns for a billed answer (API.md §9.3; both token spellings the sources show). */
export function generationRecord(id, bill, now) {
  const cost = costOf(bill.model, bill);
  const prefix = bill.model.id.split('/')[0];
  const seed = seed32('latency', id);
  return {
    id, total_cost: cost, upstream_inference_cost: 0, usage: cost, created_at: new Date(now).toISOString(),
    model: bill.model.id, is_byok: false, provider_name: PROVIDER_NAMES[prefix] ?? prefix, streamed: !!bill.streamed,
    finish_reason: 'stop', latency: 200 + (seed % 300), generation_time: 1500 + (seed % 4000),
    tokens_prompt: bill.promptTokens, tokens_completion: bill.completionTokens,
    native_tokens_prompt: bill.promptTokens, native_tokens_completion: bill.completionTokens,
    native_tokens_reasoning: 0, native_tokens_cached: 0, images: bill.images,
  };
}

/** GET /v1/generation?id=: the record, or 404 while it is "not written yet" (fault not-ready=K) or unknown. */
export function generationLookup(url, f, state) {
  const id = url.searchParams.get('id');
  if (!id) throw missing('id');
  const record = state.generations.get(id);
  const seen = (state.lookups.get(id) ?? 0) + 1;
  state.lookups.set(id, seen);
  if (!record || (f['not-ready'] && seen <= f['not-ready'])) {
    throw new GatewayError(404, `Generation '${id}' not found`, { type: 'not_found' });
  }
  return { status: 200, json: { data: record } };
}

/** Dollars as the gateway writes them: "95.50", more digits only when needed. */
const dollars = (x) => {
  const s = (Math.round(x * 1e6) / 1e6).toFixed(6).replace(/0+$/, '');
  const [int, frac = ''] = s.split('.');
  return `${int}.${frac.padEnd(2, '0')}`;
};

/** GET /v1/credits. */
export function creditsBalance(state) {
  return { status: 200, json: { balance: dollars(state.balance), total_used: dollars(state.totalUsed) } };
}
