import { type BudgetPeriod, budgetWindow } from "./budget-limits.js";
import { assertKeyId } from "./key-spend-ledger.js";

/**
 * Every key of a managed client key's budget and spend carries the hash tag
 * `{k:<key id>}`, so on Redis Cluster they share one slot (a key acts for
 * many projects, so its keys cannot live in a project's slot):
 *
 * - `...:key-spend:<day|month>:<2026-03-01|2026-03>`: nano-USD the key spent
 *   per UTC window (INCRBY at settle, for every managed key, budget or not),
 *   expiring one day after their window ends. These are the key's spend ledger;
 * - `...:key-spend:booked:<request id>`: "1" once the request is booked (SET NX + TTL);
 * - `...:key-budget:reservations` (hash, request id -> nano-USD),
 *   `...:key-budget:reservation-expiry` (sorted set) and `...:key-budget:held`
 *   (field `key`): holds of requests in flight, as for projects.
 */
export function redisKeyBudgetKeys(keyPrefix: string, keyId: string) {
  assertKeyId(keyId);
  const base = `${keyPrefix}{k:${keyId}}`;
  return {
    reservations: `${base}:key-budget:reservations`,
    reservationExpiry: `${base}:key-budget:reservation-expiry`,
    held: `${base}:key-budget:held`,
    booked: (requestId: string) => `${base}:key-spend:booked:${requestId}`,
    spent: (period: BudgetPeriod, nowMs: number) =>
      `${base}:key-spend:${period}:${budgetWindow(period, nowMs).label}`,
  };
}
