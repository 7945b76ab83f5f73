import type { Logger } from "pino";
import type { FinishedRequest, GatewayObserver } from "../gateway/request-observer.js";
import type { CircuitTransition } from "../routing/circuit-breaker.js";

/** An HTTP request as it was answered, for its log line. */
export interface HttpExchange {
  requestId: string;
  clientRequestId?: string;
  method: string;
  route: string;
  status: number;
  /** GW_ERR_* of a refusal or failure. */
  errorCode?: string;
  /** The client went away before the answer was complete. */
  clientClosed: boolean;
}

type LogFields = Record<string, unknown>;

/**
 * One structured log line per request and per circuit transition; pino
 * writes asynchronously, so this never blocks a request. A spending request
 * (request id, client's request id, project, agent, group, provider, model,
 * attempts, tokens, cost, latency) that came over HTTP is logged once its
 * HTTP answer is done, in the same line as its status; every other HTTP
 * request that was refused or failed (401, 403, 404, 400, 413, 429, 503)
 * gets its own line with status and error code. Expected failures (every
 * provider failed, a refusal) are warn or info lines without a stack trace.
 */
export class RequestLogObserver implements GatewayObserver {
  /** HTTP requests in progress, by the gateway's request id: the spending line waiting for its status. */
  readonly #open = new Map<string, { fields: LogFields; failed: boolean; message: string } | undefined>();

  constructor(private readonly logger: Logger) {}

  /** Called by the HTTP door when a request arrives; `httpAnswered` must follow. */
  httpStarted(requestId: string): void {
    this.#open.set(requestId, undefined);
  }

  /** Called by the HTTP door once the answer is done (or the client went away). */
  httpAnswered(exchange: HttpExchange): void {
    const spending = this.#open.get(exchange.requestId);
    this.#open.delete(exchange.requestId);
    const http = {
      status: exchange.status,
      method: exchange.method,
      route: exchange.route,
      ...(exchange.clientClosed ? { clientClosed: true } : {}),
    };
    if (spending !== undefined) {
      this.#write(spending.failed, { ...spending.fields, ...http }, spending.message);
      return;
    }
    if (exchange.status < 400) return;
    const fields = {
      requestId: exchange.requestId,
      clientRequestId: exchange.clientRequestId,
      ...http,
      errorCode: exchange.errorCode ?? fallbackErrorCode(exchange.status),
    };
    this.#write(exchange.status >= 500, fields, `request refused: ${exchange.status} ${fields.errorCode}`);
  }

  requestFinished(request: FinishedRequest): void {
    const fields = {
      requestId: request.requestId,
      clientRequestId: request.clientRequestId,
      door: request.door,
      kind: request.kind,
      project: request.projectId,
      agent: request.agentId,
      group: request.modelGroup,
      provider: request.provider,
      model: request.model,
      stream: request.stream,
      outcome: request.outcome,
      errorCode: request.errorCode,
      attempts: request.attempts.length,
      failedAttempts: failedAttempts(request),
      inputTokens: request.inputTokens,
      outputTokens: request.outputTokens,
      cachedInputTokens: request.cachedInputTokens,
      costUsd: request.costUsd,
      latencyMs: request.latencyMs,
      ttftMs: request.timeToFirstTokenMs,
      estimated: request.estimated || undefined,
      cache: request.cacheHit ? "hit" : undefined,
    };
    const failed = request.outcome !== "success";
    const message = failed
      ? `request ${request.outcome === "partial" ? "broke off" : "failed"}: ${request.errorCode}`
      : "request finished";
    if (this.#open.has(request.requestId)) this.#open.set(request.requestId, { fields, failed, message });
    else this.#write(failed, fields, message);
  }

  #write(failed: boolean, fields: LogFields, message: string): void {
    if (failed) this.logger.warn(fields, message);
    else this.logger.info(fields, message);
  }

  circuitChanged(transition: CircuitTransition): void {
    this.logger.warn(
      { deployment: transition.key, from: transition.from, to: transition.to },
      `circuit ${transition.key} ${transition.from} -> ${transition.to}: ${transition.reason}`,
    );
  }
}

/** For answers written outside the doors' error renderers (the MCP door's own 400/413, say). */
function fallbackErrorCode(status: number): string {
  if (status === 401) return "GW_ERR_UNAUTHORIZED";
  return status >= 500 ? "GW_ERR_INTERNAL" : "GW_ERR_INVALID_REQUEST";
}

function failedAttempts(request: FinishedRequest): number {
  let failed = 0;
  for (const attempt of request.attempts) if (attempt.outcome !== "success") failed++;
  return failed;
}
