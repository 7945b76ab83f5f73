import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultCatalog } from "../config/default-catalog.js";
import { rewriteConfigPrices } from "./rewrite-config-prices.js";

const stamp = { asOf: "2026-12-07", source: "litellm" as const };

const configText = `# Team gateway
server:
  port: 8123 # the team's port

models:
  # Haiku at last year's price
  claude-haiku:
    kind: chat
    provider: anthropic
    provider_model_id: claude-haiku-4-5
    context_window: 200000 # as documented
    max_output_tokens: 64000
    price_per_mtok: { input: 0.8, output: 4, cached_input: 0.08, cache_write: 1 } # old
  local-llama:
    provider: ollama
    provider_model_id: llama3.3
    context_window: 131072
    max_output_tokens: 8192
    price_per_mtok:
      input: 0 # self-hosted
      output: 0

model_groups:
  fast: [claude-haiku, local-llama]
`;

describe("rewriteConfigPrices", () => {
  it("sets a file model's prices in place, keeping comments, order and the flow style", () => {
    const { text, added } = rewriteConfigPrices(
      configText,
      [
        {
          name: "claude-haiku",
          listed: {
            inputMicroUsdPerMtok: 1_000_000,
            outputMicroUsdPerMtok: 5_000_000,
            cachedInputMicroUsdPerMtok: 100_000,
            cacheWriteMicroUsdPerMtok: 1_250_000,
            cacheWrite1hMicroUsdPerMtok: 2_000_000,
            contextWindow: 200_000,
          },
        },
      ],
      defaultCatalog(),
      stamp,
    );
    expect(added).toEqual([]);
    expect(text).toBe(
      configText.replace(
        "price_per_mtok: { input: 0.8, output: 4, cached_input: 0.08, cache_write: 1 } # old",
        'price_per_mtok: { input: 1, output: 5, cached_input: 0.1, cache_write: 1.25, cache_write_1h: 2 } # old\n    prices_as_of: "2026-12-07"\n    prices_source: litellm',
      ),
    );
  });

  it("adds a full entry for a default-catalog model, with its flags, and leaves derived prices derived", () => {
    const { text, added } = rewriteConfigPrices(
      configText,
      [
        { name: "o3", listed: { inputMicroUsdPerMtok: 1_500_000, outputMicroUsdPerMtok: 6_000_000 } },
        { name: "gpt-4o", listed: { inputMicroUsdPerMtok: 5_000_000, outputMicroUsdPerMtok: 20_000_000 } },
      ],
      defaultCatalog(),
      stamp,
    );
    expect(added).toEqual(["o3", "gpt-4o"]);
    // Everything before stays byte for byte.
    expect(text.startsWith(configText.slice(0, configText.indexOf("\nmodel_groups:")))).toBe(true);
    expect(text).toContain("  fast: [claude-haiku, local-llama]");
    const models = parse(text).models;
    expect(models.o3).toEqual({
      kind: "chat",
      provider: "openai",
      provider_model_id: "o3",
      context_window: 200_000,
      max_output_tokens: 100_000,
      uses_max_completion_tokens: true,
      // The catalog's cached price stays: the list gave none.
      price_per_mtok: { input: 1.5, output: 6, cached_input: 0.5 },
      prices_as_of: "2026-12-07",
      prices_source: "litellm",
    });
    expect(models["gpt-4o"].price_per_mtok).toEqual({ input: 5, output: 20, cached_input: 1.25 });
  });

  it("creates the models section in an empty file", () => {
    const { text } = rewriteConfigPrices(
      "",
      [{ name: "voyage-3", listed: { inputMicroUsdPerMtok: 70_000, outputMicroUsdPerMtok: 0 } }],
      defaultCatalog(),
      stamp,
    );
    expect(parse(text).models["voyage-3"]).toMatchObject({
      kind: "embedding",
      provider: "voyage",
      price_per_mtok: { input: 0.07, output: 0 },
    });
  });

  it("follows the file's own indentation, adds missing keys under the right parent, restamps a dated model", () => {
    const fourSpaces = `models:
    local:
        provider: openai
        provider_model_id: gpt-4o
        context_window: 128000
        max_output_tokens: 16384
        price_per_mtok:
            input: 2.5   # list price
            output: 10
        prices_as_of: '2025-01-01'
        prices_source: litellm

model_groups:
    fast: [local]
`;
    const catalog = { ...defaultCatalog() };
    catalog.local = { ...(catalog["gpt-4o"] as (typeof catalog)[string]), name: "local" };
    const { text, added } = rewriteConfigPrices(
      fourSpaces,
      [
        {
          name: "local",
          listed: {
            inputMicroUsdPerMtok: 5_000_000,
            outputMicroUsdPerMtok: 20_000_000,
            cachedInputMicroUsdPerMtok: 2_500_000,
          },
        },
        { name: "voyage-3", listed: { inputMicroUsdPerMtok: 70_000, outputMicroUsdPerMtok: 0 } },
      ],
      catalog,
      { asOf: "2026-12-07", source: "models.dev" },
    );
    expect(added).toEqual(["voyage-3"]);
    expect(text).toBe(`models:
    local:
        provider: openai
        provider_model_id: gpt-4o
        context_window: 128000
        max_output_tokens: 16384
        price_per_mtok:
            input: 5   # list price
            output: 20
            cached_input: 2.5
        prices_as_of: "2026-12-07"
        prices_source: models.dev
    voyage-3:
      kind: embedding
      provider: voyage
      provider_model_id: voyage-3
      context_window: 32000
      max_output_tokens: 0
      price_per_mtok:
        input: 0.07
        output: 0
        cached_input: 0
      prices_as_of: "2026-12-07"
      prices_source: models.dev

model_groups:
    fast: [local]
`);
  });

  it("rewrites a models: flow map through the Document API, comments and order kept", () => {
    const flow = `# prices below
models: { local: { provider: openai, provider_model_id: x, context_window: 1, max_output_tokens: 1, price_per_mtok: { input: 1, output: 1 } } } # one line
`;
    const catalog = { ...defaultCatalog() };
    catalog.local = { ...(catalog["gpt-4o"] as (typeof catalog)[string]), name: "local" };
    const { text } = rewriteConfigPrices(
      flow,
      [{ name: "local", listed: { inputMicroUsdPerMtok: 1_100_000, outputMicroUsdPerMtok: 2_000_000 } }],
      catalog,
      stamp,
    );
    expect(text).toContain("# prices below");
    expect(text).toContain("# one line");
    expect(parse(text).models.local).toMatchObject({
      price_per_mtok: { input: 1.1, output: 2 },
      prices_as_of: "2026-12-07",
      prices_source: "litellm",
    });
  });
});
