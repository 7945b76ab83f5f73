import type { ModelSpec } from "../core/model-catalog.js";

type DefaultModel = Omit<ModelSpec, "name" | "pricing"> & {
  /** USD per million tokens: input, output, cached input, cache write (5 min), cache write (1 h). */
  usdPerMtok: [number, number, number, number?, number?];
};

/**
 * The default model catalog. List prices in USD per 1M tokens, taken on
 * 2026-11-24 from the providers' pricing pages (anthropic.com/pricing,
 * openai.com/api/pricing, ai.google.dev/gemini-api/docs/pricing,
 * api-docs.deepseek.com/quick_start/pricing, docs.voyageai.com/docs/pricing).
 * Gemini 2.5 Pro's prices are its <=200k-token-prompt tier. DeepSeek serves its
 * coder through `deepseek-chat` since V2.5 merged the two, so that is the id.
 */
const defaults: Record<string, DefaultModel> = {
  "claude-opus-4-5": {
    kind: "chat",
    provider: "anthropic",
    providerModelId: "claude-opus-4-5",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    usdPerMtok: [5, 25, 0.5, 6.25, 10],
  },
  "claude-sonnet-4": {
    kind: "chat",
    provider: "anthropic",
    providerModelId: "claude-sonnet-4-0",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    usdPerMtok: [3, 15, 0.3, 3.75, 6],
  },
  "claude-haiku": {
    kind: "chat",
    provider: "anthropic",
    providerModelId: "claude-haiku-4-5",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    usdPerMtok: [1, 5, 0.1, 1.25, 2],
  },
  "gpt-4.1": {
    kind: "chat",
    provider: "openai",
    providerModelId: "gpt-4.1",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    usdPerMtok: [2, 8, 0.5],
  },
  "gpt-4.1-mini": {
    kind: "chat",
    provider: "openai",
    providerModelId: "gpt-4.1-mini",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    usdPerMtok: [0.4, 1.6, 0.1],
  },
  "gpt-4o": {
    kind: "chat",
    provider: "openai",
    providerModelId: "gpt-4o",
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    usdPerMtok: [2.5, 10, 1.25],
  },
  o3: {
    kind: "chat",
    provider: "openai",
    providerModelId: "o3",
    contextWindow: 200_000,
    maxOutputTokens: 100_000,
    usdPerMtok: [2, 8, 0.5],
    usesMaxCompletionTokens: true,
  },
  "gemini-2.5-pro": {
    kind: "chat",
    provider: "google",
    providerModelId: "gemini-2.5-pro",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    usdPerMtok: [1.25, 10, 0.125],
  },
  "gemini-flash": {
    kind: "chat",
    provider: "google",
    providerModelId: "gemini-2.5-flash",
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    usdPerMtok: [0.3, 2.5, 0.03],
  },
  "deepseek-coder": {
    kind: "chat",
    provider: "deepseek",
    providerModelId: "deepseek-chat",
    contextWindow: 128_000,
    maxOutputTokens: 8_192,
    usdPerMtok: [0.28, 0.42, 0.028],
  },
  "text-embedding-3-large": {
    kind: "embedding",
    provider: "openai",
    providerModelId: "text-embedding-3-large",
    contextWindow: 8_191,
    maxOutputTokens: 0,
    usdPerMtok: [0.13, 0, 0],
  },
  "voyage-3": {
    kind: "embedding",
    provider: "voyage",
    providerModelId: "voyage-3",
    contextWindow: 32_000,
    maxOutputTokens: 0,
    usdPerMtok: [0.06, 0, 0],
  },
  "gemini-embedding": {
    kind: "embedding",
    provider: "google",
    providerModelId: "gemini-embedding-001",
    contextWindow: 2_048,
    maxOutputTokens: 0,
    usdPerMtok: [0.15, 0, 0],
  },
};

export function usdToMicroUsd(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function defaultCatalog(): Record<string, ModelSpec> {
  const catalog: Record<string, ModelSpec> = {};
  for (const [name, { usdPerMtok, ...spec }] of Object.entries(defaults)) {
    const [input, output, cachedInput, cacheWrite, cacheWrite1h] = usdPerMtok;
    catalog[name] = {
      name,
      ...spec,
      pricing: {
        inputMicroUsdPerMtok: usdToMicroUsd(input),
        outputMicroUsdPerMtok: usdToMicroUsd(output),
        cachedInputMicroUsdPerMtok: usdToMicroUsd(cachedInput),
        cacheWriteMicroUsdPerMtok: usdToMicroUsd(cacheWrite ?? input),
        ...(cacheWrite1h !== undefined ? { cacheWrite1hMicroUsdPerMtok: usdToMicroUsd(cacheWrite1h) } : {}),
      },
    };
  }
  return catalog;
}

export const defaultModelGroups: Record<string, string[]> = {
  reasoning: ["claude-opus-4-5", "gpt-4.1", "gemini-2.5-pro"],
  code: ["claude-sonnet-4", "gpt-4.1", "deepseek-coder"],
  fast: ["claude-haiku", "gpt-4.1-mini", "gemini-flash"],
  vision: ["claude-sonnet-4", "gpt-4.1", "gemini-2.5-pro"],
  embedding: ["text-embedding-3-large", "voyage-3"],
};

/**
 * Claude ids clients send unchanged (Claude Code's default is a current Opus
 * id no fixed catalog knows): each family goes to the group of its kind, so
 * it gets that group's failover chain.
 */
export const defaultModelAliases = [
  { pattern: "claude-opus-*", target: "reasoning" },
  { pattern: "claude-sonnet-*", target: "code" },
  { pattern: "claude-haiku-*", target: "fast" },
  { pattern: "claude-*", target: "reasoning" },
  // Codex CLI and the OpenAI Agents SDK default to current OpenAI ids no fixed catalog knows.
  { pattern: "gpt-5*codex*", target: "code" },
  { pattern: "codex-*", target: "code" },
  { pattern: "gpt-5*-mini*", target: "fast" },
  { pattern: "gpt-5*-nano*", target: "fast" },
  { pattern: "gpt-5*", target: "reasoning" },
];

export const defaultProviderBaseUrls = {
  anthropic: "https://api.anthropic.com",
  openai: "https://api.openai.com/v1",
  google: "https://generativelanguage.googleapis.com",
  deepseek: "https://api.deepseek.com",
  voyage: "https://api.voyageai.com/v1",
} as const;
