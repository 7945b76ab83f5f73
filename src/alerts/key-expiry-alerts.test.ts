import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Alert } from "./alert.js";
import { MemoryAlertDedupe } from "./alert-dedupe.js";
import { AlertGate } from "./alert-gate.js";
import { type ExpiringKey, KeyExpiryAlerts } from "./key-expiry-alerts.js";

const day = 86_400_000;
const start = Date.parse("2026-12-06T12:00:00Z");

describe("KeyExpiryAlerts", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(start);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(keys: ExpiringKey[]) {
    const sent: Alert[] = [];
    const errors: unknown[] = [];
    const alerts = new KeyExpiryAlerts({
      source: () => keys,
      warningMs: 7 * day,
      intervalMs: 60_000,
      gate: new AlertGate(new MemoryAlertDedupe()),
      send: (alert) => sent.push(alert),
      onError: (error) => errors.push(error),
    });
    return { sent, errors, alerts };
  }

  it("announces a key once when its expiry comes within the warning, scanning every minute", async () => {
    const keys: ExpiringKey[] = [
      { keyId: "key_soon", name: "ci-bot", expiresAt: new Date(start + 3 * day).toISOString() },
      { keyId: "key_later", name: "nightly", expiresAt: start + 7 * day + 30 * 60_000 },
      { keyId: "key_never", name: "forever", expiresAt: null },
      { keyId: "key_gone", name: "old", expiresAt: new Date(start - day) },
      { keyId: "key_revoked", name: "leaked", expiresAt: start + day, revoked: true },
    ];
    const { sent, alerts } = setup(keys);
    alerts.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((alert) => alert.subject.keyId)).toEqual(["key_soon"]);
    expect(sent[0]).toMatchObject({
      kind: "key_expiring",
      severity: "warning",
      title: "Client key ci-bot expires in 3 days",
      subject: { keyId: "key_soon", keyName: "ci-bot" },
      values: { expires_at: "2026-12-09T12:00:00.000Z", expires_in_hours: 72 },
    });
    // Half an hour later "nightly" is within 7 days; "ci-bot" is not announced twice.
    await vi.advanceTimersByTimeAsync(31 * 60_000);
    expect(sent.map((alert) => alert.subject.keyId)).toEqual(["key_soon", "key_later"]);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(sent).toHaveLength(2);
    await alerts.stop();
  });

  it("announces a key again when it is given a new expiry", async () => {
    const key: ExpiringKey = { keyId: "key_a", name: "a", expiresAt: start + 2 * day };
    const { sent, alerts } = setup([key]);
    await alerts.scan();
    key.expiresAt = start + 5 * day;
    await alerts.scan();
    await alerts.scan();
    expect(sent.map((alert) => alert.title)).toEqual([
      "Client key a expires in 2 days",
      "Client key a expires in 5 days",
    ]);
  });

  it("a failing source is reported, and the next scan runs", async () => {
    let fail = true;
    const sent: Alert[] = [];
    const errors: unknown[] = [];
    const alerts = new KeyExpiryAlerts({
      source: async () => {
        if (fail) throw new Error("store down");
        return [{ keyId: "key_b", name: "b", expiresAt: start + day }];
      },
      warningMs: 7 * day,
      intervalMs: 60_000,
      gate: new AlertGate(new MemoryAlertDedupe()),
      send: (alert) => sent.push(alert),
      onError: (error) => errors.push(error),
    });
    alerts.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(1);
    await alerts.stop();
  });
});
