import type { KeyView, RateStanding } from "./admin-api-types.js";

/** Dollars to the cent from $1, to the millionth below (test and light traffic costs fractions of a cent). */
export function formatDollars(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "-";
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  return `$${usd.toFixed(6).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** `$5/day, $50/month`, or `-` without a budget. */
export function formatBudget(budget: { daily_usd: number | null; monthly_usd: number | null }): string {
  const parts = [
    budget.daily_usd === null ? undefined : `${formatDollars(budget.daily_usd)}/day`,
    budget.monthly_usd === null ? undefined : `${formatDollars(budget.monthly_usd)}/month`,
  ].filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join(", ") : "-";
}

/**
 * `60 rpm, 100000 tpm`, or `-` without limits; with where each stands this minute, when the
 * gateway says: `60 rpm (12 used)`.
 */
export function formatLimits(
  limits: { requests_per_minute: number | null; tokens_per_minute: number | null },
  rateStanding: RateStanding[] = [],
): string {
  const parts = (["requests_per_minute", "tokens_per_minute"] as const).flatMap((limit) => {
    const unit = limit === "requests_per_minute" ? "rpm" : "tpm";
    const standing = rateStanding.find((candidate) => candidate.limit === limit);
    if (standing) return [`${standing.allowed} ${unit} (${standing.used} used)`];
    return limits[limit] === null ? [] : [`${limits[limit]} ${unit}`];
  });
  return parts.length > 0 ? parts.join(", ") : "-";
}

export function formatProjects(projects: string[] | "*"): string {
  return projects === "*" ? "*" : projects.join(",");
}

/** `2026-12-07 14:05 UTC`; `never` for no time. */
export function formatTime(iso: string | null): string {
  if (!iso) return "never";
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** revoked, expired or active (config keys say so: the admin API cannot change them). */
export function keyStatus(key: KeyView, nowMs: number): string {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= nowMs) return "expired";
  return key.source === "config" ? "active (config)" : "active";
}
