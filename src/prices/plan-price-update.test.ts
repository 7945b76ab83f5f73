import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../config/default-catalog.js";
import type { ModelSpec } from "../core/model-catalog.js";
import { type CatalogModel, planPriceUpdate } from "./plan-price-update.js";
import { readPriceList } from "./read-price-list.js";

const litellm = readPriceList(
  readFileSync(new URL("__fixtures__/litellm-model-prices.json", import.meta.url), "utf8"),
  "litellm.json",
);
const catalog = defaultCatalog();

function model(
  spec: Partial<ModelSpec> & { name: string; providerModelId: string },
  kind: CatalogModel["providerKind"],
) {
  const base = catalog["gpt-4.1"] as ModelSpec;
  return { spec: { ...base, provider: spec.name, ...spec }, providerKind: kind };
}

describe("planPriceUpdate", () => {
  it("matches by provider kind, whatever the provider entry is called", () => {
    const plan = planPriceUpdate(
      [
        model({ name: "llama-groq-batch", providerModelId: "llama-3.3-70b-versatile" }, "groq"),
        model({ name: "large", providerModelId: "mistral-large-latest" }, "mistral"),
      ],
      litellm,
    );
    expect(plan.updates.map((update) => [update.name, update.listed.inputMicroUsdPerMtok])).toEqual([
      ["llama-groq-batch", 590_000],
      ["large", 500_000],
    ]);
  });

  it("says why a model is not found: a kind without list prices, or an id the list lacks", () => {
    const plan = planPriceUpdate(
      [
        model({ name: "qwen-local", providerModelId: "qwen3:8b" }, "ollama"),
        model({ name: "sonnet", providerModelId: "claude-sonnet-4-0" }, "anthropic"),
      ],
      litellm,
    );
    expect(plan.updates).toEqual([]);
    expect(plan.notFound).toEqual([
      { name: "qwen-local", reason: "litellm has no prices for kind ollama" },
      { name: "sonnet", reason: "no anthropic claude-sonnet-4-0 in the list" },
    ]);
  });

  it("counts a model unchanged when every figure the list gives equals the catalog's", () => {
    const haiku = { spec: catalog["claude-haiku"] as ModelSpec, providerKind: "anthropic" as const };
    const gemini = { spec: catalog["gemini-2.5-pro"] as ModelSpec, providerKind: "google" as const };
    expect(planPriceUpdate([haiku], litellm)).toEqual({
      updates: [],
      unchanged: ["claude-haiku"],
      notFound: [],
    });
    // LiteLLM gives Gemini 2.5 Pro 65,535 output tokens where the catalog has 65,536.
    expect(planPriceUpdate([gemini], litellm).updates.map((update) => update.name)).toEqual([
      "gemini-2.5-pro",
    ]);
    expect(planPriceUpdate([gemini], litellm, { pricesOnly: true }).unchanged).toEqual(["gemini-2.5-pro"]);
  });
});
