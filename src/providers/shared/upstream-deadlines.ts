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
  /**
   * One timer per call, re-armed with `refresh()` for each chunk: a new
   * timer (and a new Error with its stack) per chunk cost the streamed path
   * measurable CPU. `waitingFor` says whether a firing counts.
   */
  private timer: NodeJS.Timeout | undefined;
  private timerMs = 0;
  private waitingFor: UpstreamDeadlineError["code"] | undefined;

  constructor(
    callerSignal: AbortSignal,
    private readonly timeouts: ProviderTimeouts,
  ) {
    // Linked by hand: AbortSignal.any costs far more per call on Node 20. The caller's signal lives
    // for one request, so its listener goes with it.
    this.signal = this.controller.signal;
    if (callerSignal.aborted) this.controller.abort(callerSignal.reason);
    else
      callerSignal.addEventListener("abort", () => this.controller.abort(callerSignal.reason), {
        once: true,
      });
  }

  /** Until the response headers: for a non-streamed call, the whole generation. */
  awaitFirstByte(awaitingWholeAnswer: boolean): void {
    this.arm(
      "GW_FIRST_BYTE_TIMEOUT",
      awaitingWholeAnswer ? this.timeouts.answerMs : this.timeouts.firstByteMs,
    );
  }

  /** Waiting for the next body chunk. */
  awaitChunk(): void {
    this.arm("GW_IDLE_TIMEOUT", this.timeouts.idleMs);
  }

  /** Not waiting for the provider (a chunk arrived). */
  pause(): void {
    this.waitingFor = undefined;
  }

  /** The call is over: no deadline can fire any more. */
  stop(): void {
    this.waitingFor = undefined;
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
      this.stop();
      await iterator.return?.().catch(() => undefined);
    }
  }

  private arm(code: UpstreamDeadlineError["code"], ms: number): void {
    this.waitingFor = code;
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    clearTimeout(this.timer);
    this.timerMs = ms;
    // Unreferenced: a paused timer left pending must not hold the process open.
    this.timer = setTimeout(() => this.fire(), ms).unref();
  }

  private fire(): void {
    const code = this.waitingFor;
    if (code === undefined) return;
    const ms = this.timerMs;
    const error = new UpstreamDeadlineError(
      code,
      code === "GW_FIRST_BYTE_TIMEOUT" ? `no response within ${ms} ms` : `no data for ${ms} ms`,
    );
    this.expired = error;
    this.controller.abort(error);
  }
}
