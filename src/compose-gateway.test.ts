import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { composeGateway } from "./compose-gateway.js";
import { loadConfig } from "./config/load-config.js";
import type { Gateway } from "./gateway/gateway.js";
import { deleteKeysUnder, sharedRedisUrl, uniqueKeyPrefix } from "./governance/redis-keys.contract.js";

const budgetsYaml = "budgets:\n  projects:\n    proj-zero: { daily_usd: 0 }\n";
const chat = { modelGroup: "fast", messages: [{ role: "user" as const, content: "hi" }] };
const caller = { projectId: "proj-zero", agentId: "default", door: "mcp" as const, requestId: "req-1" };

describe("composeGateway with Redis", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function compose(redisUrl: string) {
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-compose-"));
    writeFileSync(join(dataDir, "gateway.yaml"), budgetsYaml);
    const keyPrefix = uniqueKeyPrefix();
    const logs: Array<{ msg: string }> = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const config = loadConfig({
      LLM_GATEWAY_DATA_DIR: dataDir,
      LLM_GATEWAY_CONFIG: join(dataDir, "gateway.yaml"),
      LLM_GATEWAY_REDIS_URL: redisUrl,
      LLM_GATEWAY_REDIS_KEY_PREFIX: keyPrefix,
      // Never called: every request of these tests is refused or admitted before routing fails fast.
      OPENAI_API_KEY: "sk-compose-test",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
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
});
