import { cacheWrite1hPrice, type ModelSpec } from "../core/model-catalog.js";
import type { ProviderKind } from "../core/provider-adapter.js";
import { findListedModel, type ListedModel, type PriceList } from "./price-list.js";
import { priceListProviderIds } from "./price-list-providers.js";

/** A catalog model and the kind of the provider serving it, which says where a list prices it. */
export interface CatalogModel {
  spec: ModelSpec;
  providerKind: ProviderKind;
}

/** What the list says that differs from the catalog, in micro-USD per Mtok and tokens. */
export interface ModelUpdate {
  name: string;
  listed: ListedModel;
}

export interface PriceUpdatePlan {
  updates: ModelUpdate[];
  unchanged: string[];
  notFound: Array<{ name: string; reason: string }>;
}

export interface PlanOptions {
  /** Only prices: leave context windows and output limits as configured. */
  pricesOnly?: boolean;
}

/**
 * Matches each catalog model to the list by provider kind and provider model id, and keeps the
 * figures the list gives that differ from the catalog. Fields the list leaves out stay as they are.
 */
export function planPriceUpdate(
  models: CatalogModel[],
  list: PriceList,
  options: PlanOptions = {},
): PriceUpdatePlan {
  const plan: PriceUpdatePlan = { updates: [], unchanged: [], notFound: [] };
  for (const { spec, providerKind } of models) {
    const listProvider = priceListProviderIds[list.source][providerKind];
    if (listProvider === undefined) {
      plan.notFound.push({
        name: spec.name,
        reason: `${list.source} has no prices for kind ${providerKind}`,
      });
      continue;
    }
    const found = findListedModel(list, listProvider, spec.providerModelId);
    if (!found) {
      plan.notFound.push({
        name: spec.name,
        reason: `no ${listProvider} ${spec.providerModelId} in the list`,
      });
      continue;
    }
    const listed = options.pricesOnly ? withoutLimits(found) : found;
    if (differs(spec, listed)) plan.updates.push({ name: spec.name, listed });
    else plan.unchanged.push(spec.name);
  }
  return plan;
}

function withoutLimits({ contextWindow, maxOutputTokens, ...prices }: ListedModel): ListedModel {
  return prices;
}

function differs(spec: ModelSpec, listed: ListedModel): boolean {
  const { pricing } = spec;
  const changed = (listedValue: number | undefined, current: number) =>
    listedValue !== undefined && listedValue !== current;
  return (
    changed(listed.inputMicroUsdPerMtok, pricing.inputMicroUsdPerMtok) ||
    changed(listed.outputMicroUsdPerMtok, pricing.outputMicroUsdPerMtok) ||
    changed(listed.cachedInputMicroUsdPerMtok, pricing.cachedInputMicroUsdPerMtok) ||
    changed(listed.cacheWriteMicroUsdPerMtok, pricing.cacheWriteMicroUsdPerMtok) ||
    changed(listed.cacheWrite1hMicroUsdPerMtok, cacheWrite1hPrice(pricing)) ||
    changed(listed.contextWindow, spec.contextWindow) ||
    changed(listed.maxOutputTokens, spec.maxOutputTokens)
  );
}
