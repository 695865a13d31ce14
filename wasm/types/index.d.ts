// Public types of the imagegate package.

export declare const version: string;

export interface InitOptions {
  /**
   * A precompiled imagegate_wasm.wasm (Cloudflare Workers and Vercel Edge, which only instantiate modules compiled
   * ahead of time: `import wasmModule from 'imagegate/imagegate_wasm.wasm'`). Wins over the other two.
   */
  wasmModule?: WebAssembly.Module;
  /** The .wasm bytes themselves (no fetch at all). */
  wasmBinary?: ArrayBuffer | ArrayBufferView;
  /** Where to load imagegate_wasm.wasm from (default: the package's dist/imagegate_wasm.wasm). */
  wasmURL?: string | URL;
}
/** Loads the wasm core; 'imagegate' has already done it on import. Later calls return the first call's promise.
 *  Resolves to nothing (the core's own exports are internal). */
export declare function init(options?: InitOptions): Promise<void>;
export declare const DEFAULT_BASE_URL: 'https://ai-gateway.vercel.sh/v1';

// ---------------------------------------------------------------------------------------------- errors

export declare class ImagegateError extends Error {}

/** Parameters that cannot be sent (missing model, n out of range, ...). */
export declare class ValidationError extends ImagegateError {
  readonly param: string | null;
}

export type Base64ErrorCode = 'invalid_character' | 'bad_padding' | 'partial_chunk' | 'nonzero_bits' | 'output_too_small';

export declare class Base64DecodeError extends ImagegateError {
  /** 'output_too_small' is no longer thrown by decodeBase64Into (a short target is filled, as setFromBase64 does). */
  readonly code: Base64ErrorCode;
  /** Index of the first offending input byte (or string index). */
  readonly position: number;
  /**
   * Set by decodeBase64Into only: the input index just past the last whole chunk decoded before the error (the
   * spec's [[Read]] at that point).
   */
  readonly read?: number;
  /** Set by decodeBase64Into only: the bytes written to the start of the target before the error was thrown. */
  readonly written?: number;
}

export type DataUrlErrorCode = 'not_a_data_url' | 'missing_comma' | 'bad_media_type' | 'bad_percent' | 'bad_base64';

/** A malformed data: URL. */
export declare class DataUrlError extends ImagegateError {
  readonly code: DataUrlErrorCode;
  /** Index in the input of the offending character. */
  readonly position: number;
  /** For 'bad_base64': what was wrong with the base64. */
  readonly base64Error?: Base64ErrorCode;
}

export declare class APIError extends ImagegateError {
  readonly status: number | undefined;
  readonly type: string | null;
  readonly code: string | number | null;
  readonly param: unknown;
  readonly generationId: string | null;
  readonly requestId: string | null;
  readonly headers: Record<string, string>;
  /** How long the server asked to wait before retrying (retry-after-ms, else retry-after as seconds or an HTTP date),
   *  in ms, read as the retry logic reads it; null if it did not say, said something unreadable, or a time in the past. */
  readonly retryAfterMs: number | null;
}
export declare class BadRequestError extends APIError {}
export declare class AuthenticationError extends APIError {}
export declare class PermissionDeniedError extends APIError {}
export declare class NotFoundError extends APIError {
  /** For an unknown model: the closest listed model id (e.g. a renamed one), or null when none is close. */
  suggestion?: string | null;
}
export declare class ConflictError extends APIError {}
export declare class UnprocessableEntityError extends APIError {}
export declare class RateLimitError extends APIError {}
export declare class InternalServerError extends APIError {}
/** No HTTP answer at all. The message names what failed where the runtime says (refused, reset, DNS, TLS);
 *  `cause` is the runtime's own error (node's ECONNREFUSED etc.; browsers give only "Failed to fetch"). */
export declare class APIConnectionError extends APIError {}
export declare class APIConnectionTimeoutError extends APIConnectionError {}
export declare class APIUserAbortError extends APIError {}

export declare class InvalidResponseError extends ImagegateError {
  readonly reason: string | null;
  /** Byte offset in the response body (or stream) where the problem is. */
  readonly position: number | null;
  readonly imageIndex: number | null;
  readonly status: number | undefined;
  readonly requestId: string | null;
}

// ---------------------------------------------------------------------------------------------- codecs

export interface Base64DecodeOptions {
  alphabet?: 'base64' | 'base64url';
  lastChunkHandling?: 'loose' | 'strict' | 'stop-before-partial';
  /** Skip ASCII whitespace (default, as data URLs and MIME allow) or reject it. */
  whitespace?: 'skip' | 'reject';
}

export type BytesInput = Uint8Array | ArrayBuffer | ArrayBufferView;

export declare function decodeBase64(input: BytesInput | string, options?: Base64DecodeOptions): Uint8Array;
/**
 * `target.setFromBase64(input, options)` exactly (TC39 FromBase64 with maxLength = target.length): whole 4-character
 * chunks are decoded while their bytes fit; it stops without reading on once the target is full, or before a chunk
 * whose bytes would not fit (a final `xx==` / `xxx=` still goes in when its 1 or 2 bytes fit) — neither is an
 * error. `written`: bytes at the start of `target`; `read`: the input index just past the last chunk decoded (the
 * input's length when it was all used). Bytes past `written` are never touched. On invalid input the whole chunks
 * before the error are written first, then Base64DecodeError is thrown with `code`, `position`, `read` and
 * `written`. `input` may also be bytes (the platform takes strings only); `whitespace: 'reject'` is an extension.
 */
export declare function decodeBase64Into(
  input: BytesInput | string,
  target: Uint8Array,
  options?: Base64DecodeOptions,
): { read: number; written: number };

export interface Base64EncodeOptions {
  alphabet?: 'base64' | 'base64url';
  omitPadding?: boolean;
}
export declare function encodeBase64(bytes: BytesInput, options?: Base64EncodeOptions): string;

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'avif' | 'unknown';
export interface ImageInfo {
  format: ImageFormat;
  mimeType: string;
  /** The stored (coded) width as the header declares it, before orientation or crop; 0 if unreadable. */
  width: number;
  /** The stored (coded) height; 0 if unreadable. */
  height: number;
  /**
   * The orientation a browser applies, as an EXIF value 1..8 (1 = as stored, 6 = rotate 90° clockwise, ...):
   * JPEG EXIF and PNG eXIf orientation; AVIF irot/imir mapped to the equivalent value. WebP EXIF is not
   * applied by browsers, so it is 1 for WebP (and GIF, and when there is none).
   */
  orientation: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
  /**
   * The size a browser lays the image out at (an `<img>`'s naturalWidth/naturalHeight in Chromium): the AVIF
   * clean aperture when it starts at the top-left corner, or a JPEG's EXIF density-corrected size, then width
   * and height swapped for orientations 5..8. 0 when width or height is 0. A layout size, not a pixel count.
   */
  displayWidth: number;
  displayHeight: number;
}
export declare function sniffImage(bytes: BytesInput): ImageInfo;

export interface DataUrl {
  /**
   * The MIME type's essence, lower-cased type/subtype. WHATWG (default): "text/plain" when the URL names none or
   * an invalid one (then parameters is { charset: 'US-ASCII' }); strict: "text/plain" when the URL names none.
   */
  mediaType: string;
  /**
   * Parameter names lower-cased, values unquoted, in the URL's order (as a JS object orders keys), e.g.
   * { charset: 'US-ASCII' }. WHATWG: the first of a repeated name wins and invalid parameters are dropped, so
   * mediaType + parameters serialize to what fetch() reports as Content-Type.
   */
  parameters: Record<string, string>;
  base64: boolean;
  /** The decoded payload. */
  bytes: Uint8Array;
}
export interface ParseDataUrlOptions {
  /**
   * false (default): the WHATWG fetch "data: URL processor", as browsers and node's fetch() load the URL.
   * true: RFC 2397, rejecting what it does not allow (codes 'bad_media_type', 'bad_percent').
   */
  strict?: boolean;
}
/**
 * Parses and decodes a data: URL (a string, read as a URL is, or its UTF-8 bytes). Throws DataUrlError:
 * 'not_a_data_url', 'missing_comma' (none before the #fragment), 'bad_base64'; strict also 'bad_media_type',
 * 'bad_percent'. `position` indexes the input's bytes (for a string: its UTF-8).
 */
export declare function parseDataUrl(input: string | BytesInput, options?: ParseDataUrlOptions): DataUrl;

// ---------------------------------------------------------------------------------------------- SSE

/** An event, as eventsource-parser's onEvent gets it. */
export interface SseEvent {
  /** The `id` field of this event's block; undefined when it had none. */
  id: string | undefined;
  /** The `event` field; undefined when absent or empty (the spec's default type is "message"). */
  event: string | undefined;
  /** The data lines joined with "\n". */
  data: string;
}
export type SseParseErrorType = 'invalid-retry' | 'unknown-field';
/** Passed to onError for a line the parser ignores; the fields of eventsource-parser's ParseError. */
export declare class SseParseError extends Error {
  readonly type: SseParseErrorType;
  /** For 'unknown-field': the field name. */
  readonly field: string | undefined;
  readonly value: string | undefined;
  /** The whole line. */
  readonly line: string | undefined;
}
export interface SseParserCallbacks {
  onEvent?: (event: SseEvent) => void;
  /** A ':' line, without the ':' and one leading space. */
  onComment?: (comment: string) => void;
  /** A `retry:` line of ASCII digits, as a number of milliseconds. */
  onRetry?: (ms: number) => void;
  onError?: (error: SseParseError) => void;
}
export interface SseParser {
  /** The next chunk of the stream: bytes (UTF-8, cut anywhere) or a string. Callbacks run before it returns. */
  feed(chunk: string | BytesInput): void;
  /**
   * Starts over as at the start of a stream and frees the parser's wasm memory. consume: first process a last
   * line that has no line ending (an event still needs its blank line).
   */
  reset(options?: { consume?: boolean }): void;
}
/** The core's incremental SSE parser (WHATWG event stream interpretation), eventsource-parser's API. */
export declare function createSseParser(callbacks?: SseParserCallbacks): SseParser;

// ---------------------------------------------------------------------------------------------- client

export interface ClientOptions {
  /** The gateway key (in node: default $AI_GATEWAY_API_KEY); null or omitted when a proxy adds the key. */
  apiKey?: string | null;
  /**
   * Default $AI_GATEWAY_BASE_URL in node, else https://ai-gateway.vercel.sh/v1; in a page a relative URL such as
   * "/v1" is resolved against the page.
   */
  baseURL?: string;
  /** Milliseconds per attempt; for a stream, the wait until it starts. Default 600000. */
  timeout?: number;
  /** A stream that delivers no byte for this long fails with APIConnectionTimeoutError ("stalled").
   *  Default 120000, or `timeout` when that is shorter. */
  idleTimeout?: number;
  /** Default 2. */
  maxRetries?: number;
  /** Called before each wait between attempts ("retrying in N s"). */
  onRetry?: (info: RetryInfo) => void;
  defaultHeaders?: Record<string, string>;
  /** A fetch to use instead of Emscripten's Fetch API (and for streams instead of globalThis.fetch). */
  fetch?: typeof fetch;
  /** Capability warnings (a mask for a model without masks, ...) throw ValidationError before sending. Default false. */
  strict?: boolean;
}

/** What onRetry is told before each wait. */
export interface RetryInfo {
  /** 1 for the first retry, 2 for the second, ... */
  attempt: number;
  /** How long the client waits before it (the server's retry-after when it gave one). */
  delayMs: number;
  /** The error that caused the retry: an APIError with `status` and `retryAfterMs`, or an APIConnectionError. */
  error: APIError;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeout?: number;
  maxRetries?: number;
  onRetry?: (info: RetryInfo) => void;
}
/** Options of images.generate and images.edit. */
export interface ImageRequestOptions extends RequestOptions {
  /** Throw ValidationError instead of returning warnings about settings the model ignores (default: the client's). */
  strict?: boolean;
}
export interface ImageEditOptions extends ImageRequestOptions {
  /** Send multipart/form-data (as openai-node does) instead of JSON with data URLs. Default false. */
  multipart?: boolean;
}
export interface StreamOptions extends RequestOptions {
  idleTimeout?: number;
}

/** A decoded image. `mimeType` and the size come from the bytes (sniffed), not from what the server claimed. */
export interface DecodedImage {
  /** A view of an ArrayBuffer (never shared memory): usable as a BlobPart or a BufferSource as it is. */
  bytes: Uint8Array<ArrayBuffer>;
  mimeType: string;
  format: ImageFormat;
  width: number;
  height: number;
  /** The media type a data URL declared. */
  mediaType?: string;
  url?: undefined;
}
/** An image the server answered with as an https URL (reported, never fetched). */
export interface UrlImage {
  bytes: null;
  mimeType: null;
  format: 'unknown';
  width: 0;
  height: 0;
  url: string;
  mediaType?: undefined;
}
/** Either: narrow with `image.bytes !== null` (or `'url' in image && image.url`). */
export type GeneratedImage = DecodedImage | UrlImage;

export interface ImageGenerateParams {
  model: string;
  prompt: string;
  n?: number;
  size?: string;
  response_format?: 'b64_json' | 'url';
  providerOptions?: Record<string, Record<string, unknown>>;
  [field: string]: unknown;
}

export interface ImagesResult<Image extends GeneratedImage = DecodedImage> {
  created: number | null;
  images: Array<Image & { revisedPrompt: string | null }>;
  usage: Record<string, unknown> | null;
  providerMetadata: Record<string, unknown> | null;
  requestId: string | null;
  /** Other top-level fields of the response. */
  extra: Record<string, unknown>;
}

/** A warning in the AI SDK's shape: a setting the model ignores, an extra billed call, a size not returned. */
export interface Warning {
  type: 'unsupported-setting' | 'other' | string;
  message: string;
  /** The parameter concerned: 'mask', 'images', 'n', 'size', 'providerOptions.openai.aspectRatio', ... */
  param: string | null;
}

/** What images.generate and images.edit resolve with. */
export interface ImagesResponse<Image extends GeneratedImage = DecodedImage> extends ImagesResult<Image> {
  /** The gateway's id of this generation (for generations.retrieve), or null when it sent none. */
  generationId: string | null;
  /** Ours (before sending), the gateway's, and returned sizes that differ from the request. */
  warnings: Warning[];
}

/** An image to edit: bytes, a Blob or File, a URL, or an https: / data: URL string. */
export type ImageInput = Uint8Array | ArrayBuffer | ArrayBufferView | Blob | URL | string;

export interface ImageEditParams {
  model: string;
  prompt: string;
  /** 1 to 16 images (the first is the one a mask applies to). */
  images?: ImageInput | ImageInput[];
  /** openai-node's name for `images`. */
  image?: ImageInput | ImageInput[];
  /** A PNG of the first image's size; its transparent pixels mark what to change. */
  mask?: ImageInput;
  n?: number;
  size?: string;
  response_format?: 'b64_json' | 'url';
  providerOptions?: Record<string, Record<string, unknown>>;
  [field: string]: unknown;
}

/** The gateway's record of one generation (GET /generation?id=). */
export interface GenerationRecord {
  id: string | null;
  /** USD. */
  totalCost: number | null;
  upstreamInferenceCost: number | null;
  usage: unknown;
  createdAt: string | null;
  model: string | null;
  isByok: boolean | null;
  providerName: string | null;
  streamed: boolean | null;
  finishReason: string | null;
  /** Milliseconds to the first byte. */
  latency: number | null;
  /** Milliseconds in all. */
  generationTime: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  reasoningTokens: number | null;
  cachedTokens: number | null;
  /** The wire object as the gateway sent it. */
  raw: Record<string, unknown>;
  requestId: string | null;
}

export interface Credits {
  /** USD as the gateway writes it, e.g. "95.50". */
  balance: string | null;
  totalUsed: string | null;
  requestId: string | null;
}

export interface CostEstimate {
  currency: 'USD';
  model: string;
  /** null when the model's entry has no price. */
  min: number | null;
  max: number | null;
  perImage: number | null;
  basis: 'per-image' | 'tokens' | 'unknown';
  /** For chat models: the prompt tokens guessed (~4 characters each, ~258 per input image). */
  promptTokens?: number;
}

export interface ModelCapabilities {
  /** The providerOptions namespace. */
  key: string | null;
  images?: boolean;
  mask?: boolean;
  perCall: number | null;
  sizing?: 'size' | 'aspectRatio' | 'both';
}

export interface Model {
  id: string;
  type?: string;
  tags?: string[];
  /** Which endpoint makes images with this model. */
  imageEndpoint: 'images' | 'chat' | null;
  [field: string]: unknown;
}

export interface ContentPart {
  type: string;
  [field: string]: unknown;
}
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'developer' | 'tool' | string;
  content: string | ContentPart[] | null;
  [field: string]: unknown;
}
export interface ChatParams {
  model: string;
  messages: ChatMessage[];
  modalities?: Array<'text' | 'image' | string>;
  [field: string]: unknown;
}

export interface ChatCompletion {
  id?: string;
  /** The gateway's generation id (its header, else `id`). */
  generationId?: string | null;
  object?: string;
  created?: number;
  model?: string;
  choices: Array<{
    index: number;
    message: { role: string; content: string | null; images?: GeneratedImage[]; [field: string]: unknown };
    finish_reason: string | null;
  }>;
  usage: Record<string, unknown> | null;
  requestId: string | null;
  [field: string]: unknown;
}

export type ChatStreamEvent =
  | { type: 'text'; choice: number; delta: string }
  | ({ type: 'image'; choice: number; index: number } & GeneratedImage)
  | {
      type: 'image-progress';
      /** The data bytes of the event being received so far. */
      receivedBytes: number;
      /** With an image being decoded: its choice and index (as its image event will carry them). */
      choice?: number;
      index?: number;
      /** What is decoded of that image so far: a view of its buffer (no copy), valid until the next event; null
       *  before its first byte. A truncated PNG or JPEG renders progressively in browsers. (imagegate/worker: see
       *  `preview`.) */
      bytes?: Uint8Array<ArrayBuffer> | null;
      decodedBytes?: number;
      /** imagegate/worker only: the decoded prefix as a Blob made in the worker (at most every 250 ms; `bytes` is null there). */
      preview?: Blob;
    }
  | { type: 'usage'; usage: Record<string, unknown> }
  | { type: 'finish'; choice: number; reason: string };

export declare class ChatCompletionStream implements AsyncIterable<ChatStreamEvent> {
  readonly requestId: string | null;
  /** The gateway's generation id, from the stream's response header (null until it has started). */
  readonly generationId: string | null;
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  finalCompletion(): Promise<ChatCompletion>;
  [Symbol.asyncIterator](): AsyncIterator<ChatStreamEvent>;
}

export interface Client {
  readonly baseURL: string;
  readonly timeout: number;
  readonly maxRetries: number;
  readonly strict: boolean;
  images: {
    /** With response_format 'url' the images are URLs (bytes: null); otherwise they are decoded bytes. */
    generate(params: ImageGenerateParams & { response_format: 'url' }, options?: ImageRequestOptions): Promise<ImagesResponse<UrlImage>>;
    generate(params: ImageGenerateParams & { response_format?: 'b64_json' }, options?: ImageRequestOptions): Promise<ImagesResponse<DecodedImage>>;
    /** POST /images/edits; the response is parsed as a generation's. */
    edit(params: ImageEditParams & { response_format: 'url' }, options?: ImageEditOptions): Promise<ImagesResponse<UrlImage>>;
    edit(params: ImageEditParams & { response_format?: 'b64_json' }, options?: ImageEditOptions): Promise<ImagesResponse<DecodedImage>>;
  };
  generations: {
    /** The record of a generation; a 404 is retried briefly while the gateway has not written it yet. */
    retrieve(id: string, options?: RequestOptions & { notReadyRetries?: number; notReadyDelayMs?: number }): Promise<GenerationRecord>;
  };
  credits: {
    retrieve(options?: RequestOptions): Promise<Credits>;
  };
  models: {
    list(options?: RequestOptions & { type?: string; imageCapable?: boolean }): Promise<Model[]>;
  };
  chat: {
    completions: {
      create(params: ChatParams, options?: RequestOptions): Promise<ChatCompletion>;
      stream(params: ChatParams, options?: StreamOptions): ChatCompletionStream;
    };
  };
}

export declare function createClient(options?: ClientOptions): Promise<Client>;

/**
 * Parses a complete /images/generations response body without any network.
 * With `inPlace: true` each image is decoded back into `bytes` (its base64 text is overwritten) and `image.bytes`
 * is a view of `bytes`: no new buffer per image. Without it, `bytes` is left untouched and each image gets its own.
 */
export declare function parseImagesResponse(bytes: Uint8Array, options?: { inPlace?: boolean }): ImagesResult<GeneratedImage>;

/** The providerOptions namespace of a model id: 'blackForestLabs', 'googleVertex', 'google', 'openai', 'xai', ... */
export declare function providerOptionsKey(model: string): string;
/** What the package's table knows about a model family. */
export declare function modelCapabilities(model: string): ModelCapabilities;
/** The warnings a request would get before sending (`what`: the edit's image count and whether it has a mask). */
export declare function checkCapabilities(model: string, params?: Record<string, unknown>, what?: { images?: number; mask?: boolean }): Warning[];
/** A cost estimate from a /v1/models entry (client.models.list()). */
export declare function estimateCost(model: Model, params?: Record<string, unknown>): CostEstimate;
/** The listed id closest to `id` (a known rename first), or null. */
export declare function closestModel(id: string, ids: string[]): string | null;

/** An image content part for chat input: { type: 'image_url', image_url: { url: 'data:…;base64,…' } }. */
export declare function imagePart(
  source: Uint8Array | ArrayBuffer | Blob,
  mimeType?: string,
): Promise<{ type: 'image_url'; image_url: { url: string } }>;
