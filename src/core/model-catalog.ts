/**
 * Prices are integers in micro-USD per million tokens so that cost arithmetic
 * stays in integers (see usage cost): $3.00 / MTok is 3_000_000.
 */
export interface ModelPricing {
  inputMicroUsdPerMtok: number;
  outputMicroUsdPerMtok: number;
  cachedInputMicroUsdPerMtok: number;
  /** Prompt-cache writes where billed apart (Anthropic, 5-minute TTL); defaults to the input price. */
  cacheWriteMicroUsdPerMtok: number;
  /**
   * Anthropic's 1-hour cache writes (2x input). Absent: twice the input
   * price, Anthropic's rule and the only provider with that TTL.
   */
  cacheWrite1hMicroUsdPerMtok?: number;
}

/** The price of a 1-hour cache write, explicit or by Anthropic's rule. */
export function cacheWrite1hPrice(pricing: ModelPricing): number {
  return pricing.cacheWrite1hMicroUsdPerMtok ?? pricing.inputMicroUsdPerMtok * 2;
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
  /**
   * Anthropic: the model takes `role: "system"` messages inside `messages`
   * (Claude Opus 4.8 and later); without it they go to the top-level `system`,
   * which every Claude model takes.
   */
  midConversationSystemMessages?: boolean;
  /** `YYYY-MM-DD` the prices were imported from a published list, and which list (`prices import`). */
  pricesAsOf?: string;
  pricesSource?: string;
}

export function microUsdToUsd(microUsd: number): number {
  return microUsd / 1_000_000;
}
