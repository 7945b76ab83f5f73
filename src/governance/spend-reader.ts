import type { BudgetLimits } from "../config/gateway-config.js";
import type { BudgetPeriod } from "./budget-limits.js";

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

/** Spend and standing as the admin API and get_usage show them (the guards' reader fills them). */
export interface SpendReader {
  /** A managed key's spend in the current UTC day and month. */
  keySpend(keyId: string, nowMs: number): Promise<{ todayUsd: number; monthUsd: number }>;
  /** One element per budget period the limits set (day first). */
  standing(scope: SpendScope, budget: BudgetLimits, nowMs: number): Promise<BudgetStanding[]>;
}
