import type { ProjectBudget } from "../config/gateway-config.js";
import {
  type BudgetGuard,
  type BudgetReservation,
  unlimitedReservation,
} from "../governance/budget-guard.js";
import { applicableBudgetLimits } from "../governance/budget-limits.js";
import { estimateMaxCostNanoUsd } from "../governance/estimate-max-cost-nano-usd.js";
import type { RateLimiter } from "../governance/rate-limiter.js";
import type { Deployment } from "../routing/deployments.js";
import type { Caller } from "./caller.js";
import { assertMayActFor } from "./principal.js";

/**
 * What a spending request passes before any provider is called, in order:
 * the client key may act for the project, the rate limits admit it, and its
 * estimated maximum fits every budget (held until the real cost is known).
 */
export class Admission {
  constructor(
    private readonly budgets: Readonly<Record<string, ProjectBudget>>,
    private readonly budgetGuard: BudgetGuard,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async admit(
    caller: Caller,
    targets: Deployment[],
    estimate: {
      /**
       * An upper bound of the input tokens; counting may stop at `stopAt`, the
       * largest context window of the chain (Infinity unless `withinContextWindow`).
       */
      promptTokens: (stopAt: number) => Promise<number>;
      /** A chat prompt is billed at most up to the deployment's context window; an embedding batch is not. */
      withinContextWindow: boolean;
      maxOutputTokens: (deployment: Deployment) => number;
      /** The longest prompt-cache TTL the request may write at (Anthropic bills writes above input). */
      cacheWrites?: "none" | "5m" | "1h";
    },
  ): Promise<BudgetReservation> {
    assertMayActFor(caller.principal, caller.projectId);
    await this.rateLimiter.check({ projectId: caller.projectId, agentId: caller.agentId });
    // Counting prompt tokens costs CPU: only requests a budget applies to pay for it.
    if (applicableBudgetLimits(this.budgets, caller.projectId, caller.agentId).length === 0) {
      return unlimitedReservation(caller.requestId);
    }
    const inputCap = (deployment: Deployment) =>
      estimate.withinContextWindow ? deployment.model.contextWindow : Infinity;
    const promptTokens = await estimate.promptTokens(Math.max(...targets.map(inputCap)));
    // Failover may land on any deployment of the chain: hold for the dearest.
    const maxCostNanoUsd = Math.max(
      ...targets.map((deployment) =>
        estimateMaxCostNanoUsd(
          Math.min(promptTokens, inputCap(deployment)),
          estimate.maxOutputTokens(deployment),
          deployment.model.pricing,
          deployment.provider.kind === "anthropic" ? estimate.cacheWrites : "none",
        ),
      ),
    );
    return this.budgetGuard.reserve({
      projectId: caller.projectId,
      agentId: caller.agentId,
      maxCostNanoUsd,
      requestId: caller.requestId,
    });
  }

  /**
   * For calls that spend no provider money but cost the gateway work
   * (count_tokens): the key may act for the project and the rate limits admit it.
   */
  async admitUnbilled(caller: Caller): Promise<void> {
    assertMayActFor(caller.principal, caller.projectId);
    await this.rateLimiter.check({ projectId: caller.projectId, agentId: caller.agentId });
  }

  async close(): Promise<void> {
    await this.budgetGuard.close();
  }
}
