import type { ModelPricing } from "./model-catalog.js";

/**
 * How the deployments of one chain step are ordered for a request (README "Deployments"):
 * `weighted` at random by weight, `least_latency` by recent time to first token,
 * `least_busy` by calls under way, `cheapest` by price for the request's tokens.
 */
export const balancingStrategies = ["weighted", "least_latency", "least_busy", "cheapest"] as const;
export type BalancingStrategy = (typeof balancingStrategies)[number];

/** One account, region or platform serving a catalog model (config `deployments`). */
export interface DeploymentSettings {
  /** A configured provider's name. */
  provider: string;
  /** The id sent upstream; absent: the catalog model's. */
  providerModelId?: string;
  /** Share of traffic under `weighted` (and the unit `least_busy` divides by); default 1. */
  weight: number;
  /** This deployment's own prices; absent: the catalog model's. */
  pricing?: ModelPricing;
}

export interface RoutingSettings {
  /** For requests by model, and groups without their own. */
  strategy: BalancingStrategy;
  modelGroups: Record<string, BalancingStrategy>;
}
