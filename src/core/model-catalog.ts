/**
 * Prices are integers in micro-USD per million tokens so that cost arithmetic
 * stays in integers (see usage cost): $3.00 / MTok is 3_000_000.
 */
export interface ModelPricing {
  inputMicroUsdPerMtok: number;
  outputMicroUsdPerMtok: number;
  cachedInputMicroUsdPerMtok: number;
  /** Prompt-cache writes where billed apart (Anthropic); defaults to the input price. */
  cacheWriteMicroUsdPerMtok: number;
}

export type ModelKind = "chat" | "embedding";

export interface ModelSpec {
  /** The catalog name agents use, e.g. `claude-sonnet-4`. */
  name: string;
  kind: ModelKind;
  /** Name of the configured provider that serves it (`anthropic`, `openai`, or a custom one). */
  provider: string;
  /** The provider's own model id, sent upstream. */
  providerModelId: string;
  contextWindow: number;
  maxOutputTokens: number;
  pricing: ModelPricing;
  /** OpenAI reasoning-era models reject `max_tokens` and want `max_completion_tokens`. */
  usesMaxCompletionTokens?: boolean;
}

export function microUsdToUsd(microUsd: number): number {
  return microUsd / 1_000_000;
}
