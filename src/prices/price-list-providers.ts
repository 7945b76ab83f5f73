import type { ProviderKind } from "../core/provider-adapter.js";
import type { PriceListSource } from "./price-list.js";

/**
 * Which of a list's providers prices the models of each of our provider kinds: LiteLLM's
 * `litellm_provider` values and models.dev's provider ids. Self-hosted kinds (Ollama, vLLM,
 * LM Studio, a custom OpenAI-compatible server) have no list price; models.dev has no Voyage.
 */
export const priceListProviderIds: Record<PriceListSource, Partial<Record<ProviderKind, string>>> = {
  litellm: {
    anthropic: "anthropic",
    openai: "openai",
    google: "gemini",
    deepseek: "deepseek",
    voyage: "voyage",
    mistral: "mistral",
    groq: "groq",
    xai: "xai",
    openrouter: "openrouter",
    together: "together_ai",
    fireworks: "fireworks_ai",
  },
  "models.dev": {
    anthropic: "anthropic",
    openai: "openai",
    google: "google",
    deepseek: "deepseek",
    mistral: "mistral",
    groq: "groq",
    xai: "xai",
    openrouter: "openrouter",
    together: "togetherai",
    fireworks: "fireworks-ai",
  },
};
