import type { TokenUsage } from "../core/token-usage.js";
import type { UsageOutcome } from "../core/usage-record.js";
import type { BudgetReservation } from "../governance/budget-guard.js";
import type { Deployment } from "../routing/deployments.js";
import { computeCostNanoUsd } from "../usage/compute-cost.js";
import type { Caller } from "./caller.js";
import type { UsageBooker } from "./usage-booker.js";

export interface AnsweredRequest {
  caller: Caller;
  /** The group asked for; null when a concrete model was. */
  modelGroup: string | null;
  deployment: Deployment;
  tokens: TokenUsage;
  latencyMs: number;
  outcome: UsageOutcome;
  estimated: boolean;
  /**
   * The request id whose token reservation these tokens count with, when booked under another id
   * (a hedged call's loser, `<id>-hedge`): rate limits count them with the answer, as budgets do.
   */
  joins?: string;
}

/**
 * Prices an answered request, books it, and settles its budget hold to the
 * real cost; returns the cost in nano-USD.
 */
export function recordUsage(
  booker: UsageBooker,
  answered: AnsweredRequest,
  reservation: BudgetReservation,
): number {
  const { caller, deployment, tokens } = answered;
  const costNanoUsd = computeCostNanoUsd(tokens, deployment.model.pricing);
  // The record keeps all cache writes in one count; their TTL split is in the cost.
  const { cacheWrite1hInputTokens: _priced, ...bookedTokens } = tokens;
  booker.book({
    requestId: caller.requestId,
    projectId: caller.projectId,
    agentId: caller.agentId,
    modelGroup: answered.modelGroup,
    provider: deployment.provider.name,
    model: deployment.model.name,
    kind: deployment.model.kind,
    door: caller.door,
    ...bookedTokens,
    costNanoUsd,
    latencyMs: answered.latencyMs,
    outcome: answered.outcome,
    estimated: answered.estimated,
    timestamp: Date.now(),
  });
  if (answered.joins !== undefined)
    booker.joinTokens(answered.joins, tokens.inputTokens + tokens.outputTokens);
  // Settling never fails for an unreachable store (the guard queues it); only a bad amount rejects.
  reservation
    .settle(costNanoUsd)
    .catch((error: unknown) => booker.reportSettleFailure(caller.requestId, error));
  return costNanoUsd;
}
