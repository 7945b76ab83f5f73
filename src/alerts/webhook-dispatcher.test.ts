import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertsConfig } from "../config/alerts-config.js";
import {
  createFakeWebhookReceiver,
  type FakeWebhookReceiver,
  type ReceivedWebhook,
} from "../fakes/fake-webhook-receiver.js";
import type { Alert } from "./alert.js";
import { parseRetryAfter } from "./post-webhook.js";
import { WebhookDispatcher } from "./webhook-dispatcher.js";

const delivery: AlertsConfig["delivery"] = {
  timeoutMs: 1_000,
  maxAttempts: 5,
  baseBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  queueSize: 100,
};

function alert(title = "Circuit open: anthropic/claude-opus-4-5"): Alert {
  return {
    kind: "circuit_open",
    severity: "critical",
    title,
    details: "details <b> & more",
    subject: { provider: "anthropic", model: "claude-opus-4-5" },
    values: { deployment: "anthropic/claude-opus-4-5", reopened: false },
    at: "2026-12-06T22:00:00.000Z",
  };
}

function titleOf(post: ReceivedWebhook): string | undefined {
  return (post.json?.alert as { title?: string } | undefined)?.title;
}

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  return { logger, lines };
}

describe("WebhookDispatcher against a local receiver", () => {
  let receiver: FakeWebhookReceiver;
  let dispatcher: WebhookDispatcher | undefined;
  /** Backoff waits the dispatcher asked for, resolved at once (no wall-clock waiting in tests). */
  let waits: number[];
  const instantSleep = async (ms: number) => {
    waits.push(ms);
  };

  beforeEach(async () => {
    receiver = await createFakeWebhookReceiver();
    waits = [];
  });
  afterEach(async () => {
    await dispatcher?.close(0);
    dispatcher = undefined;
    await receiver.close();
  });

  function start(options: { urls?: string[]; delivery?: Partial<AlertsConfig["delivery"]> } = {}) {
    const { logger, lines } = capturedLogger();
    dispatcher = new WebhookDispatcher({
      urls: options.urls ?? [`${receiver.url}/services/T1/B1/secret-token`],
      delivery: { ...delivery, ...options.delivery },
      logger,
      source: "llm-gateway 9.9.9",
      sleep: instantSleep,
      random: () => 0.5,
    });
    return { dispatcher, lines };
  }

  it("POSTs Slack's incoming-webhook shape with the machine fields beside it", async () => {
    const { dispatcher } = start();
    dispatcher.send(alert());
    const [post] = await receiver.waitFor(1);
    expect(post?.path).toBe("/services/T1/B1/secret-token");
    expect(post?.headers["content-type"]).toBe("application/json");
    expect(post?.headers["user-agent"]).toBe("llm-gateway/9.9.9");
    expect(post?.json).toEqual({
      text: ":rotating_light: Circuit open: anthropic/claude-opus-4-5",
      blocks: [
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: ":rotating_light: *Circuit open: anthropic/claude-opus-4-5*\ndetails <b> & more",
          },
        },
        {
          type: "context",
          elements: [
            { type: "mrkdwn", text: "llm-gateway 9.9.9 · `circuit_open` · 2026-12-06T22:00:00.000Z" },
          ],
        },
      ],
      alert: {
        kind: "circuit_open",
        severity: "critical",
        title: "Circuit open: anthropic/claude-opus-4-5",
        provider: "anthropic",
        model: "claude-opus-4-5",
        values: { deployment: "anthropic/claude-opus-4-5", reopened: false },
        at: "2026-12-06T22:00:00.000Z",
        source: "llm-gateway 9.9.9",
      },
    });
  });

  it("escapes Slack markup in titles", async () => {
    const { dispatcher } = start();
    dispatcher.send(alert("Key <a&b> expires"));
    const [post] = await receiver.waitFor(1);
    expect(post?.json?.text).toBe(":rotating_light: Key &lt;a&amp;b&gt; expires");
  });

  it("retries 500 twice then delivers, backing off exponentially with jitter", async () => {
    receiver.enqueue({ status: 500 }, { status: 502 });
    const { dispatcher, lines } = start();
    dispatcher.send(alert());
    await receiver.waitFor(3);
    await dispatcher.idle();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((post) => post.body)).size).toBe(1);
    // Equal jitter with random 0.5: 3/4 of 1 s, then of 2 s.
    expect(waits).toEqual([750, 1_500]);
    expect(lines.some((line) => line.msg === "alert delivered" && line.attempts === 3)).toBe(true);
  });

  it("honours retry-after on 429 (seconds, capped at a minute)", async () => {
    receiver.enqueue(
      { status: 429, headers: { "retry-after": "3" } },
      { status: 503, headers: { "retry-after": "7200" } },
    );
    const { dispatcher } = start();
    dispatcher.send(alert());
    await receiver.waitFor(3);
    await dispatcher.idle();
    expect(waits).toEqual([3_000, 60_000]);
  });

  it("gives up after max_attempts and logs it, naming the webhook by host only", async () => {
    receiver.enqueue(...Array.from({ length: 10 }, () => ({ status: 500 })));
    const { dispatcher, lines } = start({ delivery: { maxAttempts: 4 } });
    dispatcher.send(alert());
    await receiver.waitFor(4);
    await dispatcher.idle();
    expect(receiver.received).toHaveLength(4);
    expect(waits).toEqual([750, 1_500, 3_000]);
    const gaveUp = lines.find((line) => String(line.msg).includes("gave up after 4 tries"));
    expect(gaveUp).toMatchObject({ level: 40, webhook: `#1 ${new URL(receiver.url).host}`, status: 500 });
    expect(JSON.stringify(lines)).not.toContain("secret-token");
  });

  it("caps the backoff at max_backoff_ms", async () => {
    receiver.enqueue(...Array.from({ length: 5 }, () => ({ status: 500 })));
    const { dispatcher } = start({ delivery: { maxAttempts: 6, maxBackoffMs: 3_000 } });
    dispatcher.send(alert());
    await receiver.waitFor(6);
    await dispatcher.idle();
    expect(waits).toEqual([750, 1_500, 2_250, 2_250, 2_250]);
  });

  it("does not retry a 4xx refusal (a wrong or revoked webhook)", async () => {
    receiver.enqueue({ status: 404 });
    const { dispatcher, lines } = start();
    dispatcher.send(alert());
    await receiver.waitFor(1);
    await dispatcher.idle();
    expect(receiver.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(
      lines.some((line) => String(line.msg).includes("refused an alert (answered 404); not retried")),
    ).toBe(true);
  });

  it("times out a hung receiver and retries it", async () => {
    receiver.enqueue({ hang: true });
    const { dispatcher } = start({ delivery: { timeoutMs: 200 } });
    const started = performance.now();
    dispatcher.send(alert());
    await receiver.waitFor(2);
    await dispatcher.idle();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(receiver.received).toHaveLength(2);
    expect(waits).toEqual([750]);
  });

  it("retries a receiver that is down, then gives up", async () => {
    await receiver.close();
    const { dispatcher, lines } = start({ delivery: { maxAttempts: 3 } });
    dispatcher.send(alert());
    await dispatcher.idle();
    expect(waits).toEqual([750, 1_500]);
    const gaveUp = lines.find((line) => String(line.msg).includes("gave up after 3 tries"));
    expect(gaveUp?.error).toBe("ECONNREFUSED");
    receiver = await createFakeWebhookReceiver();
  });

  it("sends every alert to every webhook; a dead one does not hold up the other", async () => {
    const dead = await createFakeWebhookReceiver();
    dead.enqueue({ hang: true }, { hang: true });
    const { dispatcher } = start({
      urls: [`${dead.url}/dead`, `${receiver.url}/alive`],
      delivery: { timeoutMs: 5_000, maxAttempts: 2 },
    });
    dispatcher.send(alert("one"));
    dispatcher.send(alert("two"));
    const started = performance.now();
    const posts = await receiver.waitFor(2);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(posts.map((post) => titleOf(post))).toEqual(["one", "two"]);
    expect(dead.received).toHaveLength(1);
    await dead.close();
  });

  it("drops the oldest alert when a queue is full, and logs how many", async () => {
    receiver.enqueue({ hang: true });
    const { dispatcher, lines } = start({ delivery: { queueSize: 2, timeoutMs: 300, maxAttempts: 1 } });
    for (const title of ["a", "b", "c", "d", "e"]) dispatcher.send(alert(title));
    await receiver.waitFor(3);
    await dispatcher.idle();
    // "a" was in flight (hung, then timed out); "b" and "c" were dropped for "d" and "e".
    expect(receiver.received.map((post) => titleOf(post))).toEqual(["a", "d", "e"]);
    const dropped = lines.filter((line) => String(line.msg).includes("dropped"));
    expect(dropped.reduce((sum, line) => sum + Number(line.dropped), 0)).toBe(2);
    expect(dropped[0]).toMatchObject({ level: 40, queueSize: 2 });
  });

  it("send returns at once even when the receiver hangs", async () => {
    receiver.enqueue(...Array.from({ length: 100 }, () => ({ hang: true }) as const));
    const { dispatcher } = start({ delivery: { timeoutMs: 5_000 } });
    const started = performance.now();
    for (let index = 0; index < 1_000; index += 1) dispatcher.send(alert(`alert ${index}`));
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2026-12-06T22:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2_000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Sun, 06 Dec 2026 22:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Sun, 06 Dec 2026 21:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});
