export type UsagePeriod = "hour" | "day" | "week" | "month" | "all";

export const usagePeriods: readonly UsagePeriod[] = ["hour", "day", "week", "month", "all"];

export const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Inclusive start and exclusive end, epoch ms, both on UTC hour boundaries. */
export interface PeriodRange {
  fromMs: number;
  toMs: number;
}

/**
 * The UTC calendar bucket holding `now`: its hour, its day, its ISO week
 * (Monday 00:00 UTC to the next Monday), its month. `all` runs from the epoch
 * to the end of the current hour, so every bound is an hour boundary and the
 * stores can answer from their hourly aggregates.
 */
export function periodRange(period: UsagePeriod, now: Date): PeriodRange {
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError("periodRange needs a valid date");
  const hourStart = floorToHour(nowMs);
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  switch (period) {
    case "hour":
      return { fromMs: hourStart, toMs: hourStart + hourMs };
    case "day":
      return { fromMs: dayStart, toMs: dayStart + dayMs };
    case "week": {
      // getUTCDay() is 0 on Sunday; ISO weeks start on Monday.
      const daysSinceMonday = (now.getUTCDay() + 6) % 7;
      const weekStart = dayStart - daysSinceMonday * dayMs;
      return { fromMs: weekStart, toMs: weekStart + 7 * dayMs };
    }
    case "month":
      return {
        fromMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1),
        toMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1),
      };
    case "all":
      return { fromMs: 0, toMs: hourStart + hourMs };
    default:
      throw new RangeError(`unknown usage period: ${String(period satisfies never)}`);
  }
}

/** Start of the UTC hour holding `epochMs`; UTC has no leap seconds in epoch time, so this is plain arithmetic. */
export function floorToHour(epochMs: number): number {
  return Math.floor(epochMs / hourMs) * hourMs;
}
