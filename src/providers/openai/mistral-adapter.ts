import type { ChatMessage } from "../../core/chat.js";
import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { convertOpenAiUsage } from "./convert-openai-usage.js";
import { extractMistralErrorMessage } from "./mistral-error.js";
import { mistralParameterSupport } from "./mistral-parameter-support.js";
import { toMistralToolCallId } from "./mistral-tool-call-id.js";
import { normalizeMistralBody } from "./normalize-mistral-body.js";
import type { OpenAiChatRequestBody } from "./openai-api.js";
import type { OpenAiDialect } from "./openai-dialect.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";

/**
 * Mistral's Chat Completions (`https://api.mistral.ai/v1/chat/completions`)
 * and Embeddings, close to OpenAI's but strict: any field it does not define
 * is a 422, so there is no `stream_options` (usage comes on the last chunk of
 * every stream), `seed` is `random_seed`, only tool messages carry a `name`,
 * and tool call ids are nine letters or digits. Usage reports cache reads in
 * `prompt_tokens_details.cached_tokens`, as OpenAI's does.
 */
export const mistralDialect: OpenAiDialect = {
  defaultBaseUrl: "https://api.mistral.ai/v1",
  supportsDeveloperRole: false,
  hasEmbeddings: true,
  convertUsage: convertOpenAiUsage,
  parameterSupport: mistralParameterSupport,
  convertBody: convertToMistralBody,
  // mistral-embed has one size; `output_dimension` is Mistral's name where a model has several (codestral-embed).
  convertEmbeddingBody: ({ dimensions, user: _user, ...body }) =>
    dimensions === undefined ? body : { ...body, output_dimension: dimensions },
  normalizeBody: normalizeMistralBody,
  extractErrorMessage: extractMistralErrorMessage,
};

export function createMistralAdapter(settings: ProviderSettings): ProviderAdapter {
  return createOpenAiFamilyAdapter(settings, mistralDialect);
}

function convertToMistralBody(
  { stream_options: _usageIsAlwaysSent, ...body }: OpenAiChatRequestBody,
  request: { seed?: number },
): Record<string, unknown> {
  return {
    ...body,
    messages: body.messages.map(convertToMistralMessage),
    ...(request.seed !== undefined ? { random_seed: request.seed } : {}),
  };
}

function convertToMistralMessage({ name, ...message }: ChatMessage): ChatMessage {
  const converted: ChatMessage =
    message.role === "tool" && name !== undefined ? { ...message, name } : message;
  if (converted.tool_call_id !== undefined)
    converted.tool_call_id = toMistralToolCallId(converted.tool_call_id);
  if (converted.tool_calls) {
    converted.tool_calls = converted.tool_calls.map((call) => ({
      ...call,
      id: toMistralToolCallId(call.id),
    }));
  }
  return converted;
}
