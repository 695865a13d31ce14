// The public API shared by both entries (index.mjs loads the core on import; manual.mjs leaves it to init()).
export { version } from './core.mjs';

export { createClient, DEFAULT_BASE_URL } from './client.mjs';
export { parseImagesResponse } from './resources/images.mjs';
export { imagePart } from './resources/chat.mjs';
export { providerOptionsKey, modelCapabilities, checkCapabilities, estimateCost, closestModel } from './providers.mjs';
export { ChatCompletionStream } from './stream.mjs';
export { decodeBase64, decodeBase64Into, encodeBase64, parseDataUrl, sniffImage } from './codecs.mjs';
export { createSseParser, SseParseError } from './sse.mjs';
export {
  ImagegateError, ValidationError, Base64DecodeError, DataUrlError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError,
  InternalServerError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
} from './errors.mjs';

