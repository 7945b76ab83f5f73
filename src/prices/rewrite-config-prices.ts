import { createRequire } from "node:module";
import type { Document } from "yaml";
import type { ModelSpec } from "../core/model-catalog.js";
import type { ModelUpdate } from "./plan-price-update.js";
import type { PriceListSource } from "./price-list.js";

export interface RewrittenConfig {
  text: string;
  /** Models that got a new `models:` entry (the others were updated in place). */
  added: string[];
}

export interface PriceStamp {
  /** `YYYY-MM-DD`: the day the prices were taken from the list. */
  asOf: string;
  source: PriceListSource;
}

/**
 * Writes the updates into the config file's text through yaml's Document API, so comments, key
 * order and styles stay as the operator wrote them. A model the file already has gets its
 * `price_per_mtok` (and limits, where given) set in place; a model of the default catalog gets a
 * full `models:` entry, since the schema wants one. Each updated model is stamped with
 * `prices_as_of` and `prices_source`. `catalog` holds the models' current specs.
 */
export function rewriteConfigPrices(
  text: string,
  updates: ModelUpdate[],
  catalog: Record<string, ModelSpec>,
  stamp: PriceStamp,
): RewrittenConfig {
  const yaml = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  const doc = yaml.parseDocument(text);
  if (doc.errors.length > 0) throw doc.errors[0];
  const models = doc.get("models", true);
  if (!yaml.isMap(models)) doc.set("models", doc.createNode({}));
  const added: string[] = [];
  for (const { name, listed } of updates) {
    const spec = catalog[name];
    if (!spec) continue;
    if (!yaml.isMap(doc.getIn(["models", name], true))) {
      doc.setIn(["models", name], doc.createNode(fullEntry(spec)));
      added.push(name);
    }
    const at = (...path: string[]) => ["models", name, ...path];
    doc.setIn(at("price_per_mtok", "input"), usd(listed.inputMicroUsdPerMtok));
    doc.setIn(at("price_per_mtok", "output"), usd(listed.outputMicroUsdPerMtok));
    setIfGiven(doc, at("price_per_mtok", "cached_input"), listed.cachedInputMicroUsdPerMtok);
    setIfGiven(doc, at("price_per_mtok", "cache_write"), listed.cacheWriteMicroUsdPerMtok);
    setIfGiven(doc, at("price_per_mtok", "cache_write_1h"), listed.cacheWrite1hMicroUsdPerMtok);
    if (listed.contextWindow !== undefined) doc.setIn(at("context_window"), listed.contextWindow);
    if (listed.maxOutputTokens !== undefined) doc.setIn(at("max_output_tokens"), listed.maxOutputTokens);
    doc.setIn(at("prices_as_of"), quoted(doc, stamp.asOf));
    doc.setIn(at("prices_source"), stamp.source);
  }
  // No line width: a flow map the operator wrote on one line stays on one line.
  return { text: doc.toString({ lineWidth: 0 }), added };
}

/** The entry a default-catalog model needs in the file, with its current figures. */
function fullEntry(spec: ModelSpec): Record<string, unknown> {
  const { pricing } = spec;
  return {
    kind: spec.kind,
    provider: spec.provider,
    provider_model_id: spec.providerModelId,
    context_window: spec.contextWindow,
    max_output_tokens: spec.maxOutputTokens,
    ...(spec.usesMaxCompletionTokens ? { uses_max_completion_tokens: true } : {}),
    ...(spec.midConversationSystemMessages ? { mid_conversation_system_messages: true } : {}),
    // Cached reads and cache writes default to the input price: written only where they differ,
    // so a new input price from the list carries over to them as the catalog meant.
    price_per_mtok: {
      input: usd(pricing.inputMicroUsdPerMtok),
      output: usd(pricing.outputMicroUsdPerMtok),
      ...(pricing.cachedInputMicroUsdPerMtok !== pricing.inputMicroUsdPerMtok
        ? { cached_input: usd(pricing.cachedInputMicroUsdPerMtok) }
        : {}),
      ...(pricing.cacheWriteMicroUsdPerMtok !== pricing.inputMicroUsdPerMtok
        ? { cache_write: usd(pricing.cacheWriteMicroUsdPerMtok) }
        : {}),
      ...(pricing.cacheWrite1hMicroUsdPerMtok !== undefined
        ? { cache_write_1h: usd(pricing.cacheWrite1hMicroUsdPerMtok) }
        : {}),
    },
  };
}

function setIfGiven(doc: Document, path: string[], microUsd: number | undefined): void {
  if (microUsd !== undefined) doc.setIn(path, usd(microUsd));
}

/** Micro-USD -> the file's USD per Mtok: the division is exact to the 6 decimals the schema allows. */
function usd(microUsd: number): number {
  return microUsd / 1_000_000;
}

/** A date quoted, so no YAML 1.1 reader takes it for a timestamp. */
function quoted(doc: Document, value: string) {
  const node = doc.createNode(value);
  node.type = "QUOTE_DOUBLE";
  return node;
}
