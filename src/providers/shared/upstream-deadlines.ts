import type { ProviderTimeouts } from "../../core/provider-adapter.js";

/** Why an upstream call was stopped by one of its own deadlines; `code` is what `mapNetworkError` reads. */
export class UpstreamDeadlineError extends Error {
  constructor(
    readonly code: "GW_FIRST_BYTE_TIMEOUT" | "GW_IDLE_TIMEOUT",
    message: string,
  ) {
    super(message);
    this.name = "UpstreamDeadlineError";
  }
}

/**
 * The first-byte and idle deadlines of one upstream call, on ordinary timers
 * that abort the call through its signal. undici's own `headersTimeout` and
 * `bodyTimeout` run on a one-second timer wheel: a 600 ms timeout fired after
 * 814-999 ms. The idle timer only runs while the call waits for the provider,
 * so a caller reading slowly (backpressure) is not taken for a silent provider.
 */
export class UpstreamDeadlines {
  readonly signal: AbortSignal;
  /** Set once a deadline fired: the error to report instead of the abort undici throws. */
  expired: UpstreamDeadlineError | undefined;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    callerSignal: AbortSignal,
    private readonly timeouts: ProviderTimeouts,
  ) {
    this.signal = AbortSignal.any([callerSignal, this.controller.signal]);
  }

  /** Until the response headers: for a non-streamed call, the whole generation. */
  awaitFirstByte(awaitingWholeAnswer: boolean): void {
    const ms = awaitingWholeAnswer ? this.timeouts.answerMs : this.timeouts.firstByteMs;
    this.arm(new UpstreamDeadlineError("GW_FIRST_BYTE_TIMEOUT", `no response within ${ms} ms`), ms);
  }

  /** Waiting for the next body chunk. */
  awaitChunk(): void {
    const ms = this.timeouts.idleMs;
    this.arm(new UpstreamDeadlineError("GW_IDLE_TIMEOUT", `no data for ${ms} ms`), ms);
  }

  /** Not waiting for the provider (a chunk arrived, or the call ended). */
  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The body, with the idle deadline running while each chunk is awaited. */
  async *watch<T>(body: AsyncIterable<T>): AsyncGenerator<T> {
    const iterator = body[Symbol.asyncIterator]();
    try {
      for (;;) {
        this.awaitChunk();
        let next: IteratorResult<T>;
        try {
          next = await iterator.next();
        } catch (error) {
          throw this.expired ?? error;
        }
        this.pause();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      this.pause();
      await iterator.return?.().catch(() => undefined);
    }
  }

  private arm(error: UpstreamDeadlineError, ms: number): void {
    this.pause();
    this.timer = setTimeout(() => {
      this.expired = error;
      this.controller.abort(error);
    }, ms);
  }
}
