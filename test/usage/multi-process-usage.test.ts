import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import type { UsageReport } from "../../src/gateway/get-usage.js";
import { type RedisTestServer, startRedisTestServer } from "../../src/usage/redis-test-server.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { runChatLoad } from "../helpers/chat-load.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";

async function usageOf(url: string, projectId: string): Promise<UsageReport> {
  const response = await fetch(`${url}/v1/usage?project_id=${projectId}&period=all`);
  return (await response.json()) as UsageReport;
}

/**
 * Each replica books off the response's critical path, so another replica
 * may answer a read a few milliseconds before the last bookings land: wait
 * until the count settles at the expected number, then compare everything.
 */
async function settledUsageOf(
  url: string,
  projectId: string,
  expectedRequests: number,
): Promise<UsageReport> {
  await expect
    .poll(async () => (await usageOf(url, projectId)).requests, { timeout: 10_000 })
    .toBe(expectedRequests);
  return usageOf(url, projectId);
}

async function journalBacklog(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/health`)).json()) as { store: { journal_backlog: number } };
  return health.store.journal_backlog;
}

describeWithRedis("three gateway processes sharing one Redis", () => {
  let redis: RedisTestServer;
  let openai: FakeProvider;
  let gateways: GatewayProcess[];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    // Append-only, so a Redis stopped and restarted keeps what it acknowledged, as a production one would.
    redis = await startRedisTestServer({ appendOnly: true });
    openai = await createFakeOpenAi();
    gateways = await Promise.all(
      [0, 1, 2].map(() => {
        const dataDir = mkdtempSync(join(tmpdir(), "llmgw-replica-"));
        dataDirs.push(dataDir);
        return spawnGateway({
          LLM_GATEWAY_DATA_DIR: dataDir,
          LLM_GATEWAY_REDIS_URL: redis.url,
          OPENAI_API_KEY: "sk-multi-process",
          OPENAI_BASE_URL: openai.baseUrl,
        });
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await openai.close();
    await redis.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it("books 3,000 concurrent requests exactly, to the token and the cent", async () => {
    const urls = gateways.map((gateway) => gateway.url);
    const sent = await runChatLoad({
      urls,
      total: 3_000,
      concurrency: 150,
      projectId: "proj-three",
      model: "gpt-4.1-mini",
    });
    expect(sent.failed).toBe(0);
    for (const url of urls) {
      const usage = await settledUsageOf(url, "proj-three", 3_000);
      expect(usage.requests).toBe(3_000);
      expect(usage.input_tokens).toBe(sent.inputTokens);
      expect(usage.output_tokens).toBe(sent.outputTokens);
      expect(Math.round(usage.cost_usd * 1e9)).toBe(sent.costNanoUsd);
      expect(Object.keys(usage.by_agent)).toHaveLength(7);
    }
  }, 120_000);

  it("stays exact when Redis is stopped mid-load and restarted: bookings wait in the journal", async () => {
    const urls = gateways.map((gateway) => gateway.url);
    let stopped = false;
    let restarted: Promise<void> | undefined;
    let usageStatusDuringOutage: number | undefined;
    const sent = await runChatLoad({
      urls,
      total: 1_500,
      concurrency: 60,
      projectId: "proj-outage",
      model: "gpt-4.1-mini",
      onProgress: async (finished) => {
        if (finished === 300 && !stopped) {
          stopped = true;
          await redis.kill();
        }
        if (finished === 600 && usageStatusDuringOutage === undefined) {
          usageStatusDuringOutage = 0;
          usageStatusDuringOutage = (await fetch(`${urls[1]}/v1/usage?project_id=proj-outage`)).status;
        }
        if (finished === 1_000 && !restarted) restarted = redis.restart();
      },
    });
    await restarted;
    // Requests were served throughout the outage; only reading usage had to wait for Redis.
    expect(sent.failed).toBe(0);
    expect(usageStatusDuringOutage).toBe(503);
    await expect
      .poll(async () => (await Promise.all(urls.map(journalBacklog))).reduce((a, b) => a + b, 0), {
        timeout: 30_000,
      })
      .toBe(0);
    const usage = await settledUsageOf(urls[0] as string, "proj-outage", 1_500);
    expect(usage.requests).toBe(1_500);
    expect(usage.input_tokens).toBe(sent.inputTokens);
    expect(usage.output_tokens).toBe(sent.outputTokens);
    expect(Math.round(usage.cost_usd * 1e9)).toBe(sent.costNanoUsd);
  }, 120_000);

  it("a process stopped with SIGTERM mid-load loses nothing it answered", async () => {
    const urls = gateways.map((gateway) => gateway.url);
    const victim = gateways[2] as GatewayProcess;
    let exited: Promise<number | null> | undefined;
    const sent = await runChatLoad({
      urls,
      total: 1_500,
      concurrency: 60,
      projectId: "proj-sigterm",
      model: "gpt-4.1-mini",
      onProgress: (finished) => {
        if (finished === 500 && !exited) exited = victim.stop("SIGTERM");
      },
    });
    expect(await exited).toBe(0);
    // Requests sent to the stopped process after it closed were refused, never half-booked.
    expect(sent.failed).toBeGreaterThan(0);
    const usage = await settledUsageOf(urls[0] as string, "proj-sigterm", sent.answered);
    expect(usage.requests).toBe(sent.answered);
    expect(usage.input_tokens).toBe(sent.inputTokens);
    expect(usage.output_tokens).toBe(sent.outputTokens);
    expect(Math.round(usage.cost_usd * 1e9)).toBe(sent.costNanoUsd);
  }, 120_000);
});
