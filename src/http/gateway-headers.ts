import type { ServerResponse } from "node:http";
import type { ChatOutcome } from "../gateway/chat-types.js";
import { formatUsd } from "./format-usd.js";

/** Who answered a non-streamed call, and what it cost, as every HTTP door reports it. */
export function answeredHeaders(outcome: ChatOutcome): Record<string, string> {
  return {
    "x-llm-gateway-provider": outcome.result.provider,
    "x-llm-gateway-model": outcome.result.model,
    "x-llm-gateway-attempts": String(outcome.result.attempts.length),
    "x-llm-gateway-cost-usd": formatUsd(outcome.result.cost_usd),
    ...(outcome.cache ? { "x-llm-gateway-cache": outcome.cache } : {}),
  };
}

/** A stream's headers, sent once routing commits: who answers (its cost is known only at the end). */
export function committedHeaders(
  requestId: string,
  answering: { provider: string; model: string; attempts: number; cache?: "hit" | "miss" },
): Record<string, string> {
  return {
    "x-request-id": requestId,
    "x-llm-gateway-provider": answering.provider,
    "x-llm-gateway-model": answering.model,
    "x-llm-gateway-attempts": String(answering.attempts),
    ...(answering.cache ? { "x-llm-gateway-cache": answering.cache } : {}),
  };
}

/** A streamed call refused before its stream started: the door's error body with its own status. */
export function writeErrorBeforeStream(
  response: ServerResponse,
  rendered: { status: number; body: unknown; retryAfterSeconds?: number },
  headers: Record<string, string>,
): void {
  response.writeHead(rendered.status, {
    "content-type": "application/json; charset=utf-8",
    ...headers,
    ...(rendered.retryAfterSeconds !== undefined
      ? { "retry-after": String(rendered.retryAfterSeconds) }
      : {}),
  });
  response.end(JSON.stringify(rendered.body));
}
