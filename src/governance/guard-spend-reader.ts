import type { BudgetGuard } from "./budget-guard.js";
import type { KeySpendLedger } from "./key-spend-ledger.js";
import type { SpendReader } from "./spend-reader.js";

/**
 * The SpendReader of the running gateway: standings from the budget guard
 * (spent as its counters have it, seeded from the usage store, plus what
 * requests in flight hold) and managed keys' spend from the key ledger.
 */
export function createGuardSpendReader(options: {
  budgetGuard: BudgetGuard;
  keySpend: KeySpendLedger;
}): SpendReader {
  return {
    async keySpend(keyId, nowMs) {
      const spent = await options.keySpend.spent(keyId, nowMs);
      return { todayUsd: spent.dayNanoUsd / 1e9, monthUsd: spent.monthNanoUsd / 1e9 };
    },
    async standing(scope, budget) {
      const standings = await options.budgetGuard.standings(scope, budget);
      return standings.map((standing) => ({
        period: standing.period,
        limitUsd: standing.limitNanoUsd / 1e9,
        spentUsd: standing.spentNanoUsd / 1e9,
        heldUsd: standing.heldNanoUsd / 1e9,
        resetsAtMs: standing.resetsAtMs,
      }));
    },
  };
}
