import { type BudgetLimit, budgetWindow } from "./budget-limits.js";
import { projectKeyBase } from "./redis-script.js";

/**
 * Every budget key of a project carries the hash tag `{p:<project>}` (like the
 * usage keys), so on Redis Cluster they share one slot and one script may
 * touch them all:
 *
 * - `...:budget:spent:project:<day|month>:<2026-03-01|2026-03>` and
 *   `...:budget:spent:agent:<agent>:<day|month>:<label>`: settled nano-USD per
 *   UTC window (INCRBY), expiring one day after their window ends;
 * - `...:budget:reservations`: a hash, request id -> "<nano-USD>:<agent>";
 * - `...:budget:reservation-expiry`: a sorted set, request id scored by the
 *   epoch ms its hold lapses; every script first sweeps the lapsed ones;
 * - `...:budget:held`: a hash of the sums held, field `project` and
 *   `agent:<agent>`, kept by the same scripts so a check reads two numbers
 *   instead of every reservation;
 * - `...:budget:settled:<request id>`: "1" once the request is settled
 *   (SET NX + TTL), which makes settling idempotent.
 *
 * The three reservation keys expire a minute after the last hold would, so
 * an idle project leaves nothing behind.
 */
export function redisBudgetKeys(keyPrefix: string, projectId: string) {
  const base = `${projectKeyBase(keyPrefix, projectId)}:budget`;
  return {
    reservations: `${base}:reservations`,
    reservationExpiry: `${base}:reservation-expiry`,
    held: `${base}:held`,
    settled: (requestId: string) => `${base}:settled:${requestId}`,
    spent: (limit: Pick<BudgetLimit, "scope" | "period">, agentId: string, nowMs: number) => {
      const label = budgetWindow(limit.period, nowMs).label;
      return limit.scope === "project"
        ? `${base}:spent:project:${limit.period}:${label}`
        : `${base}:spent:agent:${agentId}:${limit.period}:${label}`;
    },
  };
}

/** The field of the `held` hash a limit of this scope reads. */
export function heldField(limit: Pick<BudgetLimit, "scope">, agentId: string): string {
  return limit.scope === "project" ? "project" : `agent:${agentId}`;
}
