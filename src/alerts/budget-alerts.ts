import type { Alert } from "./alert.js";
import { escapeMrkdwn, formatPercent, formatUsd } from "./alert.js";
import type { AlertGate } from "./alert-gate.js";

/**
 * A budget's standing after a settle: what the lead's wiring calls `Alerts.budgetSettled` with,
 * once per budget (project, agent or key; day or month) the settled request counted against.
 */
export interface BudgetStandingEvent {
  scope: "project" | "agent" | "key";
  projectId?: string;
  agentId?: string;
  keyId?: string;
  /** The key's name, shown to people; never its secret. */
  keyName?: string;
  period: "day" | "month";
  limitNanoUsd: number;
  spentNanoUsd: number;
  /** When the period's window ends: ISO-8601, epoch ms or a Date. It also names the window. */
  resetsAt: string | number | Date;
  /**
   * The budget just refused a request. Holds bound what a request may cost, so settled spend stays
   * below the limit and stalls short of 100 %: the refusal is what says the budget is spent, and
   * counts as reaching every threshold up to 100 %.
   */
  refused?: boolean;
}

/** After the window resets, its claims are kept this much longer, for replicas' clocks apart. */
const windowClaimMarginMs = 3_600_000;

/**
 * Budget crossings: each threshold alerts once per budget and window, on whichever replica claims
 * it first. A jump over several thresholds at once alerts the highest only and claims the lower
 * ones silently, so a budget at 100 % never says "80 %" afterwards.
 */
export class BudgetAlerts {
  constructor(
    private readonly options: {
      thresholds: number[];
      gate: AlertGate;
      send: (alert: Alert) => void;
      now?: () => number;
    },
  ) {}

  /** Cheap below the lowest threshold (no I/O); never throws or rejects. */
  async budgetSettled(event: BudgetStandingEvent): Promise<void> {
    try {
      if (!(event.limitNanoUsd > 0)) return;
      const ratio = event.spentNanoUsd / event.limitNanoUsd;
      const reached = event.refused ? Math.max(ratio, 1) : ratio;
      const crossed = this.options.thresholds.filter((threshold) => reached >= threshold).reverse();
      if (crossed.length === 0) return;
      const resetsAtMs = new Date(event.resetsAt).getTime();
      if (Number.isNaN(resetsAtMs)) return;
      const now = (this.options.now ?? Date.now)();
      const ttlMs = Math.max(60_000, resetsAtMs - now + windowClaimMarginMs);
      const window = `${budgetName(event)}:${event.period}:${resetsAtMs}`;
      const [highest, ...lower] = crossed as [number, ...number[]];
      const won = await this.options.gate.once(`budget_threshold:${window}:${highest}`, ttlMs);
      await Promise.all(
        lower.map((threshold) => this.options.gate.once(`budget_threshold:${window}:${threshold}`, ttlMs)),
      );
      if (won) this.options.send(budgetAlert(event, highest, ratio, resetsAtMs, now));
    } catch {
      // An observer never fails the request it watches.
    }
  }
}

function budgetName(event: BudgetStandingEvent): string {
  return [event.scope, event.projectId ?? "", event.agentId ?? "", event.keyId ?? ""].join(":");
}

function budgetAlert(
  event: BudgetStandingEvent,
  threshold: number,
  ratio: number,
  resetsAtMs: number,
  now: number,
): Alert {
  const who =
    event.scope === "key"
      ? `key ${event.keyName ?? event.keyId}`
      : event.scope === "agent"
        ? `agent ${event.agentId} of project ${event.projectId}`
        : `project ${event.projectId}`;
  const period = event.period === "day" ? "daily" : "monthly";
  const resetsAt = new Date(resetsAtMs).toISOString();
  const exhausted = threshold >= 1;
  return {
    kind: "budget_threshold",
    severity: exhausted ? "critical" : "warning",
    title: `Budget ${formatPercent(threshold)} reached: ${who}, ${period}`,
    details: [
      `${escapeMrkdwn(who)}: ${formatUsd(event.spentNanoUsd)} of its ${period} ${formatUsd(event.limitNanoUsd)} spent (${formatPercent(ratio)}).`,
      event.refused
        ? `A request that would have cost more was refused; so are others until ${resetsAt}.`
        : exhausted
          ? `Requests that would cost more are refused until ${resetsAt}.`
          : `The budget resets at ${resetsAt}.`,
    ].join("\n"),
    subject: {
      ...(event.projectId !== undefined ? { projectId: event.projectId } : {}),
      ...(event.agentId !== undefined ? { agentId: event.agentId } : {}),
      ...(event.keyId !== undefined ? { keyId: event.keyId } : {}),
      ...(event.keyName !== undefined ? { keyName: event.keyName } : {}),
    },
    values: {
      scope: event.scope,
      period: event.period,
      threshold,
      ratio: Math.round(ratio * 10_000) / 10_000,
      refused: event.refused === true,
      spent_usd: event.spentNanoUsd / 1e9,
      limit_usd: event.limitNanoUsd / 1e9,
      resets_at: resetsAt,
    },
    at: new Date(now).toISOString(),
  };
}
