import { z } from "zod";
import type { ListedModel, PriceList } from "./price-list.js";
import { scaleDecimal } from "./scale-decimal.js";

const usdPerToken = z.number().nonnegative().optional().catch(undefined);
const tokenCount = z.number().int().positive().optional().catch(undefined);

/**
 * An entry of LiteLLM's `model_prices_and_context_window.json`: only the fields we read. Prices
 * are USD per token; `max_input_tokens` is the context window (`max_tokens` is their legacy field).
 */
const litellmEntrySchema = z.object({
  litellm_provider: z.string().min(1),
  input_cost_per_token: z.number().nonnegative(),
  output_cost_per_token: usdPerToken,
  cache_read_input_token_cost: usdPerToken,
  cache_creation_input_token_cost: usdPerToken,
  /** Anthropic's 1-hour prompt-cache writes. */
  cache_creation_input_token_cost_above_1hr: usdPerToken,
  max_input_tokens: tokenCount,
  max_output_tokens: tokenCount,
});

/** Its first entry documents the fields, with descriptions where numbers go. */
const specEntryKey = "sample_spec";

/**
 * Reads LiteLLM's price map: keys are model names, often prefixed by the provider
 * (`gemini/gemini-2.5-pro`, `groq/llama-3.3-70b-versatile`); the prefix is dropped to give the
 * provider's own model id. Where one model appears both bare and prefixed (`deepseek-chat`,
 * `deepseek/deepseek-chat`) the bare key wins, LiteLLM's canonical name for first-party
 * providers. Entries without a per-token input price (images, audio, per-request search) are skipped.
 */
export function parseLitellmPrices(data: Record<string, unknown>): PriceList {
  const providers = new Map<string, Map<string, ListedModel>>();
  const fromBareKey = new Set<string>();
  for (const [key, value] of Object.entries(data)) {
    if (key === specEntryKey) continue;
    const parsed = litellmEntrySchema.safeParse(value);
    if (!parsed.success) continue;
    const entry = parsed.data;
    const provider = entry.litellm_provider;
    const prefix = `${provider}/`;
    const isBare = !key.startsWith(prefix);
    const modelId = isBare ? key : key.slice(prefix.length);
    const models = providers.get(provider) ?? new Map<string, ListedModel>();
    providers.set(provider, models);
    const seenKey = `${provider}/${modelId}`;
    if (models.has(modelId) && fromBareKey.has(seenKey) && !isBare) continue;
    if (isBare) fromBareKey.add(seenKey);
    models.set(modelId, {
      inputMicroUsdPerMtok: perMtok(entry.input_cost_per_token),
      outputMicroUsdPerMtok: perMtok(entry.output_cost_per_token ?? 0),
      ...optional("cachedInputMicroUsdPerMtok", entry.cache_read_input_token_cost),
      ...optional("cacheWriteMicroUsdPerMtok", entry.cache_creation_input_token_cost),
      ...optional("cacheWrite1hMicroUsdPerMtok", entry.cache_creation_input_token_cost_above_1hr),
      ...(entry.max_input_tokens !== undefined ? { contextWindow: entry.max_input_tokens } : {}),
      ...(entry.max_output_tokens !== undefined ? { maxOutputTokens: entry.max_output_tokens } : {}),
    });
  }
  return { source: "litellm", providers };
}

/** USD per token -> micro-USD per million tokens: 10^6 tokens x 10^6 micro-USD. */
function perMtok(usdPerToken: number): number {
  return scaleDecimal(usdPerToken, 12);
}

function optional<K extends keyof ListedModel>(field: K, usd: number | undefined): Partial<ListedModel> {
  return usd === undefined ? {} : { [field]: perMtok(usd) };
}
