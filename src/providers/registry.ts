import type { ProviderAdapter, ProviderKind, ProviderSettings } from "../core/provider-adapter.js";
import { createAnthropicAdapter } from "./anthropic/anthropic-adapter.js";
import { createVertexAnthropicAdapter } from "./anthropic/vertex-anthropic-adapter.js";
import { createBedrockAdapter } from "./bedrock/bedrock-adapter.js";
import { createGoogleAdapter } from "./google/google-adapter.js";
import { createVertexGeminiAdapter } from "./google/vertex-gemini-adapter.js";
import { createAzureOpenAiAdapter } from "./openai/azure-openai-adapter.js";
import { createDeepSeekAdapter } from "./openai/deepseek-adapter.js";
import { createMistralAdapter } from "./openai/mistral-adapter.js";
import { createOpenAiAdapter } from "./openai/openai-adapter.js";
import { createOpenAiCompatibleAdapter } from "./openai/openai-compatible-adapter.js";
import { openAiPresetAdapterFactory } from "./openai/openai-compatible-presets.js";
import { createVoyageAdapter } from "./voyage/voyage-adapter.js";

const factories: Record<ProviderKind, (settings: ProviderSettings) => ProviderAdapter> = {
  anthropic: createAnthropicAdapter,
  openai: createOpenAiAdapter,
  google: createGoogleAdapter,
  deepseek: createDeepSeekAdapter,
  voyage: createVoyageAdapter,
  "openai-compatible": createOpenAiCompatibleAdapter,
  mistral: createMistralAdapter,
  bedrock: createBedrockAdapter,
  azure: createAzureOpenAiAdapter,
  groq: openAiPresetAdapterFactory("groq"),
  xai: openAiPresetAdapterFactory("xai"),
  openrouter: openAiPresetAdapterFactory("openrouter"),
  together: openAiPresetAdapterFactory("together"),
  fireworks: openAiPresetAdapterFactory("fireworks"),
  ollama: openAiPresetAdapterFactory("ollama"),
  vllm: openAiPresetAdapterFactory("vllm"),
  lmstudio: openAiPresetAdapterFactory("lmstudio"),
  vertex: createVertexGeminiAdapter,
  "vertex-anthropic": createVertexAnthropicAdapter,
};

/** One adapter per configured provider that has a key (an empty key is allowed for self-hosted servers). */
export function createProviderAdapters(
  providers: Record<string, ProviderSettings>,
): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const settings of Object.values(providers)) {
    if (settings.apiKey !== undefined) adapters.set(settings.name, factories[settings.kind](settings));
  }
  return adapters;
}
