import { z } from "zod";
import type { ListedModel, PriceList } from "./price-list.js";
import { scaleDecimal } from "./scale-decimal.js";

const usdPerMtok = z.number().nonnegative().optional().catch(undefined);
const tokenCount = z.number().int().positive().optional().catch(undefined);

/**
 * A model of models.dev's `api.json`: only the fields we read. Prices are USD per million tokens
 * (the base tier: `cost.tiers` above a prompt size are not the catalog's list price).
 */
const modelsDevModelSchema = z.object({
  id: z.string().min(1).optional(),
  cost: z.object({
    input: z.number().nonnegative(),
    output: usdPerMtok,
    cache_read: usdPerMtok,
    cache_write: usdPerMtok,
  }),
  limit: z.object({ context: tokenCount, output: tokenCount }).optional().catch(undefined),
});

const modelsDevProviderSchema = z.object({
  id: z.string().min(1).optional(),
  models: z.record(z.string(), z.unknown()),
});

/**
 * Reads models.dev's `api.json`: `{<provider id>: {id, name, models: {<model id>: {id, cost,
 * limit, ...}}}}`. Models without a price (`cost` left out) are skipped.
 */
export function parseModelsDevPrices(data: Record<string, unknown>): PriceList {
  const providers = new Map<string, Map<string, ListedModel>>();
  for (const [providerKey, value] of Object.entries(data)) {
    const provider = modelsDevProviderSchema.safeParse(value);
    if (!provider.success) continue;
    const models = new Map<string, ListedModel>();
    for (const [modelKey, modelValue] of Object.entries(provider.data.models)) {
      const parsed = modelsDevModelSchema.safeParse(modelValue);
      if (!parsed.success) continue;
      const { cost, limit } = parsed.data;
      models.set(parsed.data.id ?? modelKey, {
        inputMicroUsdPerMtok: scaleDecimal(cost.input, 6),
        outputMicroUsdPerMtok: scaleDecimal(cost.output ?? 0, 6),
        ...(cost.cache_read !== undefined
          ? { cachedInputMicroUsdPerMtok: scaleDecimal(cost.cache_read, 6) }
          : {}),
        ...(cost.cache_write !== undefined
          ? { cacheWriteMicroUsdPerMtok: scaleDecimal(cost.cache_write, 6) }
          : {}),
        ...(limit?.context !== undefined ? { contextWindow: limit.context } : {}),
        ...(limit?.output !== undefined ? { maxOutputTokens: limit.output } : {}),
      });
    }
    if (models.size > 0) providers.set(provider.data.id ?? providerKey, models);
  }
  return { source: "models.dev", providers };
}
