import type { Attributes } from "@opentelemetry/api";
import type { FinishedRequest } from "../../gateway/request-observer.js";

/** `gen_ai.provider.name` well-known values by provider kind; a custom OpenAI-compatible provider keeps its name. */
const providerNames: Record<string, string> = {
  anthropic: "anthropic",
  openai: "openai",
  google: "gcp.gemini",
  deepseek: "deepseek",
  voyage: "voyage",
};

export function genAiProviderName(kind: string | undefined, provider: string): string {
  return (kind && providerNames[kind]) || provider;
}

/**
 * What a request body says before any provider is called (GenAI semantic
 * conventions): the model asked for and the sampling parameters; the
 * messages only when content capture is opted in.
 */
export function requestBodyAttributes(body: Record<string, unknown>, captureContent: boolean): Attributes {
  const attributes: Attributes = {};
  if (typeof body.model === "string") attributes["gen_ai.request.model"] = body.model;
  const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens;
  if (typeof maxTokens === "number") attributes["gen_ai.request.max_tokens"] = maxTokens;
  if (typeof body.temperature === "number") attributes["gen_ai.request.temperature"] = body.temperature;
  if (typeof body.top_p === "number") attributes["gen_ai.request.top_p"] = body.top_p;
  if (captureContent) {
    const system = body.system ?? body.instructions;
    if (system !== undefined) attributes["gen_ai.system_instructions"] = JSON.stringify(system);
    const messages = body.messages ?? body.input;
    if (messages !== undefined) attributes["gen_ai.input.messages"] = JSON.stringify(messages);
  }
  return attributes;
}

/** What the gateway knows once it booked the request: who, which deployment answered, tokens, cost. */
export function finishedRequestAttributes(
  finished: FinishedRequest,
  resolved: { providerKind: string | undefined; responseModel: string | undefined },
): Attributes {
  const called = finished.attempts.filter((attempt) => !attempt.outcome.startsWith("skipped"));
  const attributes: Attributes = {
    "gen_ai.operation.name": finished.kind === "embedding" ? "embeddings" : "chat",
    "gen_ai.usage.input_tokens": finished.inputTokens,
    "gen_ai.usage.output_tokens": finished.outputTokens,
    "llm_gateway.door": finished.door,
    "llm_gateway.project_id": finished.projectId,
    "llm_gateway.agent_id": finished.agentId,
    "llm_gateway.outcome": finished.outcome,
    "llm_gateway.stream": finished.stream,
    "llm_gateway.cost_usd": finished.costUsd,
    "llm_gateway.cost_estimated": finished.estimated,
    "llm_gateway.cache_hit": finished.cacheHit,
    "llm_gateway.attempts": called.length,
    "llm_gateway.failover": new Set(called.map((a) => `${a.provider}/${a.model}`)).size > 1,
    "llm_gateway.latency_ms": finished.latencyMs,
  };
  if (finished.modelGroup !== null) attributes["llm_gateway.model_group"] = finished.modelGroup;
  if (finished.cachedInputTokens > 0)
    attributes["gen_ai.usage.cache_read.input_tokens"] = finished.cachedInputTokens;
  if (finished.provider !== undefined)
    attributes["gen_ai.provider.name"] = genAiProviderName(resolved.providerKind, finished.provider);
  if (finished.model !== undefined) {
    attributes["llm_gateway.model"] = finished.model;
    attributes["gen_ai.response.model"] = resolved.responseModel ?? finished.model;
  }
  if (finished.timeToFirstTokenMs !== undefined)
    attributes["llm_gateway.time_to_first_token_ms"] = finished.timeToFirstTokenMs;
  if (finished.clientRequestId !== undefined)
    attributes["llm_gateway.client_request_id"] = finished.clientRequestId;
  // Why it failed over: each failed attempt's reason, in order.
  const failures = called
    .filter((a) => a.outcome !== "success")
    .map((a) => `${a.provider}/${a.model}: ${a.error ?? a.outcome}`);
  if (failures.length > 0) attributes["llm_gateway.failover_reasons"] = failures;
  return attributes;
}
