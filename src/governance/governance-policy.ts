import type { GatewayConfig, ProjectBudget, RateLimitConfig } from "../config/gateway-config.js";

/**
 * The budgets and rate limits in force now. Budget guards and rate limiters ask it on every
 * request instead of keeping a copy, so a limit changed at runtime (admin API, on any replica)
 * applies to the next request that sees the change.
 */
export interface GovernancePolicy {
  budgets(): Readonly<Record<string, ProjectBudget>>;
  rateLimits(): RateLimitConfig;
}

/** The configuration's limits, never changing: the policy without a governance store. */
export function staticGovernancePolicy(
  config: Pick<GatewayConfig, "budgets" | "rateLimits">,
): GovernancePolicy {
  return { budgets: () => config.budgets, rateLimits: () => config.rateLimits };
}
