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
 * serialisation on the request's path); one drain loop writes in order. Fails open: a store
 * error is logged and counted, never seen by a request.
 */
export class RequestRecorder implements GatewayObserver {
  readonly #store: RequestStore;
  readonly #logger: Logger;
  readonly #redact: (text: string) => string;
  readonly #maxQueued: number;
  #queue: Queued[] = [];
  #draining: Promise<void> | undefined;
  readonly #stats: RequestRecorderStats = { recorded: 0, failed: 0, dropped: 0 };
  #lastWarnedAtMs = Number.NEGATIVE_INFINITY;
  #failedSinceWarning = 0;

  constructor(options: RequestRecorderOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#redact = options.redact;
    this.#maxQueued = options.maxQueued ?? 10_000;
  }

  requestFinished(request: FinishedRequest): void {
    if (this.#queue.length >= this.#maxQueued) {
      // Counted, not logged: this is already the state the store's failure warnings describe.
      this.#stats.dropped++;
      return;
    }
    this.#queue.push({ request, finishedAtMs: Date.now() });
    this.#draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain());
  }

  circuitChanged(): void {}

  /** Resolves once every request finished so far is written (or failed): a reader sees its own requests. */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  stats(): RequestRecorderStats {
    return { ...this.#stats };
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      for (const { request, finishedAtMs } of batch) {
        try {
          await this.#store.add(this.#toRecord(request, finishedAtMs), Date.now());
          this.#stats.recorded++;
        } catch (error) {
          this.#stats.failed++;
          this.#failedSinceWarning++;
          const now = Date.now();
          if (now - this.#lastWarnedAtMs >= warnEveryMs) {
            this.#logger.warn(
              { err: error, requestId: request.requestId, failedSinceLastWarning: this.#failedSinceWarning },
              "request explorer: the request store refused records (the requests themselves were not affected)",
            );
            this.#lastWarnedAtMs = now;
            this.#failedSinceWarning = 0;
          }
        }
      }
    }
    this.#draining = undefined;
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
