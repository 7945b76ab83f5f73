import type { Logger } from "pino";
import type { RequestRecord, RequestStore } from "../core/request-record.js";
import type { FinishedRequest, GatewayObserver } from "../gateway/request-observer.js";

export interface RequestRecorderOptions {
  store: RequestStore;
  logger: Logger;
  /** Applied to every kept body before it is stored. */
  redact: (text: string) => string;
  /** Writes waiting past this are dropped (and counted): a slow store must not grow the heap. */
  maxQueued?: number;
  /**
   * How long the first finished request waits for others to share its write (default 100 ms): one
   * store write per window instead of one per request. Readers flush first, so they never wait for it.
   */
  batchWindowMs?: number;
  /** A window that gathers this many is written at once (default 500). */
  maxBatchSize?: number;
}

/** What the recorder did since start, for logs and tests. */
export interface RequestRecorderStats {
  recorded: number;
  /** Writes the store refused (logged). */
  failed: number;
  /** Writes dropped because the queue was full. */
  dropped: number;
}

/** With the store down every request fails to be written: one warning per this long says how many. */
const warnEveryMs = 10_000;

interface Queued {
  request: FinishedRequest;
  finishedAtMs: number;
}

/**
 * Feeds the request explorer from the observer seam. `requestFinished` only queues (no I/O, no
 * serialisation on the request's path); what a window gathered is written as one batch, in order.
 * Fails open: a store error is logged and counted, never seen by a request.
 */
export class RequestRecorder implements GatewayObserver {
  readonly #store: RequestStore;
  readonly #logger: Logger;
  readonly #redact: (text: string) => string;
  readonly #maxQueued: number;
  readonly #batchWindowMs: number;
  readonly #maxBatchSize: number;
  #queue: Queued[] = [];
  #windowTimer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  readonly #stats: RequestRecorderStats = { recorded: 0, failed: 0, dropped: 0 };
  #lastWarnedAtMs = Number.NEGATIVE_INFINITY;
  #failedSinceWarning = 0;

  constructor(options: RequestRecorderOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#redact = options.redact;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#batchWindowMs = options.batchWindowMs ?? 100;
    this.#maxBatchSize = options.maxBatchSize ?? 500;
  }

  requestFinished(request: FinishedRequest): void {
    if (this.#queue.length >= this.#maxQueued) {
      // Counted, not logged: this is already the state the store's failure warnings describe.
      this.#stats.dropped++;
      return;
    }
    this.#queue.push({ request, finishedAtMs: Date.now() });
    if (this.#draining) return; // the running drain takes what arrives meanwhile
    if (this.#queue.length >= this.#maxBatchSize) this.#startDrain();
    else this.#openWindow();
  }

  circuitChanged(): void {}

  /** Resolves once every request finished so far is written (or failed): a reader sees its own requests. */
  async flush(): Promise<void> {
    if (this.#queue.length > 0 && !this.#draining) this.#startDrain();
    while (this.#draining) await this.#draining;
  }

  stats(): RequestRecorderStats {
    return { ...this.#stats };
  }

  #openWindow(): void {
    this.#windowTimer ??= setTimeout(() => this.#startDrain(), this.#batchWindowMs).unref();
  }

  #startDrain(): void {
    clearTimeout(this.#windowTimer);
    this.#windowTimer = undefined;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // Queued between the drain's last write and now: no one else would start their window.
      if (this.#queue.length > 0) this.#openWindow();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatchSize);
      try {
        const records = batch.map(({ request, finishedAtMs }) => this.#toRecord(request, finishedAtMs));
        await this.#store.add(records, Date.now());
        this.#stats.recorded += batch.length;
      } catch (error) {
        this.#stats.failed += batch.length;
        this.#failedSinceWarning += batch.length;
        const now = Date.now();
        if (now - this.#lastWarnedAtMs >= warnEveryMs) {
          this.#logger.warn(
            {
              err: error,
              requestId: batch[0]?.request.requestId,
              failedSinceLastWarning: this.#failedSinceWarning,
            },
            "request explorer: the request store refused records (the requests themselves were not affected)",
          );
          this.#lastWarnedAtMs = now;
          this.#failedSinceWarning = 0;
        }
      }
    }
  }

  #toRecord(request: FinishedRequest, finishedAtMs: number): RequestRecord {
    const record: RequestRecord = {
      id: request.requestId,
      timeMs: finishedAtMs - request.latencyMs,
      door: request.door,
      kind: request.kind,
      projectId: request.projectId,
      agentId: request.agentId,
      modelGroup: request.modelGroup,
      attempts: request.attempts.map((attempt) => ({
        provider: attempt.provider,
        model: attempt.model,
        outcome: attempt.outcome,
        ...(attempt.error !== undefined ? { error: this.#redact(attempt.error) } : {}),
        latencyMs: attempt.latency_ms,
      })),
      inputTokens: request.inputTokens,
      outputTokens: request.outputTokens,
      cachedInputTokens: request.cachedInputTokens,
      costUsd: request.costUsd,
      latencyMs: request.latencyMs,
      status: request.outcome,
      stream: request.stream,
      cacheHit: request.cacheHit,
    };
    if (request.clientRequestId !== undefined) record.clientRequestId = request.clientRequestId;
    if (request.keyName !== undefined) record.keyName = request.keyName;
    if (request.provider !== undefined) record.provider = request.provider;
    if (request.model !== undefined) record.model = request.model;
    if (request.timeToFirstTokenMs !== undefined) record.timeToFirstTokenMs = request.timeToFirstTokenMs;
    if (request.errorCode !== undefined) record.errorCode = request.errorCode;
    if (request.requestBody !== undefined) {
      record.bodies = {
        request: this.#redact(JSON.stringify(request.requestBody)),
        answer: request.answerText ? this.#redact(request.answerText) : null,
      };
    }
    return record;
  }
}
