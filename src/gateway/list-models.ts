import { microUsdToUsd } from "../core/model-catalog.js";
import type { CircuitBreaker, CircuitState } from "../routing/circuit-breaker.js";
import { type Deployment, type Deployments, isAvailable } from "../routing/deployments.js";

export interface ListedModel {
  model: string;
  provider: string;
  available: boolean;
  circuit: CircuitState;
  context_window: number;
  max_output_tokens: number;
  price_per_mtok: { input: number; output: number; cached_input: number };
}

export interface ModelListing {
  groups: Array<{ name: string; models: ListedModel[] }>;
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
  return { groups };
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
    price_per_mtok: {
      input: microUsdToUsd(model.pricing.inputMicroUsdPerMtok),
      output: microUsdToUsd(model.pricing.outputMicroUsdPerMtok),
      cached_input: microUsdToUsd(model.pricing.cachedInputMicroUsdPerMtok),
    },
  };
}
