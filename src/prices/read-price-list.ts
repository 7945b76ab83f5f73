import { parseLitellmPrices } from "./parse-litellm-prices.js";
import { parseModelsDevPrices } from "./parse-models-dev-prices.js";
import { countListedModels, type PriceList, PriceListError, type PriceListSource } from "./price-list.js";

/**
 * Parses a price list's text, in the format given or the one its shape shows: LiteLLM's map has
 * its `sample_spec` entry and `litellm_provider` fields; models.dev's has providers holding `models`.
 * `name` is the file, for errors. Throws `PriceListError` when the text is no price list.
 */
export function readPriceList(text: string, name: string, format?: PriceListSource): PriceList {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PriceListError(`${name} is not JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new PriceListError(`${name} is not a price list: expected a JSON object at the top`);
  }
  const record = data as Record<string, unknown>;
  const source = format ?? detectFormat(record);
  if (!source) {
    throw new PriceListError(
      `${name} is neither LiteLLM's model_prices_and_context_window.json (entries with litellm_provider) nor models.dev's api.json (providers with models); --format litellm|models.dev forces one`,
    );
  }
  const list = source === "litellm" ? parseLitellmPrices(record) : parseModelsDevPrices(record);
  if (countListedModels(list) === 0) {
    throw new PriceListError(`${name} has no model with a price in the ${source} format`);
  }
  return list;
}

function detectFormat(data: Record<string, unknown>): PriceListSource | undefined {
  const entries = Object.values(data).filter(
    (value): value is Record<string, unknown> => typeof value === "object" && value !== null,
  );
  if ("sample_spec" in data || entries.some((entry) => "litellm_provider" in entry)) return "litellm";
  if (entries.some((entry) => typeof entry.models === "object" && entry.models !== null)) return "models.dev";
  return undefined;
}
