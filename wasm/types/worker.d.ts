// imagegate/worker: createClient()'s API with the wasm core and the transport in a module Worker.
import type { Client, ClientOptions, ChatCompletionStream, ChatParams, StreamOptions } from './index.js';

export {
  ImagegateError, ValidationError, Base64DecodeError, DataUrlError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError,
  InternalServerError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InvalidResponseError,
} from './index.js';

export { providerOptionsKey, modelCapabilities, checkCapabilities, estimateCost, closestModel } from './index.js';

export interface WorkerClientOptions extends Omit<ClientOptions, 'fetch'> {
  /**
   * The Worker to run in: a module Worker of your own whose script imports 'imagegate/worker/host', or the URL of
   * such a script. Default: the package's worker script (new URL(…, import.meta.url), found by Vite and webpack 5).
   */
  worker?: Worker | URL | string;
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
}

export interface WorkerClient extends Omit<Client, 'chat'> {
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
  /** Ends the client (and the worker, unless you passed your own Worker). Pending calls reject. */
  terminate(): Promise<void>;
}

export declare function createWorkerClient(options?: WorkerClientOptions): Promise<WorkerClient>;
