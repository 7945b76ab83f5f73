import type { ProviderAdapter, ProviderKind, ProviderSettings } from "../core/provider-adapter.js";
import type { OpenAiPresetKind } from "./openai/openai-compatible-presets.js";

type AdapterFactory = (settings: ProviderSettings) => ProviderAdapter;

/**
 * Each kind's adapter, its modules (wire schemas, converters, cloud auth) imported when a provider of
 * that kind is configured: a start loads no code for the providers it will not call (issue 21).
 */
const factories: Record<ProviderKind, () => Promise<AdapterFactory>> = {
  anthropic: async () => (await import("./anthropic/anthropic-adapter.js")).createAnthropicAdapter,
  openai: async () => (await import("./openai/openai-adapter.js")).createOpenAiAdapter,
  google: async () => (await import("./google/google-adapter.js")).createGoogleAdapter,
  deepseek: async () => (await import("./openai/deepseek-adapter.js")).createDeepSeekAdapter,
  voyage: async () => (await import("./voyage/voyage-adapter.js")).createVoyageAdapter,
  "openai-compatible": async () =>
    (await import("./openai/openai-compatible-adapter.js")).createOpenAiCompatibleAdapter,
  mistral: async () => (await import("./openai/mistral-adapter.js")).createMistralAdapter,
  bedrock: async () => (await import("./bedrock/bedrock-adapter.js")).createBedrockAdapter,
  azure: async () => (await import("./openai/azure-openai-adapter.js")).createAzureOpenAiAdapter,
  groq: () => openAiPreset("groq"),
  xai: () => openAiPreset("xai"),
  openrouter: () => openAiPreset("openrouter"),
  together: () => openAiPreset("together"),
  fireworks: () => openAiPreset("fireworks"),
  ollama: () => openAiPreset("ollama"),
  vllm: () => openAiPreset("vllm"),
  lmstudio: () => openAiPreset("lmstudio"),
  vertex: async () => (await import("./google/vertex-gemini-adapter.js")).createVertexGeminiAdapter,
  "vertex-anthropic": async () =>
    (await import("./anthropic/vertex-anthropic-adapter.js")).createVertexAnthropicAdapter,
};

async function openAiPreset(kind: OpenAiPresetKind): Promise<AdapterFactory> {
  return (await import("./openai/openai-compatible-presets.js")).openAiPresetAdapterFactory(kind);
}

/** One adapter per configured provider that has a key (an empty key is allowed for self-hosted servers). */
export async function createProviderAdapters(
  providers: Record<string, ProviderSettings>,
): Promise<Map<string, ProviderAdapter>> {
  const adapters = new Map<string, ProviderAdapter>();
  for (const settings of Object.values(providers)) {
    if (settings.apiKey !== undefined) {
      adapters.set(settings.name, (await factories[settings.kind]())(settings));
    }
  }
  return adapters;
}
