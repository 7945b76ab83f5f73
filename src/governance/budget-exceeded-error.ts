import { GatewayError } from "../core/gateway-error.js";
import { type BudgetLimit, budgetWindow } from "./budget-limits.js";

/** Where one limit stood when a request did not fit it. */
export interface BudgetStanding {
  limit: BudgetLimit;
  spentNanoUsd: number;
  reservedNanoUsd: number;
}

export interface BudgetRefusal {
  projectId: string;
  agentId: string;
  /** The managed key the request came with: named (never its secret) when its own budget refuses. */
  keyName?: string;
  keyId?: string;
  requestMaxCostNanoUsd: number;
  /** Every applicable limit with its standing; at least one must be exceeded. */
  standings: BudgetStanding[];
  nowMs: number;
}

/** True when the request does not fit this limit. */
export function exceeds(standing: BudgetStanding, requestMaxCostNanoUsd: number): boolean {
  return (
    standing.spentNanoUsd + standing.reservedNanoUsd + requestMaxCostNanoUsd > standing.limit.limitNanoUsd
  );
}

/**
 * The refusal names the limit that blocks longest (a month outlasts a day),
 * since waiting for an earlier reset would not help; `details.exceeded` lists
 * every budget that did not fit. When the request alone is larger than the
 * limit, waiting never helps: no `retryAfterSeconds`, and the message says
 * to ask for fewer tokens instead.
 */
export function budgetExceededError(refusal: BudgetRefusal): GatewayError {
  const { projectId, agentId, requestMaxCostNanoUsd, nowMs } = refusal;
  const exceeded = refusal.standings.filter((standing) => exceeds(standing, requestMaxCostNanoUsd));
  const blocking = pickBlocking(exceeded, nowMs);
  const { limit, spentNanoUsd, reservedNanoUsd } = blocking;
  const window = budgetWindow(limit.period, nowMs);
  const resetsAt = new Date(window.toMs).toISOString();
  const retryAfterSeconds = Math.max(1, Math.ceil((window.toMs - nowMs) / 1000));
  const tooLargeAlone = requestMaxCostNanoUsd > limit.limitNanoUsd;
  const budget = describeBudget(limit, projectId, agentId, refusal.keyName);
  const field = `${limit.period === "day" ? "daily" : "monthly"}_usd`;
  const configPath =
    limit.scope === "project"
      ? `budgets.projects.${projectId}.${field}`
      : limit.scope === "agent"
        ? `budgets.projects.${projectId}.agents.${agentId}.${field}`
        : `the key's budget.${field} (PATCH /admin/keys/${refusal.keyId ?? "<id>"})`;
  const standing =
    `${formatUsd(spentNanoUsd)} is spent` +
    (reservedNanoUsd > 0 ? ` and ${formatUsd(reservedNanoUsd)} is held by requests in flight` : "");
  const message = tooLargeAlone
    ? `Budget exceeded: this request could cost up to ${formatUsd(requestMaxCostNanoUsd)}, more than the ` +
      `whole ${budget} of ${formatUsd(limit.limitNanoUsd)} (${standing}; it resets at ${resetsAt}). ` +
      `Lower max_tokens, shorten the prompt or pick a cheaper model, or ask the operator to raise ${configPath}.`
    : `Budget exceeded: the ${budget} is ${formatUsd(limit.limitNanoUsd)}; ${standing}, and this request ` +
      `could cost up to ${formatUsd(requestMaxCostNanoUsd)}. It resets at ${resetsAt} ` +
      `(in ${formatDuration(retryAfterSeconds)}). Retry after the reset, lower max_tokens, ` +
      `or ask the operator to raise ${configPath}.`;
  return new GatewayError("GW_ERR_BUDGET_EXCEEDED", message, {
    ...(tooLargeAlone ? {} : { retryAfterSeconds }),
    details: {
      budget: budgetName(limit),
      scope: limit.scope,
      period: limit.period,
      project_id: projectId,
      ...(limit.scope === "agent" ? { agent_id: agentId } : {}),
      ...(limit.scope === "key" ? { key_name: refusal.keyName, key_id: refusal.keyId } : {}),
      limit_usd: limit.limitNanoUsd / 1e9,
      spent_usd: spentNanoUsd / 1e9,
      reserved_usd: reservedNanoUsd / 1e9,
      request_max_cost_usd: requestMaxCostNanoUsd / 1e9,
      limit_nano_usd: limit.limitNanoUsd,
      spent_nano_usd: spentNanoUsd,
      reserved_nano_usd: reservedNanoUsd,
      request_max_cost_nano_usd: requestMaxCostNanoUsd,
      resets_at: resetsAt,
      reason: tooLargeAlone ? "request_exceeds_limit" : "limit_reached",
      exceeded: exceeded.map((entry) => budgetName(entry.limit)),
    },
  });
}

/** `project_daily`, `agent_monthly`, ...: stable names for `details`. */
export function budgetName(limit: BudgetLimit): string {
  return `${limit.scope}_${limit.period === "day" ? "daily" : "monthly"}`;
}

function describeBudget(limit: BudgetLimit, projectId: string, agentId: string, keyName?: string): string {
  const period = limit.period === "day" ? "daily (UTC day)" : "monthly (UTC calendar month)";
  if (limit.scope === "key") return `${period} budget of client key "${keyName ?? "?"}" (all its projects)`;
  return limit.scope === "project"
    ? `${period} budget of project "${projectId}"`
    : `${period} budget of agent "${agentId}" in project "${projectId}"`;
}

function pickBlocking(exceeded: BudgetStanding[], nowMs: number): BudgetStanding {
  const [first, ...rest] = exceeded;
  if (first === undefined) throw new Error("budgetExceededError needs at least one exceeded limit");
  let blocking = first;
  for (const standing of rest) {
    if (budgetWindow(standing.limit.period, nowMs).toMs > budgetWindow(blocking.limit.period, nowMs).toMs)
      blocking = standing;
  }
  return blocking;
}

/** Dollars with cents, and sub-cent digits only where they exist: $10.00, $0.0315, $0.000000042. */
export function formatUsd(nanoUsd: number): string {
  const sign = nanoUsd < 0 ? "-" : "";
  const absolute = Math.abs(nanoUsd);
  const dollars = Math.floor(absolute / 1e9);
  const fraction = String(absolute % 1e9)
    .padStart(9, "0")
    .replace(/0+$/, "")
    .padEnd(2, "0");
  return `${sign}$${dollars.toLocaleString("en-US")}.${fraction}`;
}

function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return minutes > 0 ? `${minutes}m` : `${seconds}s`;
}
