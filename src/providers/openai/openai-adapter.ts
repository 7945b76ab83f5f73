import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { openAiDialect } from "./openai-dialect.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";

/** OpenAI Chat Completions and Embeddings (`Authorization: Bearer`, base URL `https://api.openai.com/v1`). */
export function createOpenAiAdapter(settings: ProviderSettings): ProviderAdapter {
  return createOpenAiFamilyAdapter(settings, openAiDialect);
}
