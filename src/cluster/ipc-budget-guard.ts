import type { BudgetLimits } from "../config/gateway-config.js";
import {
  type BudgetGuard,
  type BudgetReservation,
  type BudgetReservationRequest,
  type BudgetStandingChange,
  type BudgetStandingListener,
  onceReservation,
  type PeriodStanding,
  tellStanding,
  unlimitedReservation,
} from "../governance/budget-guard.js";
import { applicableBudgetLimits, assertNanoUsd, scopeBudgetLimits } from "../governance/budget-limits.js";
import type { GovernancePolicy } from "../governance/governance-policy.js";
import type { SpendScope } from "../governance/spend-reader.js";
import { ClusterGoneError, type WorkerLink } from "./worker-link.js";

/** Topics the primary's budget guard pushes to workers. */
export const budgetTopics = {
  /** A project (or project U+001F agent) whose spend the primary counts: settles of it must reach it. */
  counting: "budget.counting",
  /** A budget's standing after a settle or a refusal, for one worker's alerts. */
  standing: "budget.standing",
} as const;

/**
 * A cluster worker's budgets without Redis: the primary holds the one `LocalBudgetGuard` of
 * the cluster, so concurrent requests on every worker check and hold against the same counters
 * and the budget is never overspent. A request no budget applies to (and whose project the
 * primary does not count) is answered here without a message, as `LocalBudgetGuard` answers it
 * without a hold; the others cost one round trip to reserve and one message to settle.
 */
export class IpcBudgetGuard implements BudgetGuard {
  readonly #link: WorkerLink;
  readonly #policy: GovernancePolicy;
  readonly #counting = new Set<string>();

  private constructor(link: WorkerLink, policy: GovernancePolicy, onStanding?: BudgetStandingListener) {
    this.#link = link;
    this.#policy = policy;
    link.onPush(budgetTopics.counting, (scope) => this.#counting.add(String(scope)));
    link.onPush(budgetTopics.standing, (change) => tellStanding(onStanding, change as BudgetStandingChange));
  }

  static async open(options: {
    link: WorkerLink;
    policy: GovernancePolicy;
    onStanding?: BudgetStandingListener;
  }): Promise<IpcBudgetGuard> {
    const guard = new IpcBudgetGuard(options.link, options.policy, options.onStanding);
    for (const scope of await options.link.call<string[]>("budget.counting", undefined))
      guard.#counting.add(scope);
    return guard;
  }

  async reserve(request: BudgetReservationRequest): Promise<BudgetReservation> {
    const { projectId, agentId, requestId, key } = request;
    assertNanoUsd(request.maxCostNanoUsd, "maxCostNanoUsd");
    if (
      key === undefined &&
      applicableBudgetLimits(this.#policy.budgets(), projectId, agentId).length === 0 &&
      !this.#counting.has(projectId) &&
      !this.#counting.has(`${projectId}\u001f${agentId}`)
    ) {
      return unlimitedReservation(requestId);
    }
    const { heldNanoUsd } = await this.#link.call<{ heldNanoUsd: number }>("budget.reserve", request);
    return onceReservation(requestId, heldNanoUsd, {
      settle: (actualCostNanoUsd) => this.#outcome("budget.settle", { requestId, actualCostNanoUsd }),
      release: () => this.#outcome("budget.release", { requestId }),
    });
  }

  standings(scope: SpendScope, limits: BudgetLimits | undefined): Promise<PeriodStanding[]> {
    if (scopeBudgetLimits(scope.scope, limits).length === 0) return Promise.resolve([]);
    return this.#link.call<PeriodStanding[]>("budget.standings", { scope, limits });
  }

  async close(): Promise<void> {}

  /** A settle or release never rejects for want of the primary: a worker without it is shutting down. */
  async #outcome(method: string, payload: unknown): Promise<void> {
    try {
      await this.#link.call(method, payload);
    } catch (error) {
      // The primary is gone and with it the holds: there is nothing left to settle against.
      if (!(error instanceof ClusterGoneError)) throw error;
    }
  }
}
