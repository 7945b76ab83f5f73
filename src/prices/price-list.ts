/** The published price lists `llm-gateway prices import` reads. */
export const priceListSources = ["litellm", "models.dev"] as const;
export type PriceListSource = (typeof priceListSources)[number];

/**
 * One model as a list prices it, in the catalog's unit: whole micro-USD per million tokens.
 * A field the list leaves out is left out here, so it never overwrites a known price with zero.
 */
export interface ListedModel {
  inputMicroUsdPerMtok: number;
  outputMicroUsdPerMtok: number;
  cachedInputMicroUsdPerMtok?: number;
  cacheWriteMicroUsdPerMtok?: number;
  cacheWrite1hMicroUsdPerMtok?: number;
  contextWindow?: number;
  maxOutputTokens?: number;
}

export interface PriceList {
  source: PriceListSource;
  /** The list's own provider id (`gemini` in LiteLLM, `google` on models.dev) -> model id -> prices. */
  providers: Map<string, Map<string, ListedModel>>;
}

export function findListedModel(list: PriceList, provider: string, modelId: string): ListedModel | undefined {
  return list.providers.get(provider)?.get(modelId);
}

export function countListedModels(list: PriceList): number {
  let count = 0;
  for (const models of list.providers.values()) count += models.size;
  return count;
}

/** A price list that cannot be read: the config is left untouched. */
export class PriceListError extends Error {
  override readonly name = "PriceListError";
}
