import { describe, expect, it } from "vitest";
import type { Attempt } from "../routing/attempt.js";
import type { Alert } from "./alert.js";
import { MemoryAlertDedupe } from "./alert-dedupe.js";
import { AlertGate } from "./alert-gate.js";
import { ProviderErrorRateAlerts } from "./provider-error-rate-alerts.js";

function attempt(provider: string, outcome: Attempt["outcome"]): Attempt {
  return { provider, model: `${provider}-model`, outcome, latency_ms: 5 };
}

function setup() {
  let now = Date.parse("2026-12-06T15:00:00Z");
  const sent: Alert[] = [];
  const clock = () => now;
  const alerts = new ProviderErrorRateAlerts({
    errorRate: { threshold: 0.5, windowMs: 300_000, minAttempts: 10 },
    cooldownMs: 900_000,
    gate: new AlertGate(new MemoryAlertDedupe(clock), clock),
    send: (alert) => sent.push(alert),
    now: clock,
  });
  /** Lets the gate's claim settle before looking at what was sent. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { sent, alerts, settle, advance: (ms: number) => (now += ms) };
}

describe("ProviderErrorRateAlerts", () => {
  it("says nothing before min_attempts, then alerts once when failures reach the threshold", async () => {
    const { sent, alerts, settle } = setup();
    for (let index = 0; index < 9; index += 1) alerts.attemptsMade([attempt("anthropic", "failed")]);
    await settle();
    expect(sent).toEqual([]);
    alerts.attemptsMade([attempt("anthropic", "failed"), attempt("openai", "success")]);
    await settle();
    for (let index = 0; index < 20; index += 1) alerts.attemptsMade([attempt("anthropic", "failed")]);
    await settle();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: "provider_error_rate",
      title: "Provider anthropic: 100 % of attempts failed",
      subject: { provider: "anthropic" },
      values: { error_rate: 1, failures: 10, attempts: 10, threshold: 0.5, window_seconds: 300 },
    });
  });

  it("a healthy provider stays quiet; skipped and refused attempts do not count", async () => {
    const { sent, alerts, settle } = setup();
    for (let index = 0; index < 30; index += 1) {
      alerts.attemptsMade([
        attempt("openai", index % 3 === 0 ? "failed" : "success"),
        attempt("google", "skipped_circuit_open"),
        attempt("google", "rejected"),
        attempt("google", "skipped_unsupported"),
      ]);
    }
    await settle();
    expect(sent).toEqual([]);
  });

  it("forgets attempts older than the window", async () => {
    const { sent, alerts, settle, advance } = setup();
    for (let index = 0; index < 6; index += 1) alerts.attemptsMade([attempt("deepseek", "failed")]);
    advance(301_000);
    for (let index = 0; index < 5; index += 1) alerts.attemptsMade([attempt("deepseek", "failed")]);
    for (let index = 0; index < 4; index += 1) alerts.attemptsMade([attempt("deepseek", "success")]);
    await settle();
    expect(sent).toEqual([]);
  });

  it("alerts again only after the cooldown", async () => {
    const { sent, alerts, settle, advance } = setup();
    const fail = () => {
      for (let index = 0; index < 10; index += 1) alerts.attemptsMade([attempt("google", "failed")]);
    };
    fail();
    await settle();
    advance(600_000);
    fail();
    await settle();
    expect(sent).toHaveLength(1);
    advance(300_001);
    fail();
    await settle();
    expect(sent).toHaveLength(2);
  });
});
