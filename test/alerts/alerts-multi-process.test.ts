import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createFakeAnthropic } from "../../src/fakes/anthropic/fake-anthropic.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import {
  createFakeWebhookReceiver,
  type FakeWebhookReceiver,
} from "../../src/fakes/fake-webhook-receiver.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import { describeWithRedis, sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";

async function chat(url: string): Promise<number> {
  const response = await fetch(new URL("/v1/chat/completions", url), {
    method: "POST",
    headers: { "content-type": "application/json", "x-project-id": "proj-alerts" },
    body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content: "hi" }] }),
  });
  await response.text();
  return response.status;
}

describeWithRedis("two gateway processes sharing one Redis", () => {
  let receiver: FakeWebhookReceiver;
  let anthropic: FakeProvider;
  let openai: FakeProvider;
  let gateways: GatewayProcess[];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    receiver = await createFakeWebhookReceiver();
    anthropic = await createFakeAnthropic();
    openai = await createFakeOpenAi();
    const keyPrefix = `llmgw-test:alerts:${process.pid}-${randomBytes(4).toString("hex")}:`;
    gateways = await Promise.all(
      [0, 1].map(() => {
        const dataDir = mkdtempSync(join(tmpdir(), "llmgw-alerts-replica-"));
        dataDirs.push(dataDir);
        const configPath = join(dataDir, "gateway.yaml");
        writeFileSync(configPath, "alerts: { error_rate: { threshold: 0.5, min_attempts: 2 } }\n");
        return spawnGateway({
          LLM_GATEWAY_DATA_DIR: dataDir,
          LLM_GATEWAY_CONFIG: configPath,
          LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
          LLM_GATEWAY_REDIS_KEY_PREFIX: keyPrefix,
          LLM_GATEWAY_MAX_RETRIES: "0",
          LLM_GATEWAY_ALERT_WEBHOOK_URLS: `${receiver.url}/hook`,
          ANTHROPIC_API_KEY: "sk-ant-alerts-multi-process",
          ANTHROPIC_BASE_URL: anthropic.baseUrl,
          OPENAI_API_KEY: "sk-openai-alerts-multi-process",
          OPENAI_BASE_URL: openai.baseUrl,
        });
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all([anthropic.close(), openai.close(), receiver.close()]);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it("one provider failing on both: one error-rate alert and one circuit alert in all", async () => {
    for (let index = 0; index < 10; index += 1) {
      anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
      openai.enqueueChat(openai.replies.text("hi from the fallback"));
    }
    // Alternating, so both processes pass the error-rate threshold (2 of 2 failed) before the
    // fifth failure, counted in Redis, opens the shared circuit.
    const [first, second] = gateways.map((gateway) => gateway.url) as [string, string];
    for (const url of [first, second, first, second, first, second]) expect(await chat(url)).toBe(200);
    await receiver.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const kinds = receiver.received.map((post) => (post.json?.alert as { kind?: string } | undefined)?.kind);
    expect(kinds.sort()).toEqual(["circuit_open", "provider_error_rate"]);
    const raised = gateways.map((gateway) =>
      gateway.logs.filter((line) => String(line.msg).startsWith("alert: ")),
    );
    expect(raised.flat()).toHaveLength(2);
    // Five failures open the shared circuit; the other process learns of it by pub/sub, which on a
    // loaded machine can trail the very next request (one more call), never more.
    expect(anthropic.chatCalls().length).toBeGreaterThanOrEqual(5);
    expect(anthropic.chatCalls().length).toBeLessThanOrEqual(6);
  });
});
