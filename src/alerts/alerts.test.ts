import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { createFakeWebhookReceiver, type FakeWebhookReceiver } from "../fakes/fake-webhook-receiver.js";
import { MemoryAlertDedupe } from "./alert-dedupe.js";
import { Alerts } from "./alerts.js";

const standing = {
  scope: "project" as const,
  projectId: "team-a",
  period: "day" as const,
  limitNanoUsd: 1e9,
  spentNanoUsd: 1e9,
  resetsAt: "2026-12-07T00:00:00Z",
};

describe("Alerts", () => {
  let receiver: FakeWebhookReceiver;
  let alerts: Alerts | undefined;
  beforeEach(async () => {
    receiver = await createFakeWebhookReceiver();
  });
  afterEach(async () => {
    await alerts?.close(0);
    await receiver.close();
  });

  function start(env: Record<string, string> = {}, keySource: () => never[] = () => []) {
    const config = loadConfig({ LLM_GATEWAY_ALERT_WEBHOOK_URLS: `${receiver.url}/hook`, ...env });
    alerts = new Alerts({
      config: config.alerts,
      logger: pino({ level: "silent" }),
      source: "llm-gateway test",
      dedupe: new MemoryAlertDedupe(),
      keySource,
      circuitCooldownMs: 30_000,
    });
    return alerts;
  }

  it("alerts on a circuit opening only: half-open and closed transitions say nothing", async () => {
    const alerts = start();
    alerts.circuitChanged({
      key: "openai/gpt-4.1",
      from: "open",
      to: "half_open",
      reason: "cooldown elapsed",
    });
    alerts.circuitChanged({
      key: "openai/gpt-4.1",
      from: "half_open",
      to: "closed",
      reason: "trial succeeded",
    });
    alerts.circuitChanged({
      key: "openai/gpt-4.1",
      from: "half_open",
      to: "open",
      reason: "trial failed: 500 body",
    });
    const [post] = await receiver.waitFor(1);
    await alerts.idle();
    expect(receiver.received).toHaveLength(1);
    expect(post?.json?.alert).toMatchObject({
      kind: "circuit_open",
      provider: "openai",
      model: "gpt-4.1",
      values: { reopened: true, from: "half_open" },
    });
    expect(post?.body).not.toContain("500 body");
  });

  it("sends only the configured kinds", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "llmgw-alerts-kinds-")), "gateway.yaml");
    writeFileSync(path, "alerts: { kinds: [circuit_open] }\n");
    const alerts = start({ LLM_GATEWAY_CONFIG: path });
    await alerts.budgetSettled(standing);
    alerts.circuitChanged({ key: "google/gemini-2.5-pro", from: "closed", to: "open", reason: "5 failures" });
    await receiver.waitFor(1);
    await alerts.idle();
    expect(
      receiver.received.map((post) => (post.json?.alert as { kind?: string } | undefined)?.kind),
    ).toEqual(["circuit_open"]);
  });

  it("an observer call never throws, whatever it is given", () => {
    const alerts = start();
    expect(() => alerts.requestFinished({ attempts: null } as never)).not.toThrow();
    expect(() => alerts.circuitChanged(null as never)).not.toThrow();
  });

  it("drops alerts raised after close", async () => {
    const alerts = start();
    await alerts.close(0);
    await alerts.budgetSettled(standing);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).toHaveLength(0);
  });
});
