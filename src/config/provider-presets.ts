import type { ProviderKind } from "../core/provider-adapter.js";

/** Where a preset kind's provider lives and which environment variables configure it. */
export interface ProviderPreset {
  /** The public endpoint, or the local server's default address; none where each account has its own (Azure). */
  defaultBaseUrl?: string;
  /** Overrides `defaultBaseUrl` when the provider entry names no `base_url`. */
  baseUrlEnv: string;
  /** The key's variable when the entry names no `api_key`; local servers need none. */
  apiKeyEnv?: string;
  /** Local servers run without a key: an entry without one is still configured (no `Authorization` sent). */
  local: boolean;
}

/**
 * Providers an entry names by `kind` alone (`providers: { groq: { kind: groq } }`):
 * base URLs from each provider's documentation, local servers at their default ports.
 */
export const providerPresets: Partial<Record<ProviderKind, ProviderPreset>> = {
  mistral: {
    defaultBaseUrl: "https://api.mistral.ai/v1",
    baseUrlEnv: "MISTRAL_BASE_URL",
    apiKeyEnv: "MISTRAL_API_KEY",
    local: false,
  },
  // Each Azure resource has its own endpoint (`https://<resource>.openai.azure.com`): no default.
  azure: {
    baseUrlEnv: "AZURE_OPENAI_ENDPOINT",
    apiKeyEnv: "AZURE_OPENAI_API_KEY",
    local: false,
  },
  groq: {
    defaultBaseUrl: "https://api.groq.com/openai/v1",
    baseUrlEnv: "GROQ_BASE_URL",
    apiKeyEnv: "GROQ_API_KEY",
    local: false,
  },
  xai: {
    defaultBaseUrl: "https://api.x.ai/v1",
    baseUrlEnv: "XAI_BASE_URL",
    apiKeyEnv: "XAI_API_KEY",
    local: false,
  },
  openrouter: {
    defaultBaseUrl: "https://openrouter.ai/api/v1",
    baseUrlEnv: "OPENROUTER_BASE_URL",
    apiKeyEnv: "OPENROUTER_API_KEY",
    local: false,
  },
  together: {
    defaultBaseUrl: "https://api.together.ai/v1",
    baseUrlEnv: "TOGETHER_BASE_URL",
    apiKeyEnv: "TOGETHER_API_KEY",
    local: false,
  },
  fireworks: {
    defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
    baseUrlEnv: "FIREWORKS_BASE_URL",
    apiKeyEnv: "FIREWORKS_API_KEY",
    local: false,
  },
  ollama: { defaultBaseUrl: "http://127.0.0.1:11434/v1", baseUrlEnv: "OLLAMA_BASE_URL", local: true },
  vllm: { defaultBaseUrl: "http://127.0.0.1:8000/v1", baseUrlEnv: "VLLM_BASE_URL", local: true },
  lmstudio: { defaultBaseUrl: "http://127.0.0.1:1234/v1", baseUrlEnv: "LMSTUDIO_BASE_URL", local: true },
};

/** Every variable the presets read, for the environment schema. */
export const presetEnvNames = Object.values(providerPresets).flatMap((preset) =>
  preset.apiKeyEnv ? [preset.apiKeyEnv, preset.baseUrlEnv] : [preset.baseUrlEnv],
);
