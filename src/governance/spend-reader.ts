import type { BudgetLimits } from "../config/gateway-config.js";
import { type BudgetPeriod, budgetWindow } from "./budget-limits.js";

/** What one budget period of a project, agent or key stands at now. */
export interface BudgetStanding {
  period: BudgetPeriod;
  limitUsd: number;
  spentUsd: number;
  /** Held by requests still running (their estimated maximum), not yet booked. */
  heldUsd: number;
  resetsAtMs: number;
}

/** Whose spend: a project, an agent of a project, or a managed key across its projects. */
export type SpendScope =
  | { scope: "project"; projectId: string }
  | { scope: "agent"; projectId: string; agentId: string }
  | { scope: "key"; keyId: string };

/**
 * Spend and standing as the admin API shows them.
 * TODO(budgets helper, issue 18): replace `zeroSpendReader` in compose-gateway.ts with the budget
 * guards' reader (booked spend from the usage store, holds from the guard); until then every
 * standing reads zero spent and zero held.
 */
export interface SpendReader {
  /** A managed key's spend in the current UTC day and month. */
  keySpend(keyId: string, nowMs: number): Promise<{ todayUsd: number; monthUsd: number }>;
  /** One element per budget period the limits set (day first). */
  standing(scope: SpendScope, budget: BudgetLimits, nowMs: number): Promise<BudgetStanding[]>;
}

export const zeroSpendReader: SpendReader = {
  keySpend: async () => ({ todayUsd: 0, monthUsd: 0 }),
  standing: async (_scope, budget, nowMs) => {
    const periods: Array<[BudgetPeriod, number | undefined]> = [
      ["day", budget.dailyUsd],
      ["month", budget.monthlyUsd],
    ];
    return periods.flatMap(([period, limitUsd]) =>
      limitUsd === undefined
        ? []
        : [{ period, limitUsd, spentUsd: 0, heldUsd: 0, resetsAtMs: budgetWindow(period, nowMs).toMs }],
    );
  },
};
