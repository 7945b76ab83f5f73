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
  "cacheHits",
  "savedNanoUsd",
] as const satisfies ReadonlyArray<keyof UsageTotals>;

export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    costNanoUsd: 0,
    cacheHits: 0,
    savedNanoUsd: 0,
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
    cacheHits: record.cacheHit ? 1 : 0,
    savedNanoUsd: record.savedNanoUsd ?? 0,
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
  const totals = emptyTotals();
  // Maps, not plain objects: agent ids are the callers' own ("__proto__" and "constructor" are
  // valid), and indexing `{}` with them reaches Object.prototype.
  const byAgent = new Map<string, UsageTotals>();
  const byModel = new Map<string, UsageTotals>();
  const byHour = new Map<number, { hourStartMs: number } & UsageTotals>();
  for (const bucket of buckets) {
    addTotals(totals, bucket);
    byAgent.set(bucket.agentId, addTotals(byAgent.get(bucket.agentId) ?? emptyTotals(), bucket));
    byModel.set(bucket.model, addTotals(byModel.get(bucket.model) ?? emptyTotals(), bucket));
    const hour = byHour.get(bucket.hourStartMs) ?? { hourStartMs: bucket.hourStartMs, ...emptyTotals() };
    byHour.set(bucket.hourStartMs, addTotals(hour, bucket));
  }
  return {
    ...totals,
    // Object.fromEntries defines own properties, so even "__proto__" is an ordinary key.
    byAgent: Object.fromEntries(byAgent),
    byModel: Object.fromEntries(byModel),
    byHour: [...byHour.values()].sort((a, b) => a.hourStartMs - b.hourStartMs),
  };
}

function addTotals<T extends UsageTotals>(target: T, source: UsageTotals): T {
  for (const field of totalsFields) target[field] += source[field];
  return target;
}
