import type { BudgetLimits, ProjectBudget } from "../config/gateway-config.js";
import { type PeriodRange, periodRange } from "../usage/usage-period.js";

/** A project, one of its agents, or a managed client key (across every project it acts for). */
export type BudgetScope = "project" | "agent" | "key";
export type BudgetPeriod = "day" | "month";

/** One limit that applies to a request: the project's, its agent's or its key's, per UTC day or month. */
export interface BudgetLimit {
  scope: BudgetScope;
  period: BudgetPeriod;
  limitNanoUsd: number;
}

/**
 * The limits a request of `agentId` in `projectId` must fit, in a fixed order
 * (project day, project month, agent day, agent month). Empty when neither
 * the project nor the agent has a budget: such requests cost no work at all.
 */
export function applicableBudgetLimits(
  budgets: Readonly<Record<string, ProjectBudget>>,
  projectId: string,
  agentId: string,
): BudgetLimit[] {
  const project = Object.hasOwn(budgets, projectId) ? budgets[projectId] : undefined;
  if (project === undefined) return [];
  const agent = Object.hasOwn(project.agents, agentId) ? project.agents[agentId] : undefined;
  return [...scopeBudgetLimits("project", project), ...scopeBudgetLimits("agent", agent)];
}

/** The day and month limits one project's, agent's or key's budget sets, day first. */
export function scopeBudgetLimits(scope: BudgetScope, config: BudgetLimits | undefined): BudgetLimit[] {
  const limits: BudgetLimit[] = [];
  if (config?.dailyUsd !== undefined)
    limits.push({ scope, period: "day", limitNanoUsd: usdToNanoUsd(config.dailyUsd) });
  if (config?.monthlyUsd !== undefined)
    limits.push({ scope, period: "month", limitNanoUsd: usdToNanoUsd(config.monthlyUsd) });
  return limits;
}

/** Config limits are USD with at most cent-ish precision; rounding to a nano-USD removes float noise (0.1 + 0.2). */
export function usdToNanoUsd(usd: number): number {
  return Math.round(usd * 1e9);
}

/** The UTC calendar day or month holding `nowMs`: budgets reset at its end. */
export function budgetWindow(period: BudgetPeriod, nowMs: number): PeriodRange & { label: string } {
  const range = periodRange(period, new Date(nowMs));
  // "2026-03-01" for a day, "2026-03" for a month: readable in Redis key names.
  const label = new Date(range.fromMs).toISOString().slice(0, period === "day" ? 10 : 7);
  return { ...range, label };
}

/** Rejects amounts that would make integer nano-USD arithmetic inexact. */
export function assertNanoUsd(amount: number, name: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer of nano-USD, got ${amount}`);
  }
}
