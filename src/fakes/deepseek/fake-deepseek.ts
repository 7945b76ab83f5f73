import { randomUUID } from "node:crypto";
import type { FakeProvider } from "../fake-provider.js";
import { jsonModeRefusal } from "../openai/openai-request-checks.js";
import {
  createOpenAiStyleFake,
  type OpenAiStyleFlavor,
  openAiStyleReplies,
} from "../openai/openai-style-fake.js";

/**
 * DeepSeek's OpenAI-style API at the root (and under `/v1`, which it also
 * serves): `reasoning_content` from `deepseek-reasoner`, prompt-cache
 * hit/miss usage, usage on the finish chunk of every stream, UUID ids.
 */
export const deepSeekFlavor: OpenAiStyleFlavor = {
  chatPath: /^(\/v1)?\/chat\/completions$/,
  chatQueuePath: "/chat/completions",
  basePath: "",
  scriptedModel: "deepseek-chat",
  newCompletionId: () => randomUUID(),
  // api-docs.deepseek.com/api/create-chat-completion: hit + miss = prompt_tokens.
  usage: (usage) => {
    const hit = usage.cachedInputTokens ?? 0;
    return {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      prompt_tokens_details: { cached_tokens: hit },
      ...(usage.reasoningTokens !== undefined
        ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }
        : {}),
      prompt_cache_hit_tokens: hit,
      prompt_cache_miss_tokens: usage.inputTokens - hit,
    };
  },
  usageOnFinishChunk: true,
  errorLabels: deepSeekErrorLabels,
  headers: () => ({}),
  defaultReasoning: (model) =>
    model.includes("reasoner") ? `The user greets ${model}. A short greeting answers it.` : undefined,
  refusalOf: deepSeekRefusalOf,
};

/** DeepSeek's JSON mode is `json_object` only (api-docs.deepseek.com/guides/json_mode). */
function deepSeekRefusalOf(body: Record<string, unknown>): string | undefined {
  const format = body.response_format as { type?: unknown } | undefined;
  if (format && format.type !== "text" && format.type !== "json_object") {
    return "This response_format type is unavailable now";
  }
  return jsonModeRefusal(body);
}

export const deepSeekReplies = openAiStyleReplies(deepSeekFlavor);

export function createFakeDeepSeek(): Promise<FakeProvider> {
  return createOpenAiStyleFake(deepSeekFlavor);
}

/**
 * DeepSeek's envelope is OpenAI's. Its 401 is recorded as
 * `{type: "authentication_error", code: "invalid_request_error"}`; the other
 * statuses (api-docs.deepseek.com/quick_start/error_codes) follow that pattern.
 */
function deepSeekErrorLabels(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: "authentication_error", code: "invalid_request_error" };
  if (status === 402) return { type: "unknown_error", code: "invalid_request_error" };
  if (status === 429) return { type: "rate_limit_error", code: "rate_limit_exceeded" };
  if (status >= 500) return { type: "api_error", code: "server_error" };
  return { type: "invalid_request_error", code: "invalid_request_error" };
}
