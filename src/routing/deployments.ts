import type { BalancingStrategy, DeploymentSettings, RoutingSettings } from "../core/deployment-settings.js";
import { GatewayError } from "../core/gateway-error.js";
import type { ModelKind, ModelSpec } from "../core/model-catalog.js";
import type { ProviderAdapter, ProviderSettings } from "../core/provider-adapter.js";
import { orderStep } from "./balance-deployments.js";
import { DeploymentLoad, type TokenNeed } from "./deployment-load.js";

/**
 * A catalog model on one provider account: the unit of failover, balancing
 * and circuit breaking. A model has one or more (config `deployments`).
 */
export interface Deployment {
  /** `provider/model`, the circuit key (and the metrics' and usage rows' deployment). */
  key: string;
  /** The catalog model as this deployment serves it: its provider, provider model id and prices. */
  model: ModelSpec;
  provider: ProviderSettings;
  /** Undefined when the provider has no API key configured. */
  adapter: ProviderAdapter | undefined;
  /** Share of traffic under `weighted`; 1 unless configured. */
  weight: number;
  /** Calls under way, answers served, time to first token, rate-limit headers: this process's view. */
  load: DeploymentLoad;
}

export function isAvailable(deployment: Deployment): deployment is Deployment & { adapter: ProviderAdapter } {
  return deployment.adapter !== undefined;
}

export interface DeploymentsConfig {
  catalog: Record<string, ModelSpec>;
  modelGroups: Record<string, string[]>;
  providers: Record<string, ProviderSettings>;
  deployments?: Record<string, DeploymentSettings[]>;
  routing?: RoutingSettings;
}

const noTokens: TokenNeed = { inputTokens: 0, outputTokens: 0 };

/** Resolves what a caller asked for (a group, or a model with optional fallbacks) to deployments. */
export class Deployments {
  /** Each catalog model's deployments, in configured order. */
  private readonly byModel = new Map<string, Deployment[]>();
  private readonly routing: RoutingSettings;

  constructor(
    private readonly config: DeploymentsConfig,
    adapters: ReadonlyMap<string, ProviderAdapter>,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.routing = config.routing ?? { strategy: "weighted", modelGroups: {} };
    for (const model of Object.values(config.catalog)) {
      const settings = config.deployments?.[model.name] ?? [{ provider: model.provider, weight: 1 }];
      this.byModel.set(
        model.name,
        settings.map((setting) => {
          const provider = config.providers[setting.provider] as ProviderSettings;
          return {
            key: `${setting.provider}/${model.name}`,
            model: servedBy(model, setting),
            provider,
            adapter: provider.apiKey === undefined ? undefined : adapters.get(provider.name),
            weight: setting.weight,
            load: new DeploymentLoad(now),
          };
        }),
      );
    }
  }

  groupNames(): string[] {
    return Object.keys(this.config.modelGroups);
  }

  /** The whole chain of a group, one entry per model (its first deployment), available or not (for list_models). */
  chainOf(group: string): Deployment[] {
    const chain = this.groupChain(group);
    if (!chain) throw this.unknownGroup(group);
    return chain.map((name) => this.firstOf(name));
  }

  /** A catalog model's deployments, in configured order; empty for an unknown name. */
  deploymentsOf(model: string): readonly Deployment[] {
    return this.byModel.get(model) ?? [];
  }

  /** The strategy ordering a group's steps (or a model's, without a group). */
  strategyFor(group: string | undefined): BalancingStrategy {
    const own = group !== undefined && Object.hasOwn(this.routing.modelGroups, group);
    return own ? (this.routing.modelGroups[group] as BalancingStrategy) : this.routing.strategy;
  }

  /** Whether a name is a group or a catalog model. */
  isKnown(name: string): boolean {
    return this.groupChain(name) !== undefined || this.byModel.has(name);
  }

  /** OpenAI's `model` field may name a group or a catalog model. */
  selectorFor(name: string): { modelGroup: string } | { model: string } {
    if (this.groupChain(name)) return { modelGroup: name };
    if (this.byModel.has(name)) return { model: name };
    throw new GatewayError(
      "GW_ERR_UNKNOWN_MODEL",
      `Unknown model "${name}". Use a model group (${this.groupNames().join(", ")}) or a catalog model (GET /v1/models lists them).`,
      { param: "model" },
    );
  }

  /** Own keys only: a group named "valueOf" is unknown, not Object.prototype's method. */
  private groupChain(name: string): string[] | undefined {
    return Object.hasOwn(this.config.modelGroups, name) ? this.config.modelGroups[name] : undefined;
  }

  /** A catalog model's first deployment (what counting and listing read), or undefined. */
  model(name: string): Deployment | undefined {
    return this.byModel.get(name)?.[0];
  }

  /** Every deployment of every model (circuits, metrics, health). */
  all(): Deployment[] {
    return [...this.byModel.values()].flat();
  }

  /** One deployment per catalog model: its first. */
  models(): Deployment[] {
    return [...this.byModel.values()].map((deployments) => deployments[0] as Deployment);
  }

  private firstOf(name: string): Deployment {
    return (this.byModel.get(name) as Deployment[])[0] as Deployment;
  }

  /**
   * The deployments to try, in order, for a request: a group's chain, or a
   * model followed by its explicit fallbacks, each step's deployments ordered
   * by the balancing strategy (so the router falls to the next step only
   * once every deployment of a step failed or is skipped). Deployments
   * without a key are left out; none left is an error that says which keys to set.
   */
  targetsFor(
    request: { modelGroup?: string; model?: string; fallbacks?: string[] },
    kind: ModelKind,
    need: TokenNeed = noTokens,
  ): Deployment[] {
    const group = request.model
      ? undefined
      : (request.modelGroup ?? (kind === "chat" ? "reasoning" : "embedding"));
    const steps = request.model
      ? [request.model, ...(request.fallbacks ?? [])].map((name, index) =>
          this.modelOfKind(name, kind, index),
        )
      : this.chainOf(group as string);
    if (!request.model && steps[0] && steps[0].model.kind !== kind) {
      throw new GatewayError(
        "GW_ERR_INVALID_REQUEST",
        `Model group "${request.modelGroup}" serves ${steps[0].model.kind} models, not ${kind}.`,
        { param: "model_group" },
      );
    }
    const available: Deployment[] = [];
    const balance = { strategy: this.strategyFor(group), need, now: this.now(), random: this.random };
    for (const step of steps) {
      const from = available.length;
      for (const deployment of this.byModel.get(step.model.name) as Deployment[]) {
        if (isAvailable(deployment)) available.push(deployment);
      }
      orderStep(available, from, available.length, balance);
    }
    if (available.length === 0) {
      const wanted = steps.flatMap((step) => this.byModel.get(step.model.name) as Deployment[]);
      const keys = [
        ...new Set(wanted.map((deployment) => `${deployment.provider.name.toUpperCase()}_API_KEY`)),
      ];
      throw new GatewayError(
        "GW_ERR_NO_PROVIDER_CONFIGURED",
        `No provider is configured for ${request.model ? `model "${request.model}"` : `model group "${request.modelGroup}"`}: set ${keys.join(" or ")} (or the provider's api_key in the config file).`,
      );
    }
    return available;
  }

  private modelOfKind(name: string, kind: ModelKind, index: number): Deployment {
    const deployment = this.byModel.get(name)?.[0];
    const param = index === 0 ? "model" : `fallbacks.${index - 1}`;
    if (!deployment) {
      throw new GatewayError(
        "GW_ERR_UNKNOWN_MODEL",
        `Unknown model "${name}". Use a model group (${this.groupNames().join(", ")}) or a catalog model (see list_models).`,
        { param },
      );
    }
    if (deployment.model.kind !== kind) {
      throw new GatewayError(
        "GW_ERR_INVALID_REQUEST",
        `Model "${name}" is a ${deployment.model.kind} model, not ${kind}.`,
        {
          param,
        },
      );
    }
    return deployment;
  }

  private unknownGroup(group: string): GatewayError {
    return new GatewayError(
      "GW_ERR_UNKNOWN_MODEL_GROUP",
      `Unknown model group "${group}". Known groups: ${this.groupNames().join(", ")}.`,
      { param: "model_group" },
    );
  }
}

/** The catalog model as one deployment serves it: the catalog's own object when nothing differs. */
function servedBy(model: ModelSpec, setting: DeploymentSettings): ModelSpec {
  const providerModelId = setting.providerModelId ?? model.providerModelId;
  if (setting.provider === model.provider && providerModelId === model.providerModelId && !setting.pricing) {
    return model;
  }
  return { ...model, provider: setting.provider, providerModelId, pricing: setting.pricing ?? model.pricing };
}
