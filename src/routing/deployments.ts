import { GatewayError } from "../core/gateway-error.js";
import type { ModelKind, ModelSpec } from "../core/model-catalog.js";
import type { ProviderAdapter, ProviderSettings } from "../core/provider-adapter.js";

/** A catalog model on its provider: the unit of failover and of circuit breaking. */
export interface Deployment {
  /** `provider/model`, the circuit key. */
  key: string;
  model: ModelSpec;
  provider: ProviderSettings;
  /** Undefined when the provider has no API key configured. */
  adapter: ProviderAdapter | undefined;
}

export function isAvailable(deployment: Deployment): deployment is Deployment & { adapter: ProviderAdapter } {
  return deployment.adapter !== undefined;
}

export interface DeploymentsConfig {
  catalog: Record<string, ModelSpec>;
  modelGroups: Record<string, string[]>;
  providers: Record<string, ProviderSettings>;
}

/** Resolves what a caller asked for (a group, or a model with optional fallbacks) to deployments. */
export class Deployments {
  private readonly byModel = new Map<string, Deployment>();

  constructor(
    private readonly config: DeploymentsConfig,
    adapters: ReadonlyMap<string, ProviderAdapter>,
  ) {
    for (const model of Object.values(config.catalog)) {
      const provider = config.providers[model.provider] as ProviderSettings;
      this.byModel.set(model.name, {
        key: `${model.provider}/${model.name}`,
        model,
        provider,
        adapter: provider.apiKey === undefined ? undefined : adapters.get(provider.name),
      });
    }
  }

  groupNames(): string[] {
    return Object.keys(this.config.modelGroups);
  }

  /** The whole chain of a group, available or not (for list_models). */
  chainOf(group: string): Deployment[] {
    const chain = this.groupChain(group);
    if (!chain) throw this.unknownGroup(group);
    return chain.map((name) => this.byModel.get(name) as Deployment);
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

  model(name: string): Deployment | undefined {
    return this.byModel.get(name);
  }

  all(): Deployment[] {
    return [...this.byModel.values()];
  }

  /**
   * The deployments to try, in order, for a request: a group's chain, or a
   * model followed by its explicit fallbacks. Entries without a key are
   * skipped; none left is an error that says which keys to set.
   */
  targetsFor(
    request: { modelGroup?: string; model?: string; fallbacks?: string[] },
    kind: ModelKind,
  ): Deployment[] {
    const wanted = request.model
      ? [request.model, ...(request.fallbacks ?? [])].map((name, index) =>
          this.modelOfKind(name, kind, index),
        )
      : this.chainOf(request.modelGroup ?? (kind === "chat" ? "reasoning" : "embedding"));
    if (!request.model && wanted[0] && wanted[0].model.kind !== kind) {
      throw new GatewayError(
        "GW_ERR_INVALID_REQUEST",
        `Model group "${request.modelGroup}" serves ${wanted[0].model.kind} models, not ${kind}.`,
        { param: "model_group" },
      );
    }
    const available = wanted.filter(isAvailable);
    if (available.length === 0) {
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
    const deployment = this.byModel.get(name);
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
