import { failureCodeOf } from "../core/client-abort-error.js";
import { isGatewayError } from "../core/gateway-error.js";
import type { Attempt } from "../routing/attempt.js";
import type { Caller } from "./caller.js";
import type { ChatResult } from "./chat-types.js";
import type { FinishedRequest } from "./request-observer.js";

type RequestShape = Pick<FinishedRequest, "kind" | "modelGroup" | "stream">;

interface AnsweredResult {
  provider: string;
  model: string;
  attempts: Attempt[];
  cost_usd: number;
  usage: { input_tokens: number; output_tokens?: number; cached_input_tokens?: number };
}

/** A request that got its answer. */
export function finishedWithResult(
  caller: Caller,
  shape: RequestShape,
  result: AnsweredResult,
  latencyMs: number,
  extra: { estimated: boolean; timeToFirstTokenMs?: number; cacheHit?: boolean },
): FinishedRequest {
  return finished(caller, shape, "success", undefined, result, result.attempts, latencyMs, extra);
}

/**
 * A request that failed: refused, every provider failed, its client left, or a stream broke
 * after tokens (then the delivered part was booked and is reported here). `signal` is the call's:
 * it tells a client that left from a fault of the gateway's (`failureCodeOf`).
 */
export function finishedWithError(
  caller: Caller,
  shape: RequestShape,
  error: unknown,
  latencyMs: number,
  signal: AbortSignal,
): FinishedRequest {
  const details = isGatewayError(error) ? error.details : undefined;
  const partial = details?.partial as ChatResult | undefined;
  return finished(
    caller,
    shape,
    partial ? "partial" : "error",
    failureCodeOf(error, signal),
    partial,
    partial?.attempts ?? (details?.attempts as Attempt[] | undefined) ?? [],
    latencyMs,
    { estimated: false },
  );
}

/** One literal of a fixed shape (no spreads): it is built once per request, on the hot path. */
function finished(
  caller: Caller,
  shape: RequestShape,
  outcome: FinishedRequest["outcome"],
  errorCode: string | undefined,
  result: AnsweredResult | undefined,
  attempts: Attempt[],
  latencyMs: number,
  extra: { estimated: boolean; timeToFirstTokenMs?: number; cacheHit?: boolean },
): FinishedRequest {
  return {
    requestId: caller.requestId,
    clientRequestId: caller.clientRequestId,
    door: caller.door,
    projectId: caller.projectId,
    agentId: caller.agentId,
    kind: shape.kind,
    modelGroup: shape.modelGroup,
    stream: shape.stream,
    outcome,
    errorCode,
    provider: result?.provider,
    model: result?.model,
    attempts,
    inputTokens: result?.usage.input_tokens ?? 0,
    outputTokens: result?.usage.output_tokens ?? 0,
    cachedInputTokens: result?.usage.cached_input_tokens ?? 0,
    costUsd: result?.cost_usd ?? 0,
    cacheHit: extra.cacheHit === true,
    latencyMs,
    timeToFirstTokenMs: extra.timeToFirstTokenMs,
    estimated: extra.estimated,
    keyName: caller.principal?.keyName,
  };
}

/** What a broken stream delivered before it failed (the request explorer's answer text); null otherwise. */
export function partialTextOf(error: unknown): string | null {
  const partial = isGatewayError(error) ? (error.details?.partial as ChatResult | undefined) : undefined;
  return partial?.content ?? null;
}
