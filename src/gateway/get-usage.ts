import { GatewayError } from "../core/gateway-error.js";
import type { UsageStore, UsageSummary, UsageTotals } from "../core/usage-record.js";
import { nanoUsdToUsd } from "../usage/compute-cost.js";
import { periodRange, type UsagePeriod } from "../usage/usage-period.js";
import type { UsageBudgets } from "./budget-standing.js";

export interface UsageReportTotals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  /** Input tokens written to a provider's prompt cache (billed at the cache-write price). */
  cache_write_tokens: number;
  cost_usd: number;
  /** Requests answered from the gateway's response cache (booked at $0), and what they would have cost. */
  cache_hits: number;
  saved_usd: number;
}

/** The get_usage result of DESIGN.md (snake_case: a public contract), plus hourly totals for charts. */
export interface UsageReport extends UsageReportTotals {
  project_id: string;
  period: UsagePeriod;
  from: string;
  to: string;
  agent_id?: string;
  by_agent: Record<string, UsageReportTotals>;
  by_model: Record<string, UsageReportTotals>;
  by_hour: Array<{ hour: string } & UsageReportTotals>;
  /** Where the project's (agent's, key's) budgets stand now; the gateway adds it to the store's report. */
  budgets?: UsageBudgets;
}

export interface UsageRequest {
  projectId: string;
  period: UsagePeriod;
  /** Only this agent's usage. */
  agentId?: string;
}

/**
 * A project's usage over a UTC calendar period, read from hourly aggregates
 * (O(buckets)). Bookings this process still has in flight are flushed first,
 * so a caller always sees its own finished requests.
 */
export async function getUsage(
  store: UsageStore,
  flushPendingBookings: () => Promise<void>,
  request: UsageRequest,
  now: Date = new Date(),
): Promise<UsageReport> {
  await flushPendingBookings();
  const range = periodRange(request.period, now);
  let summary: UsageSummary;
  try {
    summary = await store.summarize({ projectId: request.projectId, ...range, agentId: request.agentId });
  } catch (error) {
    throw new GatewayError(
      "GW_ERR_STORE_UNAVAILABLE",
      "The usage store is unreachable, so usage cannot be read right now (bookings are kept in the local journal meanwhile). Retry shortly.",
      { cause: error, retryAfterSeconds: 5 },
    );
  }
  return {
    project_id: request.projectId,
    period: request.period,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    ...(request.agentId ? { agent_id: request.agentId } : {}),
    ...reportTotals(summary),
    by_agent: mapValues(summary.byAgent, reportTotals),
    by_model: mapValues(summary.byModel, reportTotals),
    by_hour: summary.byHour.map((bucket) => ({
      hour: new Date(bucket.hourStartMs).toISOString(),
      ...reportTotals(bucket),
    })),
  };
}

function reportTotals(totals: UsageTotals): UsageReportTotals {
  return {
    requests: totals.requests,
    input_tokens: totals.inputTokens,
    output_tokens: totals.outputTokens,
    cached_input_tokens: totals.cachedInputTokens,
    cache_write_tokens: totals.cacheWriteInputTokens,
    cost_usd: nanoUsdToUsd(totals.costNanoUsd),
    cache_hits: totals.cacheHits,
    saved_usd: nanoUsdToUsd(totals.savedNanoUsd),
  };
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}
