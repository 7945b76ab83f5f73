import { type Dispatcher, errors, util } from "undici";

/** Chunks held before the socket is paused: far above any provider's event, far below memory concerns. */
const defaultHighWaterBytes = 1 << 20;

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
  body: string;
  dispatcher: Dispatcher;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  /** The body's chunks, taken from the socket as they arrive (see `UpstreamBody`). */
  body: AsyncIterable<Uint8Array>;
}

/**
 * POSTs through undici's dispatcher with a handler of our own, which resolves at the response
 * headers. `request()` would wrap the body in a Node Readable with its own events and buffering
 * and then be read through listeners added here; its CPU and allocations per call showed in the
 * gateway's profile, on the path of every provider call.
 */
export function dispatchUpstream(
  call: UpstreamCall,
  highWaterBytes = defaultHighWaterBytes,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const { origin, path } = originAndPath(call.url);
    const body = new UpstreamBody(call.signal, highWaterBytes, resolve, reject);
    call.dispatcher.dispatch({ origin, path, method: "POST", headers: call.headers, body: call.body }, body);
  });
}

/**
 * An upstream body read from the moment its headers arrive, its chunks queued here until asked for.
 *
 * A provider cutting its stream must not cost the chunks it did deliver: a reader behind the
 * socket gets every chunk, then the error (with `request()`, undici destroyed a cut body and its
 * stream iterator skipped what it still held: a partial answer read as a connection failure).
 * Backpressure holds: past `highWaterBytes` queued the socket is paused until the reader catches up.
 */
class UpstreamBody implements Dispatcher.DispatchHandler, AsyncIterable<Uint8Array> {
  readonly #chunks: Uint8Array[] = [];
  #queuedBytes = 0;
  #ended = false;
  #failure: { error: Error } | undefined;
  #wake: (() => void) | undefined;
  #abortRequest: ((error: Error) => void) | undefined;
  #resumeSocket: (() => void) | undefined;
  #paused = false;
  #responded = false;
  readonly #onAbort = () => this.#abortRequest?.(this.signal.reason ?? new errors.RequestAbortedError());

  constructor(
    private readonly signal: AbortSignal,
    private readonly highWaterBytes: number,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abortRequest = abort;
    if (this.signal.aborted) this.#onAbort();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // informational: the answer's own headers follow
    this.#resumeSocket = resume;
    this.#responded = true;
    this.resolve({ statusCode, headers: util.parseHeaders(rawHeaders), body: this });
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    this.#notify();
    if (this.#queuedBytes < this.highWaterBytes) return true;
    this.#paused = true;
    return false;
  }

  onComplete(): void {
    this.#ended = true;
    this.#settle();
  }

  onError(error: Error): void {
    if (!this.#responded) this.reject(error);
    this.#failure ??= { error };
    this.#settle();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const chunk = this.#chunks.shift();
        if (chunk !== undefined) {
          this.#queuedBytes -= chunk.byteLength;
          if (this.#paused && this.#queuedBytes < this.highWaterBytes) {
            this.#paused = false;
            this.#resumeSocket?.();
          }
          yield chunk;
        } else if (this.#failure) {
          throw this.#failure.error;
        } else if (this.#ended) {
          return;
        } else {
          await new Promise<void>((wake) => {
            this.#wake = wake;
          });
        }
      }
    } finally {
      // A reader that stops early frees the socket, as destroying `request()`'s body did.
      if (!this.#ended && !this.#failure) this.#abortRequest?.(new errors.RequestAbortedError());
    }
  }

  #settle(): void {
    this.signal.removeEventListener("abort", this.#onAbort);
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const parsedUrls = new Map<string, { origin: string; path: string }>();
const maxParsedUrls = 1024;

/** A provider's few URLs, parsed once each. */
function originAndPath(url: string): { origin: string; path: string } {
  let parsed = parsedUrls.get(url);
  if (parsed === undefined) {
    const { origin, pathname, search } = new URL(url);
    parsed = { origin, path: `${pathname}${search}` };
    if (parsedUrls.size >= maxParsedUrls) parsedUrls.clear();
    parsedUrls.set(url, parsed);
  }
  return parsed;
}
