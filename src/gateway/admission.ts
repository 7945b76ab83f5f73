import {
  type BudgetGuard,
  type BudgetKey,
  type BudgetReservation,
  unlimitedReservation,
} from "../governance/budget-guard.js";
import { applicableBudgetLimits, scopeBudgetLimits } from "../governance/budget-limits.js";
import { estimateMaxCostNanoUsd } from "../governance/estimate-max-cost-nano-usd.js";
import type { GovernancePolicy } from "../governance/governance-policy.js";
import type { RateLimiter, RateLimitRequest } from "../governance/rate-limiter.js";
import type { Deployment } from "../routing/deployments.js";
import type { Caller } from "./caller.js";
import { assertMayActFor, type Principal } from "./principal.js";

/**
 * What a spending request passes before any provider is called, in order:
 * the client key may act for the project, the rate limits admit it (its
 * estimated input reserved against tokens-per-minute limits until its usage
 * is booked), and its estimated maximum fits every budget (held until the
 * real cost is known): the project's and agent's, read from the policy per
 * request, and a managed key's own, across every project it acts for.
 * Releasing the returned reservation releases both.
 */
export class Admission {
  constructor(
    private readonly policy: GovernancePolicy,
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
    const inputCap = (deployment: Deployment) =>
      estimate.withinContextWindow ? deployment.model.contextWindow : Infinity;
    // Counting prompt tokens costs CPU: only requests a budget or a tokens-per-minute limit applies
    // to pay for it, once.
    let counting: Promise<number> | undefined;
    const countPromptTokens = () => {
      counting ??= estimate.promptTokens(Math.max(...targets.map(inputCap)));
      return counting;
    };
    await this.rateLimiter.check(rateLimitRequestOf(caller), countPromptTokens);
    const releaseTokens = () => this.rateLimiter.release(caller.requestId);
    const key = budgetKeyOf(caller.principal);
    if (
      applicableBudgetLimits(this.policy.budgets(), caller.projectId, caller.agentId).length === 0 &&
      scopeBudgetLimits("key", key?.limits).length === 0
    ) {
      // A managed key's spend is still booked at settle, budget or not: nothing held.
      const reservation = key
        ? await this.budgetGuard.reserve({
            projectId: caller.projectId,
            agentId: caller.agentId,
            maxCostNanoUsd: 0,
            requestId: caller.requestId,
            key,
          })
        : unlimitedReservation(caller.requestId);
      return releasingTokens(reservation, releaseTokens);
    }
    const promptTokens = await countPromptTokens();
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
    const reservation = await this.budgetGuard
      .reserve({
        projectId: caller.projectId,
        agentId: caller.agentId,
        maxCostNanoUsd,
        requestId: caller.requestId,
        ...(key ? { key } : {}),
      })
      .catch(async (error: unknown) => {
        // Refused by a budget: no provider is called, so no token is spent.
        await releaseTokens();
        throw error;
      });
    return releasingTokens(reservation, releaseTokens);
  }

  /**
   * For calls that spend no provider money but cost the gateway work
   * (count_tokens): the key may act for the project and the rate limits admit it.
   */
  async admitUnbilled(caller: Caller): Promise<void> {
    assertMayActFor(caller.principal, caller.projectId);
    // No estimate: it spends no tokens, so only requests-per-minute limits count it.
    await this.rateLimiter.check(rateLimitRequestOf(caller));
  }

  async close(): Promise<void> {
    await this.budgetGuard.close();
  }
}

function rateLimitRequestOf(caller: Caller): RateLimitRequest {
  const { keyId, limits } = caller.principal ?? {};
  return {
    requestId: caller.requestId,
    projectId: caller.projectId,
    agentId: caller.agentId,
    ...(keyId !== undefined ? { keyId, keyLimits: limits ?? {} } : {}),
  };
}

/**
 * The budget reservation, whose release also gives the request's reserved tokens back (the
 * request failed before any usage was booked; once booked, the tokens are settled and this
 * does nothing).
 */
function releasingTokens(
  reservation: BudgetReservation,
  releaseTokens: () => Promise<void>,
): BudgetReservation {
  return {
    requestId: reservation.requestId,
    heldNanoUsd: reservation.heldNanoUsd,
    settle: (actualCostNanoUsd) => reservation.settle(actualCostNanoUsd),
    release: async () => {
      await Promise.all([reservation.release(), releaseTokens()]);
    },
  };
}

/** The managed key a caller authenticated with, as the budget guard needs it; config keys have no id. */
export function budgetKeyOf(principal: Principal | undefined): BudgetKey | undefined {
  if (principal?.keyId === undefined) return undefined;
  const { dailyUsd, monthlyUsd } = principal.limits ?? {};
  const limits = {
    ...(dailyUsd !== undefined ? { dailyUsd } : {}),
    ...(monthlyUsd !== undefined ? { monthlyUsd } : {}),
  };
  return { keyId: principal.keyId, keyName: principal.keyName, limits };
}
