// client.images: generate (POST /images/generations) and edit (POST /images/edits). Request bodies are built by the
// core (an edit's images are base64-encoded there, or put in multipart parts); responses are parsed in place by the
// core; this file only gathers the inputs and shapes the result.
import { kinds, requireCore, wasm, withHeapCopy } from '../core.mjs';
import { InvalidResponseError, ValidationError, makeAPIError } from '../errors.mjs';
import { parseBody } from '../transport.mjs';
import { checkCapabilities, resultWarnings } from '../providers.mjs';
import { generationIdOf } from './json.mjs';
import { withModelSuggestion } from './models.mjs';

/** The public shape of a decoded image (same fields from the images API and from chat). */
export function publicImage(img) {
  return {
    bytes: img.bytes, mimeType: img.mimeType, format: img.format, width: img.width, height: img.height,
    ...(img.mediaType ? { mediaType: img.mediaType } : {}), ...(img.url ? { url: img.url } : {}),
  };
}

/** Turns the core's parse of an images response into the public result (or throws). */
export function imagesResult(parsed, { status = 200, requestId = null, headers = {}, redact = (s) => s } = {}) {
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
  return imagesResult(parseBody(kinds.parse.images, 200, bytes, { inPlace: inPlace === true }).images);
}

const encoder = new TextEncoder();

/** Capability warnings before sending; with strict (the request's, else the client's), the first one throws. */
function preflight(client, params, options, what) {
  const warnings = checkCapabilities(params.model, params, what);
  const strict = options?.strict ?? client.strict;
  if (strict && warnings.length) {
    throw new ValidationError(`${warnings.map((w) => w.message).join('; ')} (strict: true)`, warnings[0].param);
  }
  return warnings;
}

/** The public result plus generationId and warnings (ours before sending, the gateway's, the returned sizes). */
function finish(res, client, params, warnings) {
  const result = imagesResult(res.images, { status: res.status, requestId: res.headers['x-request-id'] ?? null, headers: res.headers, redact: client.redact });
  const { warnings: fromGateway, ...extra } = result.extra;
  result.extra = extra;
  result.generationId = generationIdOf(res.headers, { provider_metadata: result.providerMetadata });
  const gateway = Array.isArray(fromGateway) ? fromGateway.filter((w) => w && typeof w === 'object')
    .map((w) => ({ type: String(w.type ?? 'other'), message: String(w.message ?? w.details ?? ''), param: w.param ?? w.setting ?? null })) : [];
  result.warnings = [...warnings, ...gateway, ...resultWarnings(params, result.images)];
  return result;
}

/** One edit input → { bytes, name? } or { url }. */
async function editInput(x, param) {
  if (x instanceof Uint8Array) return { bytes: x };
  if (x instanceof ArrayBuffer) return { bytes: new Uint8Array(x) };
  if (ArrayBuffer.isView(x)) return { bytes: new Uint8Array(x.buffer, x.byteOffset, x.byteLength) };
  if (typeof Blob !== 'undefined' && x instanceof Blob) {
    const bytes = new Uint8Array(await x.arrayBuffer());
    return typeof x.name === 'string' && x.name ? { bytes, name: x.name } : { bytes };
  }
  if (typeof URL !== 'undefined' && x instanceof URL) return { url: x.href };
  if (typeof x === 'string') {
    if (!/^https:/i.test(x)) return { url: x };  // data: URLs go to the core as they are; other schemes are refused there
    try {
      return { url: new URL(x).href };  // percent-encoded, as fetch() would send it
    } catch {
      throw new ValidationError(`\`${param}\` is not a valid URL`, param);
    }
  }
  throw new ValidationError(`\`${param}\` must be a Uint8Array, an ArrayBuffer, a Blob or File, a URL, or an https: or data: URL string`, param);
}

function boundary() {
  const r = new Uint8Array(12);
  globalThis.crypto.getRandomValues(r);
  return `imagegate-${[...r].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Copies each input's bytes into the heap (the one heap-copy helper, nested) and calls fn with the descriptors. */
function withInputs(inputs, fn, done = []) {
  if (done.length === inputs.length) return fn(done);
  const x = inputs[done.length];
  if (!x.bytes) return withInputs(inputs, fn, [...done, x]);
  return withHeapCopy(x.bytes, (ptr, len) => withInputs(inputs, fn, [...done, { ptr, len, ...(x.name ? { name: x.name } : {}) }]));
}

/** Builds the edit body in the core: a heap block { ptr, len, contentType } (the caller frees it), or throws. */
function buildEditBody(params, inputs, mask, multipart) {
  let json;
  try {
    json = JSON.stringify(params);
  } catch (err) {
    throw new ValidationError(`The request parameters cannot be serialised to JSON: ${err.message}`, null);
  }
  const all = mask ? [...inputs, mask] : inputs;
  const built = withHeapCopy(encoder.encode(json), (pPtr, pLen) => withInputs(all, (heap) => {
    const images = heap.slice(0, inputs.length);
    return wasm._buildEditRequest(pPtr, pLen, images, mask ? heap[inputs.length] : null, multipart, multipart ? boundary() : '');
  }));
  if (built.error) throw new ValidationError(built.error, built.param || null);
  return { ptr: built.ptr, len: built.len, contentType: built.contentType };
}

/** client.images */
export function images(client) {
  return {
    generate: async (params, options) => {
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new ValidationError('The request parameters must be an object', null);
      const warnings = preflight(client, params, options, {});
      let res;
      try {
        res = await client.request({ method: 'POST', path: '/images/generations', params, build: kinds.request.images, kind: kinds.parse.images, options });
      } catch (err) {
        throw await withModelSuggestion(client, err, params.model);
      }
      return finish(res, client, params, warnings);
    },
    /**
     * POST /images/edits: `images` (1..16; also `image`, as openai-node names it) and `mask` are bytes
     * (Uint8Array, ArrayBuffer, Blob, File) or https:/data: URLs; the core sniffs the bytes and sends them as data
     * URLs in JSON, or as multipart parts with `{ multipart: true }` in options. The mask must be a PNG of the
     * first image's size. The response is parsed exactly as a generation's.
     */
    edit: async (params, options = {}) => {
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new ValidationError('The request parameters must be an object', null);
      const { images: list = params.image, image: _image, mask, ...rest } = params;
      if (list === undefined || list === null) throw new ValidationError('`images` is required: 1 to 16 images to edit', 'images');
      const arr = Array.isArray(list) ? list : [list];
      if (arr.length < 1 || arr.length > 16) throw new ValidationError(`\`images\` must hold 1 to 16 images; got ${arr.length}`, 'images');
      const inputs = await Promise.all(arr.map((x, i) => editInput(x, `images[${i}]`)));
      const maskInput = mask === undefined || mask === null ? null : await editInput(mask, 'mask');
      const warnings = preflight(client, rest, options, { images: inputs.length, mask: !!maskInput });
      const body = buildEditBody(rest, inputs, maskInput, options.multipart === true);
      let res;
      try {
        res = await client.request({ method: 'POST', path: '/images/edits', body, kind: kinds.parse.images, options });
      } catch (err) {
        throw await withModelSuggestion(client, err, rest.model);
      } finally {
        wasm._free(body.ptr);
      }
      return finish(res, client, rest, warnings);
    },
  };
}
