import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import { afterEach, expect, it } from "vitest";
import { composeGateway } from "./compose-gateway.js";
import { loadConfig } from "./config/load-config.js";
import { createFakeOpenAi } from "./fakes/openai/fake-openai.js";
import type { Gateway } from "./gateway/gateway.js";
import { deleteKeysUnder, uniqueKeyPrefix } from "./governance/redis-keys.contract.js";
import { describeWithRedis, sharedRedisUrl } from "./usage/shared-test-redis.js";

const budgetsYaml = "budgets:\n  projects:\n    proj-zero: { daily_usd: 0 }\n";
const chat = { modelGroup: "fast", messages: [{ role: "user" as const, content: "hi" }] };
const caller = { projectId: "proj-zero", agentId: "default", door: "mcp" as const, requestId: "req-1" };

describeWithRedis("composeGateway with Redis", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function compose(
    redisUrl: string,
    options: { yaml?: string; keyPrefix?: string; openAiBaseUrl?: string } = {},
  ) {
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-compose-"));
    writeFileSync(join(dataDir, "gateway.yaml"), options.yaml ?? budgetsYaml);
    const keyPrefix = options.keyPrefix ?? uniqueKeyPrefix();
    const logs: Array<{ msg: string }> = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const config = loadConfig({
      LLM_GATEWAY_DATA_DIR: dataDir,
      LLM_GATEWAY_CONFIG: join(dataDir, "gateway.yaml"),
      LLM_GATEWAY_REDIS_URL: redisUrl,
      LLM_GATEWAY_REDIS_KEY_PREFIX: keyPrefix,
      OPENAI_API_KEY: "sk-compose-test",
      // Unless a test passes a fake: never called, every request is refused or fails fast at routing.
      OPENAI_BASE_URL: options.openAiBaseUrl ?? "http://127.0.0.1:9/v1",
    });
    const started = performance.now();
    const { gateway } = await composeGateway(config, logger);
    const composeMs = performance.now() - started;
    cleanups.push(async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
      const redis = new Redis(sharedRedisUrl);
      await deleteKeysUnder(redis, keyPrefix);
      await redis.quit();
    });
    return { gateway, logs, composeMs };
  }

  function chatNow(gateway: Gateway) {
    return gateway.completeChat(chat, caller, { signal: new AbortController().signal });
  }

  it("checks the very first request against the shared budget (Redis is connected before it returns)", async () => {
    // Loaded beforehand, as in a gateway that has served before: counting the request's tokens then
    // waits on no I/O, so a budget client still connecting would fail open on this very request.
    await import("gpt-tokenizer/encoding/o200k_base");
    const { gateway } = await compose(sharedRedisUrl);
    await expect(chatNow(gateway)).rejects.toMatchObject({ code: "GW_ERR_BUDGET_EXCEEDED" });
  });

  it("with Redis unreachable at start-up, starts within the wait, says so, and serves as in an outage", async () => {
    // A port that accepts connections and never answers: the connection never becomes ready.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const { port } = silent.address() as { port: number };
    const { gateway, logs, composeMs } = await compose(`redis://127.0.0.1:${port}`);
    // The store, the breaker and the budgets wait side by side: one 2 s wait, not three.
    expect(composeMs).toBeLessThan(4_000);
    const messages = logs.map((line) => line.msg);
    expect(messages).toContain("circuit breaker: Redis not reachable at start-up; serving without it");
    expect(messages).toContain(
      "budgets and rate limits: Redis not reachable at start-up; serving without it",
    );
    // Budgets fail open by default: the request is admitted and fails only at the (unreachable) provider.
    await expect(chatNow(gateway)).rejects.toMatchObject({ code: "GW_ERR_ALL_PROVIDERS_FAILED" });
  }, 20_000);

  it("counts the spend booked before a budget was configured (the Redis counters are seeded from usage)", async () => {
    const openai = await createFakeOpenAi();
    cleanups.push(() => openai.close());
    const keyPrefix = uniqueKeyPrefix();
    const spend = (gateway: Gateway, requestId: string) =>
      gateway.completeChat(
        { model: "gpt-4.1-mini", messages: chat.messages, max_tokens: 1 },
        { ...caller, projectId: "proj-late-budget", requestId },
        { signal: new AbortController().signal },
      );
    // gpt-4.1-mini at $0.40 / $1.60 per million tokens: 12 in and 6 out cost $0.0000144.
    openai.enqueueChat(openai.replies.text("ok", { inputTokens: 12, outputTokens: 6 }));
    const before = await compose(sharedRedisUrl, { yaml: "{}\n", keyPrefix, openAiBaseUrl: openai.baseUrl });
    expect((await spend(before.gateway, "req-before")).result.cost_usd).toBe(0.0000144);
    await before.gateway.close();

    // The same project, now with a daily budget of exactly what it spent: nothing more fits.
    const yaml = "budgets:\n  projects:\n    proj-late-budget: { daily_usd: 0.0000144 }\n";
    const after = await compose(sharedRedisUrl, { yaml, keyPrefix, openAiBaseUrl: openai.baseUrl });
    await expect(spend(after.gateway, "req-after")).rejects.toMatchObject({
      code: "GW_ERR_BUDGET_EXCEEDED",
      details: { budget: "project_daily", spent_nano_usd: 14_400 },
    });
    expect(openai.chatCalls()).toHaveLength(1);
  });
});
