import { GatewayError } from "../core/gateway-error.js";
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
      const spent = await options.keySpend.spent(keyId, nowMs).catch(unreachable);
      return { todayUsd: spent.dayNanoUsd / 1e9, monthUsd: spent.monthNanoUsd / 1e9 };
    },
    async standing(scope, budget) {
      const standings = await options.budgetGuard.standings(scope, budget).catch(unreachable);
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

/** An unreachable store says so (503 with retry-after), like the usage store; bad input stays as it is. */
function unreachable(error: unknown): never {
  if (error instanceof GatewayError || error instanceof RangeError) throw error;
  throw new GatewayError(
    "GW_ERR_STORE_UNAVAILABLE",
    "The budget store is unreachable, so spend and budget standings cannot be read right now. Retry shortly.",
    { cause: error, retryAfterSeconds: 5 },
  );
}
