import { randomBytes } from "node:crypto";
import type { FakeProvider } from "../fake-provider.js";
import { openAiResponsesRoute } from "./fake-openai-responses.js";
import { openAiRefusalOf } from "./openai-request-checks.js";
import { createOpenAiStyleFake, type OpenAiStyleFlavor, openAiStyleReplies } from "./openai-style-fake.js";

/**
 * OpenAI's API under `/v1`: Chat Completions (streamed with
 * `stream_options.include_usage` honoured), Embeddings (float or base64) and
 * the Responses API (fake-openai-responses.ts).
 */
export const openAiFlavor: OpenAiStyleFlavor = {
  chatPath: /^\/v1\/chat\/completions$/,
  chatQueuePath: "/v1/chat/completions",
  embeddingsPath: "/v1/embeddings",
  extraRoutes: [openAiResponsesRoute],
  basePath: "/v1",
  scriptedModel: "gpt-4.1-2025-04-14",
  newCompletionId: () => `chatcmpl-${randomBytes(15).toString("base64url")}`,
  usage: (usage) => ({
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }),
  usageOnFinishChunk: false,
  errorLabels: openAiErrorLabels,
  headers: () => ({ "x-request-id": `req_${randomBytes(16).toString("hex")}` }),
  refusalOf: openAiRefusalOf,
};

export const openAiReplies = openAiStyleReplies(openAiFlavor);

export function createFakeOpenAi(): Promise<FakeProvider> {
  return createOpenAiStyleFake(openAiFlavor);
}

/** platform.openai.com/docs/guides/error-codes: everything 4xx but 429 is an `invalid_request_error`. */
function openAiErrorLabels(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: "invalid_request_error", code: "invalid_api_key" };
  if (status === 404) return { type: "invalid_request_error", code: "model_not_found" };
  if (status === 429) return { type: "requests", code: "rate_limit_exceeded" };
  if (status >= 500) return { type: "server_error", code: null };
  return { type: "invalid_request_error", code: null };
}
