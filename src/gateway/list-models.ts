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
  /** Every deployment serving the model (accounts, regions, platforms), in configured order. */
  deployments: ListedDeployment[];
}

/** One deployment as this process sees it; counts are since this process started. */
export interface ListedDeployment {
  provider: string;
  provider_model_id: string;
  available: boolean;
  circuit: CircuitState;
  weight: number;
  /** Calls under way in this process. */
  in_flight: number;
  /** Recent time to first token of streamed answers (running average), null before the first. */
  ttft_ms: number | null;
  /** Requests this deployment answered since this process started. */
  served: number;
  /** Its share of the model's answered requests since this process started (0 to 1). */
  traffic_share: number;
  /** Until when its provider's rate-limit headers hold it back (ISO time), or null. */
  rate_limited_until: string | null;
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
  deployments: Pick<Deployments, "groupNames" | "chainOf" | "models" | "deploymentsOf">,
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
  const others = deployments.models().filter((deployment) => !grouped.has(deployment.model.name));
  return {
    groups,
    other_models: await Promise.all(others.map((deployment) => describe(deployment, circuits))),
  };

  async function describe(first: Deployment, circuits: CircuitBreaker): Promise<ListedModel> {
    const { model } = first;
    const listed = await describeDeployments(deployments.deploymentsOf(model.name), circuits);
    return {
      model: model.name,
      provider: model.provider,
      // The model is callable when any of its deployments is; its circuit is the first deployment's.
      available: listed.some((deployment) => deployment.available),
      circuit: (listed[0] as ListedDeployment).circuit,
      context_window: model.contextWindow,
      max_output_tokens: model.maxOutputTokens,
      price_per_mtok: pricePerMtok(model.pricing),
      deployments: listed,
    };
  }
}

/** A model's deployments with their live state (list_models, GET /v1/models, the dashboard). */
export async function describeDeployments(
  deployments: readonly Deployment[],
  circuits: CircuitBreaker,
  now: number = Date.now(),
): Promise<ListedDeployment[]> {
  const served = deployments.reduce((sum, deployment) => sum + deployment.load.served, 0);
  return Promise.all(
    deployments.map(async (deployment) => {
      const { load } = deployment;
      const heldUntil = load.heldBackUntil({ inputTokens: 0, outputTokens: 0 }, now);
      return {
        provider: deployment.provider.name,
        provider_model_id: deployment.model.providerModelId,
        available: isAvailable(deployment),
        circuit: (await circuits.snapshot(deployment.key)).state,
        weight: deployment.weight,
        in_flight: load.inFlight,
        ttft_ms: load.firstTokenMs === undefined ? null : Math.round(load.firstTokenMs * 10) / 10,
        served: load.served,
        traffic_share: served === 0 ? 0 : Math.round((load.served / served) * 1000) / 1000,
        rate_limited_until: heldUntil > 0 ? new Date(heldUntil).toISOString() : null,
      };
    }),
  );
}

export function pricePerMtok(pricing: ModelPricing): ModelPricePerMtok {
  return {
    input: microUsdToUsd(pricing.inputMicroUsdPerMtok),
    output: microUsdToUsd(pricing.outputMicroUsdPerMtok),
    cached_input: microUsdToUsd(pricing.cachedInputMicroUsdPerMtok),
    cache_write: microUsdToUsd(pricing.cacheWriteMicroUsdPerMtok),
  };
}
