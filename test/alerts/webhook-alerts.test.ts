import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAlerts } from "../../src/alerts/create-alerts.js";
import { loadConfig } from "../../src/config/load-config.js";
import {
  createFakeWebhookReceiver,
  type FakeWebhookReceiver,
  type ReceivedWebhook,
} from "../../src/fakes/fake-webhook-receiver.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { fakeProviderKeys, type Harness, startHarness } from "../helpers/gateway-harness.js";
import { startRedisReplicas } from "../security/security-fixtures.js";

const clientKey = "gw-alerts-test-client-key-0123456789";
/** Text only a caller's prompt and an upstream error body carry: neither may reach a webhook. */
const promptMarker = "PROMPT-MARKER-7f3a";
const upstreamMarker = "UPSTREAM-BODY-MARKER-91c2";

/** Every body any receiver got in this file, for the secret scan at the end. */
const everyBody: string[] = [];

function alertOf(post: ReceivedWebhook): Record<string, unknown> {
  return (post.json?.alert ?? {}) as Record<string, unknown>;
}

/** reasoning = anthropic (claude-opus-4-5) -> openai (gpt-4.1): a failing Anthropic fails over. */
async function chat(harness: Harness): Promise<{ status: number; latencyMs: number }> {
  const started = performance.now();
  const response = await fetch(new URL("/v1/chat/completions", harness.url), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${clientKey}`,
      "x-project-id": "proj-alerts",
    },
    body: JSON.stringify({
      model: "reasoning",
      messages: [{ role: "user", content: `Say hi ${promptMarker}` }],
    }),
  });
  await response.text();
  return { status: response.status, latencyMs: performance.now() - started };
}

function failAnthropic(harness: Harness, times: number): void {
  const { anthropic, openai } = harness.fakes;
  for (let index = 0; index < times; index += 1) {
    anthropic.enqueueChat(anthropic.replies.error(529, `Overloaded ${upstreamMarker} ${promptMarker}`));
    openai.enqueueChat(openai.replies.text("hi from the fallback"));
  }
}

/** Lets late alerts arrive before asserting that none did. */
async function quietFor(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function alertEnv(receiver: FakeWebhookReceiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LLM_GATEWAY_API_KEYS: `${clientKey}=*`,
    LLM_GATEWAY_MAX_RETRIES: "0",
    LLM_GATEWAY_ALERT_WEBHOOK_URLS: `${receiver.url}/services/T0/B0/webhook-secret-path`,
    ...extra,
  };
}

describe("webhook alerts through a real gateway", () => {
  let receiver: FakeWebhookReceiver;
  let harness: Harness | undefined;
  beforeEach(async () => {
    receiver = await createFakeWebhookReceiver();
  });
  afterEach(async () => {
    everyBody.push(...receiver.received.map((post) => post.body));
    await harness?.close();
    harness = undefined;
    await receiver.close();
  });

  it("a circuit opening alerts once, without the upstream error or the prompt", async () => {
    harness = await startHarness({
      env: alertEnv(receiver, { LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "3" }),
      configYaml: "alerts: { kinds: [circuit_open] }\n",
    });
    failAnthropic(harness, 3);
    for (let index = 0; index < 3; index += 1) expect((await chat(harness)).status).toBe(200);
    const [post] = await receiver.waitFor(1);
    // The circuit is open now: further requests skip Anthropic and alert nothing more.
    for (let index = 0; index < 3; index += 1) {
      harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("hi"));
      expect((await chat(harness)).status).toBe(200);
    }
    await quietFor(300);
    expect(receiver.received).toHaveLength(1);
    expect(post?.path).toBe("/services/T0/B0/webhook-secret-path");
    expect(post?.json?.text).toBe(":rotating_light: Circuit open: anthropic/claude-opus-4-5");
    expect(alertOf(post as ReceivedWebhook)).toMatchObject({
      kind: "circuit_open",
      severity: "critical",
      provider: "anthropic",
      model: "claude-opus-4-5",
      values: {
        deployment: "anthropic/claude-opus-4-5",
        from: "closed",
        to: "open",
        reopened: false,
        open_seconds: 30,
      },
    });
    expect(post?.body).not.toContain(upstreamMarker);
    expect(post?.body).not.toContain(promptMarker);
    // The webhook's path is its secret: the logs name it by host only.
    expect(JSON.stringify(harness.logs)).not.toContain("webhook-secret-path");
    expect(harness.logs.some((line) => line.msg === "alert: Circuit open: anthropic/claude-opus-4-5")).toBe(
      true,
    );
  });

  it("a provider's error rate over the threshold alerts once", async () => {
    harness = await startHarness({
      env: alertEnv(receiver),
      configYaml:
        "alerts: { kinds: [provider_error_rate], error_rate: { threshold: 0.5, min_attempts: 4 } }\n",
    });
    // Two successes, then failures: at the second failure the rate is 2 of 4, at the threshold.
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("ok"), anthropic.replies.text("ok"));
    failAnthropic(harness, 6);
    for (let index = 0; index < 8; index += 1) expect((await chat(harness)).status).toBe(200);
    const [post] = await receiver.waitFor(1);
    await quietFor(300);
    expect(receiver.received).toHaveLength(1);
    expect(alertOf(post as ReceivedWebhook)).toMatchObject({
      kind: "provider_error_rate",
      severity: "warning",
      provider: "anthropic",
      values: { failures: 2, attempts: 4, error_rate: 0.5, threshold: 0.5, window_seconds: 300 },
    });
    expect(post?.body).not.toContain(upstreamMarker);
  });

  it("a budget standing past 80 % alerts once per window; 100 % once more", async () => {
    harness = await startHarness({ env: alertEnv(receiver) });
    const alerts = harness.alerts;
    expect(alerts).toBeDefined();
    const standing = {
      scope: "project" as const,
      projectId: "team-a",
      period: "day" as const,
      limitNanoUsd: 10e9,
      resetsAt: "2026-12-07T00:00:00.000Z",
    };
    for (const spent of [5e9, 8.1e9, 8.5e9, 9e9])
      await alerts?.budgetSettled({ ...standing, spentNanoUsd: spent });
    await receiver.waitFor(1);
    await alerts?.budgetSettled({ ...standing, spentNanoUsd: 10e9 });
    await alerts?.budgetSettled({ ...standing, spentNanoUsd: 10.1e9 });
    await receiver.waitFor(2);
    await quietFor(200);
    expect(receiver.received.map((post) => post.json?.text)).toEqual([
      ":warning: Budget 80 % reached: project team-a, daily",
      ":rotating_light: Budget 100 % reached: project team-a, daily",
    ]);
    expect(alertOf(receiver.received[0] as ReceivedWebhook)).toMatchObject({
      kind: "budget_threshold",
      project_id: "team-a",
      values: { threshold: 0.8, ratio: 0.81, spent_usd: 8.1, limit_usd: 10, period: "day" },
    });
  });

  it("a slow webhook is retried with backoff until it takes the alert", async () => {
    receiver.enqueue({ status: 500 }, { status: 429, headers: { "retry-after": "0.2" } });
    harness = await startHarness({
      env: alertEnv(receiver),
      configYaml: "alerts: { delivery: { base_backoff_ms: 100, max_attempts: 3 } }\n",
    });
    await harness.alerts?.budgetSettled({
      scope: "agent",
      projectId: "team-a",
      agentId: "bot-1",
      period: "month",
      limitNanoUsd: 1e9,
      spentNanoUsd: 1e9,
      resetsAt: "2027-01-01T00:00:00Z",
    });
    const posts = await receiver.waitFor(3);
    expect(new Set(posts.map((post) => post.body)).size).toBe(1);
    const gaps = posts
      .slice(1)
      .map((post, index) => post.receivedAt - (posts[index] as ReceivedWebhook).receivedAt);
    // First backoff 50-100 ms (equal jitter on 100 ms), then retry-after's 200 ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
  });
});

describe("a dead or hung webhook never slows a request", () => {
  let hung: FakeWebhookReceiver;
  let withAlerts: Harness;
  let without: Harness;
  beforeAll(async () => {
    hung = await createFakeWebhookReceiver();
    hung.enqueue(...Array.from({ length: 200 }, () => ({ hang: true }) as const));
    withAlerts = await startHarness({
      env: alertEnv(hung, { LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "2" }),
      configYaml: "alerts: { delivery: { timeout_seconds: 5 }, error_rate: { min_attempts: 2 } }\n",
    });
    without = await startHarness({
      env: {
        LLM_GATEWAY_API_KEYS: `${clientKey}=*`,
        LLM_GATEWAY_MAX_RETRIES: "0",
        LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "2",
      },
    });
  });
  afterAll(async () => {
    await withAlerts.close();
    await without.close();
    await hung.close();
  });

  async function latencies(harness: Harness): Promise<number[]> {
    // The first two requests fail over and open Anthropic's circuit (alerting, with alerts on).
    failAnthropic(harness, 2);
    const measured: number[] = [];
    for (let index = 0; index < 20; index += 1) {
      if (index >= 2) harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("hi"));
      const { status, latencyMs } = await chat(harness);
      expect(status).toBe(200);
      measured.push(latencyMs);
    }
    return measured;
  }

  it("requests that raise alerts to a hung receiver take as long as without alerts", async () => {
    // A backlog for the hung receiver first: 50 budget alerts queued behind a POST that never answers.
    for (let index = 0; index < 50; index += 1) {
      await withAlerts.alerts?.budgetSettled({
        scope: "project",
        projectId: `p-${index}`,
        period: "day",
        limitNanoUsd: 1e9,
        spentNanoUsd: 1e9,
        resetsAt: "2026-12-07T00:00:00Z",
      });
    }
    await hung.waitFor(1);
    const baseline = await latencies(without);
    const alerting = await latencies(withAlerts);
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    console.info(
      `request latency, median / max: no alerts ${median(baseline).toFixed(1)} / ${Math.max(...baseline).toFixed(1)} ms; ` +
        `alerts to a hung webhook ${median(alerting).toFixed(1)} / ${Math.max(...alerting).toFixed(1)} ms`,
    );
    // The webhook's timeout is 5 s: a request that waited on it even once would show it.
    expect(Math.max(...alerting)).toBeLessThan(1_000);
    expect(median(alerting)).toBeLessThan(median(baseline) * 2 + 50);
    // The circuit alert was raised by those requests, and is still waiting behind the hung POST.
    expect(
      withAlerts.logs.some((line) => line.msg === "alert: Circuit open: anthropic/claude-opus-4-5"),
    ).toBe(true);
    expect(hung.received.length).toBeLessThan(3);
  });

  it("a receiver that is down: the same", async () => {
    const down = await createFakeWebhookReceiver();
    await down.close();
    const harness = await startHarness({
      env: alertEnv(down, { LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "2" }),
    });
    try {
      const measured = await latencies(harness);
      expect(Math.max(...measured)).toBeLessThan(1_000);
      expect(harness.logs.some((line) => line.msg === "alert: Circuit open: anthropic/claude-opus-4-5")).toBe(
        true,
      );
    } finally {
      await harness.close();
    }
  });
});

describe("key expiry", () => {
  it("announces a key nearing expiry to the webhook", async () => {
    const receiver = await createFakeWebhookReceiver();
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-key-expiry-"));
    const config = loadConfig({ LLM_GATEWAY_ALERT_WEBHOOK_URLS: `${receiver.url}/hook` });
    const alerts = createAlerts({
      config: config.alerts,
      logger: pino({ level: "silent" }),
      source: "llm-gateway test",
      dataDir,
      keySource: () => [
        {
          keyId: "key_aaaaaaaaaaaa",
          name: "ci-bot",
          expiresAt: new Date(Date.now() + 2 * 86_400_000 + 60_000),
        },
        { keyId: "key_bbbbbbbbbbbb", name: "later", expiresAt: new Date(Date.now() + 30 * 86_400_000) },
      ],
      circuitCooldownMs: 30_000,
    });
    alerts?.start();
    await alerts?.scanKeyExpiry();
    const [post] = await receiver.waitFor(1);
    await alerts?.close();
    everyBody.push(...receiver.received.map((received) => received.body));
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    expect(receiver.received).toHaveLength(1);
    expect(post?.json?.text).toBe(":warning: Client key ci-bot expires in 2 days");
    expect(alertOf(post as ReceivedWebhook)).toMatchObject({
      kind: "key_expiring",
      key_id: "key_aaaaaaaaaaaa",
      key_name: "ci-bot",
    });
  });
});

describeWithRedis("two replicas sharing Redis", () => {
  it("alert once for a provider's error rate, its circuit opening and a budget crossing", async () => {
    const receiver = await createFakeWebhookReceiver();
    const replicas = await startRedisReplicas(2, {
      env: alertEnv(receiver),
      configYaml: "alerts: { error_rate: { threshold: 0.5, min_attempts: 3 } }\n",
    });
    try {
      for (const replica of replicas.harnesses) {
        failAnthropic(replica, 4);
        for (let index = 0; index < 4; index += 1) expect((await chat(replica)).status).toBe(200);
      }
      const standing = {
        scope: "key" as const,
        keyId: "key_cccccccccccc",
        keyName: "shared-bot",
        period: "day" as const,
        limitNanoUsd: 2e9,
        spentNanoUsd: 1.7e9,
        resetsAt: "2026-12-07T00:00:00Z",
      };
      await Promise.all(replicas.harnesses.map((replica) => replica.alerts?.budgetSettled(standing)));
      await receiver.waitFor(3);
      await Promise.all(replicas.harnesses.map((replica) => replica.alerts?.idle()));
      await quietFor(300);
      // Each replica saw Anthropic fail 4 of 4 times and the budget at 85 %; the 8 failures, counted
      // in Redis, opened the shared circuit (threshold 5) on one of them. One alert of each kind.
      expect(receiver.received.map((post) => alertOf(post).kind).sort()).toEqual([
        "budget_threshold",
        "circuit_open",
        "provider_error_rate",
      ]);
      const raisedBy = replicas.harnesses.map(
        (replica) => replica.logs.filter((line) => String(line.msg).startsWith("alert: ")).length,
      );
      expect(raisedBy.reduce((sum, count) => sum + count, 0)).toBe(3);
    } finally {
      everyBody.push(...receiver.received.map((post) => post.body));
      await replicas.close();
      await receiver.close();
    }
  });
});

describe("no secret in any payload", () => {
  it("carries neither provider keys, the client key, the prompt nor upstream bodies", () => {
    expect(everyBody.length).toBeGreaterThan(5);
    const joined = everyBody.join("\n");
    for (const secret of [...Object.values(fakeProviderKeys), clientKey, promptMarker, upstreamMarker]) {
      expect(joined).not.toContain(secret);
    }
  });
});
