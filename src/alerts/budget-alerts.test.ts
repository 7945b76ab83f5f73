import { describe, expect, it } from "vitest";
import type { Alert } from "./alert.js";
import { MemoryAlertDedupe } from "./alert-dedupe.js";
import { AlertGate } from "./alert-gate.js";
import { BudgetAlerts, type BudgetStandingEvent } from "./budget-alerts.js";

const usd = 1e9;
const now = Date.parse("2026-12-06T15:00:00Z");

function setup(thresholds = [0.8, 1]) {
  const sent: Alert[] = [];
  const dedupe = new MemoryAlertDedupe(() => now);
  const alerts = new BudgetAlerts({
    thresholds,
    gate: new AlertGate(dedupe, () => now),
    send: (alert) => sent.push(alert),
    now: () => now,
  });
  return { sent, alerts, dedupe };
}

function projectDay(spentUsd: number, resetsAt = "2026-12-07T00:00:00.000Z"): BudgetStandingEvent {
  return {
    scope: "project",
    projectId: "team-a",
    period: "day",
    limitNanoUsd: 10 * usd,
    spentNanoUsd: spentUsd * usd,
    resetsAt,
  };
}

describe("BudgetAlerts", () => {
  it("alerts once at 80 % and once at 100 % of a window, however many settles follow", async () => {
    const { sent, alerts } = setup();
    for (const spent of [1, 7.99, 8, 8.5, 9.9, 10, 10.2, 10.3]) await alerts.budgetSettled(projectDay(spent));
    expect(sent.map((alert) => alert.values.threshold)).toEqual([0.8, 1]);
    expect(sent[0]).toMatchObject({
      kind: "budget_threshold",
      severity: "warning",
      title: "Budget 80 % reached: project team-a, daily",
      subject: { projectId: "team-a" },
      values: { scope: "project", period: "day", threshold: 0.8, ratio: 0.8, spent_usd: 8, limit_usd: 10 },
    });
    expect(sent[0]?.details).toContain("$8.00 of its daily $10.00 spent (80 %)");
    expect(sent[0]?.details).toContain("resets at 2026-12-07T00:00:00.000Z");
    expect(sent[1]).toMatchObject({
      severity: "critical",
      title: "Budget 100 % reached: project team-a, daily",
    });
    expect(sent[1]?.details).toContain("refused until 2026-12-07T00:00:00.000Z");
  });

  it("a jump over both thresholds alerts 100 % only, and 80 % never follows", async () => {
    const { sent, alerts } = setup();
    await alerts.budgetSettled(projectDay(7));
    await alerts.budgetSettled(projectDay(10.5));
    await alerts.budgetSettled(projectDay(10.6));
    expect(sent.map((alert) => alert.values.threshold)).toEqual([1]);
  });

  it("alerts again in the next window, and per budget", async () => {
    const { sent, alerts } = setup();
    await alerts.budgetSettled(projectDay(9));
    await alerts.budgetSettled(projectDay(9, "2026-12-08T00:00:00.000Z"));
    await alerts.budgetSettled({ ...projectDay(9), period: "month", resetsAt: "2027-01-01T00:00:00Z" });
    await alerts.budgetSettled({ ...projectDay(9), scope: "agent", agentId: "bot-1" });
    await alerts.budgetSettled({
      ...projectDay(9),
      scope: "key",
      projectId: undefined,
      keyId: "key_abcdefghijkl",
      keyName: "ci-bot",
    });
    expect(sent.map((alert) => alert.title)).toEqual([
      "Budget 80 % reached: project team-a, daily",
      "Budget 80 % reached: project team-a, daily",
      "Budget 80 % reached: project team-a, monthly",
      "Budget 80 % reached: agent bot-1 of project team-a, daily",
      "Budget 80 % reached: key ci-bot, daily",
    ]);
    expect(sent[4]?.subject).toEqual({ keyId: "key_abcdefghijkl", keyName: "ci-bot" });
  });

  it("a refusal reads as 100 % reached, since holds keep settled spend below the limit", async () => {
    const { sent, alerts } = setup([0.8, 1]);
    await alerts.budgetSettled(projectDay(9.97));
    await alerts.budgetSettled({ ...projectDay(9.97), refused: true });
    await alerts.budgetSettled({ ...projectDay(9.98), refused: true });
    expect(sent.map((alert) => alert.values.threshold)).toEqual([0.8, 1]);
    expect(sent[1]).toMatchObject({ severity: "critical", values: { refused: true, ratio: 0.997 } });
    expect(sent[1]?.details).toContain("$9.97 of its daily $10.00 spent (99.7 %)");
    expect(sent[1]?.details).toContain("was refused");
  });

  it("ignores spend below the lowest threshold, zero budgets and unreadable reset times", async () => {
    const { sent, alerts } = setup([0.5, 0.9]);
    await alerts.budgetSettled(projectDay(4.9));
    await alerts.budgetSettled({ ...projectDay(5), limitNanoUsd: 0 });
    await alerts.budgetSettled(projectDay(5, "not a date"));
    expect(sent).toEqual([]);
    await alerts.budgetSettled(projectDay(5));
    expect(sent.map((alert) => alert.values.threshold)).toEqual([0.5]);
  });

  it("one crossing seen by two replicas sharing a dedupe alerts once", async () => {
    const sent: Alert[] = [];
    const shared = new MemoryAlertDedupe(() => now);
    const replicas = [1, 2].map(
      () =>
        new BudgetAlerts({
          thresholds: [0.8, 1],
          gate: new AlertGate(shared, () => now),
          send: (alert) => sent.push(alert),
          now: () => now,
        }),
    );
    await Promise.all(replicas.map((replica) => replica.budgetSettled(projectDay(8.2))));
    expect(sent).toHaveLength(1);
  });
});
