import { type BudgetPeriod, budgetWindow } from "./budget-limits.js";

/** What a managed key spent in the UTC day and month holding a moment. */
export interface KeySpend {
  dayNanoUsd: number;
  monthNanoUsd: number;
}

/** One request's cost, booked to the key that made it. */
export interface KeySpendBooking {
  keyId: string;
  requestId: string;
  costNanoUsd: number;
  /** Epoch ms; the cost goes to the UTC day and month holding it. */
  atMs: number;
}

/**
 * Spend per managed client key, per UTC day and month, whether or not the
 * key has a budget: the admin API shows it and a key budget checks against
 * it. Kept in the usage store's engine (a SQLite file of the data dir, or
 * Redis counters), so it survives restarts and every replica sees the same.
 */
export interface KeySpendLedger {
  /**
   * Adds the cost to the key's day and month, once per request id (within the
   * settled-id TTL, 24 h by default): a repeat books nothing and answers false.
   */
  book(booking: KeySpendBooking): Promise<boolean>;
  spent(keyId: string, nowMs: number): Promise<KeySpend>;
  close(): Promise<void>;
}

/** The window label a key's counter of `period` uses at `nowMs` (see budgetWindow). */
export function keySpendWindow(period: BudgetPeriod, nowMs: number) {
  return budgetWindow(period, nowMs);
}

/** Key ids travel into Redis hash tags: the admin API's `key_<base32>`, or any id of the project-id alphabet. */
export function assertKeyId(keyId: string): void {
  if (keyId.length === 0 || keyId.length > 128 || !/^[A-Za-z0-9._:-]+$/.test(keyId)) {
    throw new RangeError(`key id ${JSON.stringify(keyId)} is not a valid managed key id`);
  }
}

/** Key spend in this process only (tests, and a local guard given no ledger): lost on restart. */
export function memoryKeySpendLedger(): KeySpendLedger {
  const spent = new Map<string, number>();
  const booked = new Set<string>();
  const counter = (keyId: string, period: BudgetPeriod, atMs: number) =>
    `${keyId}\u001f${period}\u001f${keySpendWindow(period, atMs).label}`;
  return {
    async book({ keyId, requestId, costNanoUsd, atMs }) {
      if (booked.has(requestId)) return false;
      booked.add(requestId);
      for (const period of ["day", "month"] as const) {
        const name = counter(keyId, period, atMs);
        spent.set(name, (spent.get(name) ?? 0) + costNanoUsd);
      }
      return true;
    },
    async spent(keyId, nowMs) {
      return {
        dayNanoUsd: spent.get(counter(keyId, "day", nowMs)) ?? 0,
        monthNanoUsd: spent.get(counter(keyId, "month", nowMs)) ?? 0,
      };
    },
    async close() {},
  };
}
