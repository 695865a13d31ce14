// client.models: list (GET /models), filterable to the models that make images.
import { InvalidResponseError, makeAPIError } from '../errors.mjs';
import { kinds } from '../core.mjs';

/** Which endpoint makes images with this model: 'images', 'chat', or null. */
function imageEndpoint(model) {
  if (model?.type === 'image') return 'images';
  if (model?.type === 'language' && Array.isArray(model.tags) && model.tags.includes('image-generation')) return 'chat';
  return null;
}

/** client.models */
export function models(client) {
  return {
    /**
     * Options: `type` keeps models of that type ('image', 'language', ...); `imageCapable: true` keeps the ones
     * that make images. Each model gets `imageEndpoint`: 'images', 'chat' or null.
     */
    list: async ({ type, imageCapable = false, ...options } = {}) => {
      const res = await client.request({ method: 'GET', path: '/models', kind: kinds.parse.json, options });
      const requestId = res.headers['x-request-id'] ?? null;
      if (res.json.apiError) throw makeAPIError(res.json.apiError, { headers: res.headers, requestId, redact: client.redact });
      if (res.json.invalid) {
        throw new InvalidResponseError(`Invalid models response: ${client.redact(res.json.invalid.message)}`, {
          reason: 'invalid_json', position: res.json.invalid.position, status: res.status, requestId });
      }
      const data = res.json.value?.data;
      if (!Array.isArray(data)) {
        throw new InvalidResponseError('Invalid models response: no `data` array', { reason: 'unexpected_shape', status: res.status, requestId });
      }
      return data
        .filter((m) => m && typeof m === 'object' && typeof m.id === 'string')
        .map((m) => ({ ...m, imageEndpoint: imageEndpoint(m) }))
        .filter((m) => (type == null || m.type === type) && (!imageCapable || m.imageEndpoint !== null));
    },
  };
}
