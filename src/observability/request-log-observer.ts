import type { Logger } from "pino";
import type { FinishedRequest, GatewayObserver } from "../gateway/request-observer.js";
import type { CircuitTransition } from "../routing/circuit-breaker.js";

/**
 * One structured log line per request (request id, project, agent, group,
 * provider, model, attempts, tokens, cost, latency) and per circuit
 * transition. pino writes asynchronously, so this never blocks a request.
 */
export class RequestLogObserver implements GatewayObserver {
  constructor(private readonly logger: Logger) {}

  requestFinished(request: FinishedRequest): void {
    const fields = {
      requestId: request.requestId,
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
    };
    if (request.outcome === "success") this.logger.info(fields, "request finished");
    else
      this.logger.warn(
        fields,
        `request ${request.outcome === "partial" ? "broke off" : "failed"}: ${request.errorCode}`,
      );
  }

  circuitChanged(transition: CircuitTransition): void {
    this.logger.warn(
      { deployment: transition.key, from: transition.from, to: transition.to },
      `circuit ${transition.key} ${transition.from} -> ${transition.to}: ${transition.reason}`,
    );
  }
}

function failedAttempts(request: FinishedRequest): number {
  let failed = 0;
  for (const attempt of request.attempts) if (attempt.outcome !== "success") failed++;
  return failed;
}
