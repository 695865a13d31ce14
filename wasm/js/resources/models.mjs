// client.models: list (GET /models), filterable to the models that make images.
import { InvalidResponseError, NotFoundError } from '../errors.mjs';
import { kinds } from '../core.mjs';
import { closestModel } from '../providers.mjs';
import { jsonValue } from './json.mjs';

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
      const { value, requestId } = jsonValue(client, res, 'models');
      const data = value?.data;
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

/**
 * For a NotFoundError about a model (type model_not_found, or a 404 naming it): looks the catalogue up (no key
 * needed) and names the closest listed model in the message and in `suggestion` (e.g. the renamed xAI id). Any
 * failure of the lookup leaves the error as it was. Returns the error.
 */
export async function withModelSuggestion(client, err, model) {
  if (!(err instanceof NotFoundError) || err.type !== 'model_not_found' || typeof model !== 'string') return err;
  const named = err.param?.modelId ?? model;
  try {
    const listed = await models(client).list({ maxRetries: 0, timeout: 15000 });
    const best = closestModel(named, listed.map((m) => m.id));
    err.suggestion = best;
    if (best) err.message += ` (did you mean '${best}'?)`;
  } catch { /* the catalogue could not be read: keep the gateway's own message */ }
  return err;
}
