import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { countListedModels, findListedModel, PriceListError } from "./price-list.js";
import { readPriceList } from "./read-price-list.js";

const fixture = (name: string) => readFileSync(new URL(`__fixtures__/${name}`, import.meta.url), "utf8");
const litellm = fixture("litellm-model-prices.json");
const modelsDev = fixture("models-dev-api.json");

describe("readPriceList on LiteLLM's model_prices_and_context_window.json", () => {
  const list = readPriceList(litellm, "litellm.json");

  it("is detected, skips sample_spec and entries without token prices", () => {
    expect(list.source).toBe("litellm");
    // 19 keys: sample_spec and an image model are not priced per token; deepseek-chat is there twice.
    expect(countListedModels(list)).toBe(16);
    expect(list.providers.has("one of https://docs.litellm.ai/docs/providers")).toBe(false);
  });

  it("converts per-token prices, cache reads and both Anthropic cache writes exactly, with limits", () => {
    expect(findListedModel(list, "anthropic", "claude-haiku-4-5")).toEqual({
      inputMicroUsdPerMtok: 1_000_000,
      outputMicroUsdPerMtok: 5_000_000,
      cachedInputMicroUsdPerMtok: 100_000,
      cacheWriteMicroUsdPerMtok: 1_250_000,
      cacheWrite1hMicroUsdPerMtok: 2_000_000,
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
    });
    expect(findListedModel(list, "openai", "gpt-4.1-mini")).toEqual({
      inputMicroUsdPerMtok: 400_000,
      outputMicroUsdPerMtok: 1_600_000,
      cachedInputMicroUsdPerMtok: 100_000,
      contextWindow: 1_047_576,
      maxOutputTokens: 32_768,
    });
    // 7.9e-7 * 1e6 is 0.7899999999999999 in floating point.
    expect(findListedModel(list, "groq", "llama-3.3-70b-versatile")?.outputMicroUsdPerMtok).toBe(790_000);
  });

  it("drops the provider prefix of a key and keeps providers apart", () => {
    expect(findListedModel(list, "gemini", "gemini-2.5-pro")?.maxOutputTokens).toBe(65_535);
    expect(findListedModel(list, "vertex_ai-language-models", "gemini-2.5-pro")).toBeDefined();
    expect(findListedModel(list, "voyage", "voyage-3")).toEqual({
      inputMicroUsdPerMtok: 60_000,
      outputMicroUsdPerMtok: 0,
      contextWindow: 32_000,
    });
  });

  it("prefers the bare key where a model is listed bare and prefixed", () => {
    // deepseek/deepseek-chat adds cache_creation_input_token_cost: 0; the bare entry has none.
    expect(findListedModel(list, "deepseek", "deepseek-chat")?.cacheWriteMicroUsdPerMtok).toBeUndefined();
    // The same, prefixed key first.
    const reversed = JSON.stringify({
      "deepseek/deepseek-chat": JSON.parse(litellm)["deepseek/deepseek-chat"],
      "deepseek-chat": JSON.parse(litellm)["deepseek-chat"],
    });
    const fromReversed = readPriceList(reversed, "reversed.json");
    expect(
      findListedModel(fromReversed, "deepseek", "deepseek-chat")?.cacheWriteMicroUsdPerMtok,
    ).toBeUndefined();
  });
});

describe("readPriceList on models.dev's api.json", () => {
  const list = readPriceList(modelsDev, "api.json");

  it("is detected and reads USD per Mtok, cache prices and limits, the base tier only", () => {
    expect(list.source).toBe("models.dev");
    expect(countListedModels(list)).toBe(6);
    expect(findListedModel(list, "anthropic", "claude-sonnet-4-0")).toEqual({
      inputMicroUsdPerMtok: 3_000_000,
      outputMicroUsdPerMtok: 15_000_000,
      cachedInputMicroUsdPerMtok: 300_000,
      cacheWriteMicroUsdPerMtok: 3_750_000,
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
    });
    expect(findListedModel(list, "google", "gemini-2.5-pro")).toMatchObject({
      inputMicroUsdPerMtok: 1_250_000,
      cachedInputMicroUsdPerMtok: 125_000,
    });
    expect(findListedModel(list, "deepseek", "deepseek-chat")?.cachedInputMicroUsdPerMtok).toBe(28_000);
  });

  it("skips models without a cost", () => {
    const data = JSON.parse(modelsDev);
    data.openai.models["gpt-free"] = { id: "gpt-free", name: "No price", limit: { context: 1, output: 1 } };
    expect(
      findListedModel(readPriceList(JSON.stringify(data), "api.json"), "openai", "gpt-free"),
    ).toBeUndefined();
  });
});

describe("readPriceList refusals", () => {
  it.each([
    ["not JSON", "{ nope", /not JSON/],
    ["an array", "[1, 2]", /expected a JSON object/],
    ["neither format", '{"a": {"b": 1}}', /neither LiteLLM's .* nor models\.dev's/],
    [
      "no priced model",
      '{"sample_spec": {"input_cost_per_token": 0}}',
      /no model with a price in the litellm format/,
    ],
  ])("refuses %s with a PriceListError", (_what, text, message) => {
    expect(() => readPriceList(text, "prices.json")).toThrow(PriceListError);
    expect(() => readPriceList(text, "prices.json")).toThrow(message);
  });

  it("takes --format over detection, and fails when the file is not in that format", () => {
    expect(() => readPriceList(litellm, "litellm.json", "models.dev")).toThrow(
      /no model with a price in the models.dev format/,
    );
    expect(readPriceList(modelsDev, "api.json", "models.dev").source).toBe("models.dev");
  });
});
