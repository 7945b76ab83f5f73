import type { UsageQuery, UsageRecord, UsageSummary, UsageTotals } from "../core/usage-record.js";
import { floorToHour } from "./usage-period.js";

/** One hourly aggregate: a project's usage by one agent on one model in one UTC hour. */
export interface UsageBucket extends UsageTotals {
  agentId: string;
  model: string;
  hourStartMs: number;
}

export const totalsFields = [
  "requests",
  "inputTokens",
  "outputTokens",
  "cachedInputTokens",
  "cacheWriteInputTokens",
  "costNanoUsd",
] as const satisfies ReadonlyArray<keyof UsageTotals>;

export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    costNanoUsd: 0,
  };
}

/** What one record adds to its bucket. */
export function recordTotals(record: UsageRecord): UsageTotals {
  return {
    requests: 1,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    cachedInputTokens: record.cachedInputTokens,
    cacheWriteInputTokens: record.cacheWriteInputTokens,
    costNanoUsd: record.costNanoUsd,
  };
}

/**
 * Stores keep only hourly aggregates, so a window must start and end on UTC
 * hour boundaries (`periodRange` gives such windows); anything else would be
 * silently rounded, so it is refused.
 */
export function assertHourAlignedQuery(query: UsageQuery): void {
  const { fromMs, toMs } = query;
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs > toMs) {
    throw new RangeError(`usage query needs integer bounds with fromMs <= toMs, got [${fromMs}, ${toMs})`);
  }
  if (floorToHour(fromMs) !== fromMs || floorToHour(toMs) !== toMs) {
    throw new RangeError(`usage query bounds must be UTC hour boundaries, got [${fromMs}, ${toMs})`);
  }
}

/** Folds hourly buckets into totals, `byAgent`, `byModel` and `byHour` (oldest first). */
export function summarizeUsageBuckets(buckets: Iterable<UsageBucket>): UsageSummary {
  const summary: UsageSummary = { ...emptyTotals(), byAgent: {}, byModel: {}, byHour: [] };
  const byHour = new Map<number, { hourStartMs: number } & UsageTotals>();
  for (const bucket of buckets) {
    addTotals(summary, bucket);
    summary.byAgent[bucket.agentId] = addTotals(summary.byAgent[bucket.agentId] ?? emptyTotals(), bucket);
    summary.byModel[bucket.model] = addTotals(summary.byModel[bucket.model] ?? emptyTotals(), bucket);
    const hour = byHour.get(bucket.hourStartMs) ?? { hourStartMs: bucket.hourStartMs, ...emptyTotals() };
    byHour.set(bucket.hourStartMs, addTotals(hour, bucket));
  }
  summary.byHour = [...byHour.values()].sort((a, b) => a.hourStartMs - b.hourStartMs);
  return summary;
}

function addTotals<T extends UsageTotals>(target: T, source: UsageTotals): T {
  for (const field of totalsFields) target[field] += source[field];
  return target;
}
