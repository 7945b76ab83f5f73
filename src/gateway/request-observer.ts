import type { Door } from "../core/usage-record.js";
import type { Attempt } from "../routing/attempt.js";
import type { CircuitTransition } from "../routing/circuit-breaker.js";

/** One spending request as it ended, for logs, metrics and the dashboard's activity feed. */
export interface FinishedRequest {
  requestId: string;
  /** The client's own request id, when it sent one. */
  clientRequestId?: string;
  door: Door;
  kind: "chat" | "embedding";
  projectId: string;
  agentId: string;
  /** The group asked for; null when a concrete model was. */
  modelGroup: string | null;
  stream: boolean;
  outcome: "success" | "partial" | "error";
  /** GW_ERR_* when the request failed. */
  errorCode?: string;
  /** The deployment that answered (also for a partial stream). */
  provider?: string;
  model?: string;
  attempts: Attempt[];
  latencyMs: number;
  timeToFirstTokenMs?: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
  estimated: boolean;
  /** Answered from the response cache: `provider` and `model` made the answer once, no provider was called now. */
  cacheHit: boolean;
  /** The client key's name (`Principal.keyName`), never its secret; absent without client keys. */
  keyName?: string;
  /** The request's messages (chat) or inputs (embeddings), by reference: set only when bodies are kept (`LLM_GATEWAY_REQUEST_BODIES`). */
  requestBody?: unknown;
  /** The answer's text (null: none, e.g. tool calls only): set only when bodies are kept. */
  answerText?: string | null;
}

/** Watches the gateway: every implementation must be cheap and must never throw. */
export interface GatewayObserver {
  requestFinished(request: FinishedRequest): void;
  circuitChanged(transition: CircuitTransition): void;
}

/** Fans events out to several observers. */
export class ObserverList implements GatewayObserver {
  constructor(private readonly observers: GatewayObserver[]) {}

  requestFinished(request: FinishedRequest): void {
    for (const observer of this.observers) observer.requestFinished(request);
  }

  circuitChanged(transition: CircuitTransition): void {
    for (const observer of this.observers) observer.circuitChanged(transition);
  }
}
