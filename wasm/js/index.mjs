// imagegate: the public API. Everything a caller touches is exported from here.
import { wasm } from './core.mjs';

export { createClient, parseImagesResponse, DEFAULT_BASE_URL } from './client.mjs';
export { imagePart, ChatCompletionStream } from './chat.mjs';
export { decodeBase64, decodeBase64Into, encodeBase64, parseDataUrl, sniffImage } from './codecs.mjs';
export {
  ImagegateError, ValidationError, Base64DecodeError, DataUrlError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError,
  InternalServerError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
} from './errors.mjs';

/** The package version, as compiled into the wasm core. */
export const version = wasm.version();
