import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { openAiDialect } from "./openai-dialect.js";
import { extractOpenAiErrorMessage } from "./openai-error.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";
import { withNativeResponses } from "./with-native-responses.js";

/**
 * OpenAI Chat Completions and Embeddings (`Authorization: Bearer`, base URL
 * `https://api.openai.com/v1`), plus the Responses API natively at `{baseUrl}/responses`.
 */
export function createOpenAiAdapter(settings: ProviderSettings): ProviderAdapter {
  const headers: Record<string, string> = settings.apiKey
    ? { authorization: `Bearer ${settings.apiKey}` }
    : {};
  return withNativeResponses(createOpenAiFamilyAdapter(settings, openAiDialect), {
    provider: settings.name,
    url: `${(settings.baseUrl || openAiDialect.defaultBaseUrl).replace(/\/+$/, "")}/responses`,
    timeouts: settings.timeouts,
    headers: () => headers,
    extractErrorMessage: extractOpenAiErrorMessage,
  });
}
