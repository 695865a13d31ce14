// client.images: generate (POST /images/generations). Responses are parsed in place by the core; this file only
// shapes the result.
import { kinds, requireCore } from '../core.mjs';
import { InvalidResponseError, makeAPIError } from '../errors.mjs';
import { parseBody } from '../transport.mjs';

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

/** client.images */
export function images(client) {
  return {
    generate: async (params, options) => {
      const res = await client.request({ method: 'POST', path: '/images/generations', params, build: kinds.request.images, kind: kinds.parse.images, options });
      return imagesResult(res.images, { status: res.status, requestId: res.headers['x-request-id'] ?? null, headers: res.headers, redact: client.redact });
    },
  };
}
