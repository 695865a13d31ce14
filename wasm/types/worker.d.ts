// imagegate/worker: createClient()'s API with the wasm core and the transport in a module Worker.
import type {
  Client, ClientOptions, ChatCompletionStream, ChatParams, StreamOptions, DecodedImage, UrlImage, ImagesResponse,
  ImageGenerateParams, ImageRequestOptions, ImageEditParams, ImageEditOptions,
} from './index.js';

export {
  ImagegateError, ValidationError, Base64DecodeError, DataUrlError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError,
  InternalServerError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
} from './index.js';

export { providerOptionsKey, modelCapabilities, checkCapabilities, estimateCost, closestModel } from './index.js';

/**
 * What a worker client's decoded images (images.generate/edit, chat images, stream image events) carry besides
 * DecodedImage's fields: `blob`, a Blob of the same bytes and type made in the worker, so that a page can show an
 * image (URL.createObjectURL) with no copy of its bytes on the main thread.
 */
export interface WorkerImageExtras {
  blob: Blob;
  /** With `bitmaps: true`: the image decoded in the worker (null if this browser cannot decode it). Not on a stream's finalCompletion() images. */
  bitmap?: ImageBitmap | null;
  /** With `objectURLs: true`: the Blob's object URL, made in the worker (free it with client.revokeObjectURL(url)). Not on a stream's finalCompletion() images. */
  objectURL?: string;
}

export interface WorkerClientOptions extends Omit<ClientOptions, 'fetch'> {
  /**
   * The Worker to run in: a module Worker of your own whose script imports 'imagegate/worker/host', or the URL of
   * such a script. Default: the package's worker script (new URL(…, import.meta.url), found by Vite and webpack 5).
   */
  worker?: Worker | URL | string;
  /**
   * Also decode each image in the worker: images (and stream image events) carry `bitmap`, an ImageBitmap to draw
   * with a canvas's 'bitmaprenderer' context (no decode, no copy of bytes on the main thread). Default false.
   */
  bitmaps?: boolean;
  /**
   * Also make each image's object URL in the worker: images (and stream image events) carry `objectURL`, for
   * `img.src`, so that the main thread makes none (URL.createObjectURL there waits while the browser takes in the
   * Blob's bytes from the worker). The URLs live until client.revokeObjectURL(url) or the client's end. Default false.
   */
  objectURLs?: boolean;
}

/**
 * What chat.completions.stream() returns: events pulled one by one from the worker. The members of
 * ChatCompletionStream (not an instance of that class).
 */
export interface WorkerChatCompletionStream extends ChatCompletionStream {}

export interface WorkerStats {
  /** Calls and streams this client has open in the worker. */
  calls: number;
  streams: number;
  /** Finished streams kept for finalCompletion(). */
  finished: number;
  /** Bytes of image buffers transferred to the main thread, and copied (0 unless a buffer could not be transferred). */
  transferredBytes: number;
  copiedBytes: number;
  /** Bytes of the Blobs made in the worker (image.blob). */
  blobBytes: number;
  /** The worker's wasm heap: bytes in use by the core's allocator, and the size of its linear memory. */
  heapUsed: number;
  heapSize: number;
}

/** A worker client's decoded image: DecodedImage plus the Blob made in the worker (and the bitmap, if asked for). */
export type WorkerDecodedImage = DecodedImage & WorkerImageExtras;

export interface WorkerClient extends Omit<Client, 'chat' | 'images'> {
  images: {
    generate(params: ImageGenerateParams & { response_format: 'url' }, options?: ImageRequestOptions): Promise<ImagesResponse<UrlImage>>;
    generate(params: ImageGenerateParams & { response_format?: 'b64_json' }, options?: ImageRequestOptions): Promise<ImagesResponse<WorkerDecodedImage>>;
    edit(params: ImageEditParams & { response_format: 'url' }, options?: ImageEditOptions): Promise<ImagesResponse<UrlImage>>;
    edit(params: ImageEditParams & { response_format?: 'b64_json' }, options?: ImageEditOptions): Promise<ImagesResponse<WorkerDecodedImage>>;
  };
  chat: {
    completions: {
      create: Client['chat']['completions']['create'];
      stream(params: ChatParams, options?: StreamOptions): WorkerChatCompletionStream;
    };
  };
  /** The package's imagePart(), run in the worker (the base64 string comes back: a copy of its length). */
  imagePart(source: Uint8Array | ArrayBuffer | Blob, mimeType?: string): Promise<{ type: 'image_url'; image_url: { url: string } }>;
  /** The package's sniffImage(), run in the worker. */
  sniffImage(bytes: Uint8Array | ArrayBuffer | Blob): Promise<import('./index.js').ImageInfo>;
  /** The package version, as compiled into the worker's core. */
  readonly version: string;
  /** Diagnostics: what the worker holds for this client. */
  workerStats(): Promise<WorkerStats>;
  /** Frees an objectURL made with `objectURLs: true`. */
  revokeObjectURL(url: string): void;
  /** Ends the client (and the worker, unless you passed your own Worker). Pending calls reject. */
  terminate(): Promise<void>;
}

export declare function createWorkerClient(options?: WorkerClientOptions): Promise<WorkerClient>;
