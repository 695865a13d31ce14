// client.chat.completions: create (one response, images decoded by the core) and stream (a ChatCompletionStream).
import { InvalidResponseError, makeAPIError } from '../errors.mjs';
import { encodeBase64, sniffImage } from '../codecs.mjs';
import { kinds } from '../core.mjs';
import { ChatCompletionStream } from '../stream.mjs';
import { publicImage } from './images.mjs';
import { generationIdOf } from './json.mjs';
import { withModelSuggestion } from './models.mjs';

/** Turns the core's parse of a chat completion into the public result (or throws). */
export function chatCompletionResult(parsed, { status = 200, requestId = null, headers = {}, redact = (s) => s } = {}) {
  if (parsed.apiError) throw makeAPIError(parsed.apiError, { headers, requestId, redact });
  if (parsed.invalid) {
    throw new InvalidResponseError(`Invalid chat completion: ${redact(parsed.invalid.message)}`, {
      reason: parsed.invalid.reason, position: parsed.invalid.position, status, requestId,
    });
  }
  const completion = parsed.completion;
  for (const choice of completion.choices ?? []) {
    const images = choice?.message?.images;
    if (Array.isArray(images)) choice.message.images = images.map((img) => (img && 'bytes' in img ? publicImage(img) : img));
  }
  completion.requestId = requestId;
  return completion;
}

/**
 * An image content part for a chat message (image input, e.g. for editing):
 * { type: 'image_url', image_url: { url: 'data:<mime>;base64,...' } }. The MIME type is sniffed when not given.
 * Accepts a Uint8Array, an ArrayBuffer, or a Blob/File (hence async).
 */
export async function imagePart(source, mimeType) {
  let bytes;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) {
    bytes = new Uint8Array(await source.arrayBuffer());
    mimeType ??= source.type || undefined;
  } else throw new TypeError('imagegate: imagePart expects a Uint8Array, an ArrayBuffer, a Blob or a File');
  if (!mimeType) {
    const info = sniffImage(bytes);
    if (info.format === 'unknown') throw new TypeError('imagegate: imagePart could not recognise the image format: pass mimeType');
    mimeType = info.mimeType;
  }
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(mimeType)) throw new TypeError(`imagegate: invalid MIME type ${JSON.stringify(mimeType)}`);
  return { type: 'image_url', image_url: { url: `data:${mimeType};base64,${encodeBase64(bytes)}` } };
}

/** client.chat */
export function chat(client) {
  return {
    completions: {
      create: async (params, options) => {
        let res;
        try {
          res = await client.request({ method: 'POST', path: '/chat/completions', params, build: kinds.request.chat, kind: kinds.parse.chat, options });
        } catch (err) {
          throw await withModelSuggestion(client, err, params?.model);
        }
        const completion = chatCompletionResult(res.chat, { status: res.status, requestId: res.headers['x-request-id'] ?? null, headers: res.headers, redact: client.redact });
        // The gateway's header, else the completion's own id (a gen_ id on the gateway, API.md §2.2).
        completion.generationId = generationIdOf(res.headers, completion);
        return completion;
      },
      /** Returns a ChatCompletionStream at once (the parameters are checked now); the request starts when it is read. */
      stream: (params, options = {}) => {
        const body = client.buildBodyBytes(kinds.request.chatStream, params);
        const { signal, idleTimeout = client.idleTimeoutFor(options) } = options;
        const open = async (streamSignal) => {
          let res;
          try {
            res = await client.request({ method: 'POST', path: '/chat/completions', body, kind: kinds.parse.chat, stream: true, options: { ...options, signal: streamSignal } });
          } catch (err) {
            throw await withModelSuggestion(client, err, params?.model);
          }
          // A stream's generation id: the response header (the chunks' `id` is the same gen_ id on the gateway).
          stream.generationId = generationIdOf(res.headers);
          return { response: res.response, requestId: res.headers['x-request-id'] ?? null };
        };
        const stream = new ChatCompletionStream(open, { signal, idleTimeout, redact: client.redact });
        stream.generationId = null;
        return stream;
      },
    },
  };
}
