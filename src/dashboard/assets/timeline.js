// @ts-check

export const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/**
 * @typedef {{ requests: number, input_tokens: number, output_tokens: number, cached_input_tokens: number, cost_usd: number }} Totals
 * @typedef {Totals & { hour: string }} HourTotals
 * @typedef {Totals & { cache_hits?: number, saved_usd?: number, project_id: string, period: string, from: string, to: string, by_agent: Record<string, Totals>, by_model: Record<string, Totals>, by_hour: HourTotals[] }} UsageReport
 * @typedef {Totals & { startMs: number }} Bucket
 */

/** Hourly columns up to two days (past that, an `HH:00` label no longer says which day), then coarser. */
const steps = [
  { ms: hourMs, unit: "hour", maxColumns: 48 },
  { ms: dayMs, unit: "day", maxColumns: 200 },
  { ms: 7 * dayMs, unit: "week", maxColumns: 200 },
  { ms: 30 * dayMs, unit: "30 days", maxColumns: Number.POSITIVE_INFINITY },
];

/**
 * A report's hourly totals as chart columns, empty hours included: from the
 * period's start (for `all`, the first hour with usage) up to the current
 * hour, in the finest step (hour, day, ...) that keeps the chart readable.
 * Steps are whole UTC hours and days, like the gateway's periods.
 *
 * @param {UsageReport} report
 * @param {number} nowMs
 * @returns {{ unit: string, buckets: Bucket[] }}
 */
export function timeline(report, nowMs) {
  const hours = report.by_hour.map((hour) => ({ ...hour, startMs: Date.parse(hour.hour) }));
  const lastHour = hours.at(-1);
  const end = Math.max(
    Math.min(Date.parse(report.to), floor(nowMs, hourMs) + hourMs),
    lastHour ? lastHour.startMs + hourMs : 0,
  );
  const first =
    report.period === "all" ? (hours[0]?.startMs ?? floor(nowMs, hourMs)) : Date.parse(report.from);
  const step =
    steps.find((candidate) => (end - floor(first, candidate.ms)) / candidate.ms <= candidate.maxColumns) ??
    /** @type {(typeof steps)[number]} */ (steps.at(-1));
  const start = floor(first, step.ms);
  /** @type {Bucket[]} */
  const buckets = [];
  for (let startMs = start; startMs < end; startMs += step.ms) buckets.push({ startMs, ...zero() });
  for (const hour of hours) {
    const bucket = buckets[Math.floor((hour.startMs - start) / step.ms)];
    if (bucket === undefined) continue;
    bucket.requests += hour.requests;
    bucket.input_tokens += hour.input_tokens;
    bucket.output_tokens += hour.output_tokens;
    bucket.cached_input_tokens += hour.cached_input_tokens;
    bucket.cost_usd += hour.cost_usd;
  }
  return { unit: step.unit, buckets };
}

/** A column's label: `14:00` for hours, `03-09` for days and longer (UTC). */
export function bucketLabel(/** @type {number} */ startMs, /** @type {string} */ unit) {
  const iso = new Date(startMs).toISOString();
  return unit === "hour" ? `${iso.slice(11, 13)}:00` : iso.slice(5, 10);
}

/** @returns {Totals} */
function zero() {
  return { requests: 0, input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, cost_usd: 0 };
}

/** Epoch-aligned, which for hours and days is UTC-aligned. */
function floor(/** @type {number} */ epochMs, /** @type {number} */ stepMs) {
  return Math.floor(epochMs / stepMs) * stepMs;
}
