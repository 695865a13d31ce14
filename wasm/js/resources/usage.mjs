// client.generations (GET /generation?id=: what one generation cost, who served it, how long it took) and
// client.credits (GET /credits: the balance). Both through the client's one request loop; the core parses the JSON.
import { kinds } from '../core.mjs';
import { InvalidResponseError, NotFoundError, ValidationError } from '../errors.mjs';
import { sleep } from '../abort.mjs';
import { jsonValue } from './json.mjs';

const num = (v) => (v === undefined || v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
const first = (...vs) => vs.find((v) => v !== undefined && v !== null) ?? null;

/** The gateway's generation record in camelCase (both spellings of the token fields), the wire object as `raw`. */
export function generationRecord(data) {
  return {
    id: data.id ?? null,
    totalCost: num(data.total_cost),
    upstreamInferenceCost: num(data.upstream_inference_cost),
    usage: data.usage ?? null,
    createdAt: data.created_at ?? null,
    model: data.model ?? null,
    isByok: data.is_byok ?? null,
    providerName: data.provider_name ?? null,
    streamed: data.streamed ?? null,
    finishReason: data.finish_reason ?? null,
    latency: num(data.latency),
    generationTime: num(data.generation_time),
    promptTokens: num(first(data.tokens_prompt, data.native_tokens_prompt)),
    completionTokens: num(first(data.tokens_completion, data.native_tokens_completion)),
    reasoningTokens: num(first(data.tokens_reasoning, data.native_tokens_reasoning)),
    cachedTokens: num(first(data.tokens_cached, data.native_tokens_cached)),
    raw: data,
  };
}

// The record can lag the response by a little (the gateway writes it after answering): a 404 is retried this often,
// with these waits (about 3 s in all), before it is final.
const NOT_READY_DELAYS = [200, 400, 800, 1600];

/** client.generations */
export function generations(client) {
  return {
    /**
     * The generation record of `id` (a `generationId` of a result or an error). A 404 is retried briefly while the
     * record is not written yet (options.notReadyRetries, default 4; options.notReadyDelayMs overrides the waits).
     */
    retrieve: async (id, { notReadyRetries = NOT_READY_DELAYS.length, notReadyDelayMs, ...options } = {}) => {
      if (typeof id !== 'string' || !id.trim()) throw new ValidationError('`id` must be a generation id such as "gen_01K..."', 'id');
      if (!(Number.isInteger(notReadyRetries) && notReadyRetries >= 0)) throw new ValidationError('`notReadyRetries` must be an integer ≥ 0', 'notReadyRetries');
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await client.request({ method: 'GET', path: `/generation?id=${encodeURIComponent(id)}`, kind: kinds.parse.json, options });
          const { value, requestId } = jsonValue(client, res, 'generation');
          const data = value?.data;
          if (!data || typeof data !== 'object' || Array.isArray(data)) {
            throw new InvalidResponseError('Invalid generation response: no `data` object', { reason: 'unexpected_shape', status: res.status, requestId });
          }
          return { ...generationRecord(data), requestId };
        } catch (err) {
          if (!(err instanceof NotFoundError) || attempt >= notReadyRetries) throw err;
          await sleep(notReadyDelayMs ?? NOT_READY_DELAYS[Math.min(attempt, NOT_READY_DELAYS.length - 1)], options.signal ?? null);
        }
      }
    },
  };
}

/** client.credits */
export function credits(client) {
  return {
    /** The balance: { balance, totalUsed } in USD, as the decimal strings the gateway sends ("95.50"). */
    retrieve: async (options = {}) => {
      const res = await client.request({ method: 'GET', path: '/credits', kind: kinds.parse.json, options });
      const { value, requestId } = jsonValue(client, res, 'credits');
      if (!value || typeof value !== 'object' || value.balance === undefined) {
        throw new InvalidResponseError('Invalid credits response: no `balance`', { reason: 'unexpected_shape', status: res.status, requestId });
      }
      const text = (v) => (v === undefined || v === null ? null : String(v));
      return { balance: text(value.balance), totalUsed: text(value.total_used ?? value.totalUsed), requestId };
    },
  };
}
