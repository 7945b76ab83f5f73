import type { ProviderAdapter, ProviderSettings } from "../../core/provider-adapter.js";
import { type OpenAiDialect, openAiDialect } from "./openai-dialect.js";
import { createOpenAiFamilyAdapter } from "./openai-family-adapter.js";
import { openAiCompatibleParameterSupport } from "./openai-parameter-support.js";

/**
 * Any server that speaks OpenAI's API (vLLM, Ollama, OpenRouter, LM Studio).
 * The base URL comes from configuration; the key may be empty (no
 * `Authorization` header then). Most of them predate the `developer` role.
 */
export const openAiCompatibleDialect: OpenAiDialect = {
  ...openAiDialect,
  // vLLM's own default address; configuration normally names the server.
  defaultBaseUrl: "http://127.0.0.1:8000/v1",
  supportsDeveloperRole: false,
  parameterSupport: openAiCompatibleParameterSupport,
  // vLLM serves reasoning models (gpt-oss) the catalog does not flag: the server decides.
  reasoningEffortOnlyForReasoningModels: false,
};

export function createOpenAiCompatibleAdapter(settings: ProviderSettings): ProviderAdapter {
  return createOpenAiFamilyAdapter(settings, openAiCompatibleDialect);
}
