import { type ModelPricing, microUsdToUsd } from "../core/model-catalog.js";
import type { CircuitBreaker, CircuitState } from "../routing/circuit-breaker.js";
import { type Deployment, type Deployments, isAvailable } from "../routing/deployments.js";

export interface ListedModel {
  model: string;
  provider: string;
  available: boolean;
  circuit: CircuitState;
  context_window: number;
  max_output_tokens: number;
  price_per_mtok: ModelPricePerMtok;
}

/** USD per million tokens; `cache_write` is what a prompt-cache write costs (the input price where not billed apart). */
export interface ModelPricePerMtok {
  input: number;
  output: number;
  cached_input: number;
  cache_write: number;
}

export interface ModelListing {
  groups: Array<{ name: string; models: ListedModel[] }>;
  /** Catalog models in no group, callable by name (`model`): listed with all groups, so every price is visible. */
  other_models?: ListedModel[];
}

/** Every group (or one) with its chain, availability and circuit state: the list_models tool. */
export async function listModels(
  deployments: Deployments,
  circuits: CircuitBreaker,
  group?: string,
): Promise<ModelListing> {
  const names = group === undefined ? deployments.groupNames() : [group];
  const groups = await Promise.all(
    names.map(async (name) => ({
      name,
      models: await Promise.all(
        deployments.chainOf(name).map((deployment) => describe(deployment, circuits)),
      ),
    })),
  );
  if (group !== undefined) return { groups };
  const grouped = new Set(groups.flatMap((entry) => entry.models.map((model) => model.model)));
  const others = deployments.all().filter((deployment) => !grouped.has(deployment.model.name));
  return {
    groups,
    other_models: await Promise.all(others.map((deployment) => describe(deployment, circuits))),
  };
}

async function describe(deployment: Deployment, circuits: CircuitBreaker): Promise<ListedModel> {
  const { model } = deployment;
  return {
    model: model.name,
    provider: model.provider,
    available: isAvailable(deployment),
    circuit: (await circuits.snapshot(deployment.key)).state,
    context_window: model.contextWindow,
    max_output_tokens: model.maxOutputTokens,
    price_per_mtok: pricePerMtok(model.pricing),
  };
}

export function pricePerMtok(pricing: ModelPricing): ModelPricePerMtok {
  return {
    input: microUsdToUsd(pricing.inputMicroUsdPerMtok),
    output: microUsdToUsd(pricing.outputMicroUsdPerMtok),
    cached_input: microUsdToUsd(pricing.cachedInputMicroUsdPerMtok),
    cache_write: microUsdToUsd(pricing.cacheWriteMicroUsdPerMtok),
  };
}
