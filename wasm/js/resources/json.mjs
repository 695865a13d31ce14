// The JSON routes' one result step (models, generations, credits): the core parsed the body (nlohmann); this turns
// its answer into the value, or the APIError / InvalidResponseError it stands for.
import { InvalidResponseError, makeAPIError } from '../errors.mjs';

/** The parsed JSON value of a kinds.parse.json response, or throws. `what` names the route in messages. */
export function jsonValue(client, res, what) {
  const requestId = res.headers['x-request-id'] ?? null;
  if (res.json.apiError) throw makeAPIError(res.json.apiError, { headers: res.headers, requestId, redact: client.redact });
  if (res.json.invalid) {
    throw new InvalidResponseError(`Invalid ${what} response: ${client.redact(res.json.invalid.message)}`, {
      reason: 'invalid_json', position: res.json.invalid.position, status: res.status, requestId });
  }
  return { value: res.json.value, requestId };
}

/** The generation id of a response: the gateway's header, else the body's (provider_metadata.gateway, or a gen_ id). */
export function generationIdOf(headers = {}, body = null) {
  const fromHeader = headers['x-vercel-ai-gateway-generation-id'] ?? headers['x-generation-id'];
  if (typeof fromHeader === 'string' && fromHeader) return fromHeader;
  const meta = body?.provider_metadata?.gateway ?? body?.providerMetadata?.gateway;
  if (typeof meta?.generationId === 'string') return meta.generationId;
  if (typeof body?.id === 'string' && body.id.startsWith('gen_')) return body.id;
  return null;
}
