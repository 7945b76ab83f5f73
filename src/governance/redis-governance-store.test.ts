import { randomBytes } from "node:crypto";
import pino from "pino";
import { expect, it } from "vitest";
import { redisSubscriberConnection } from "../routing/redis-subscriber-connection.js";
import {
  createUsageRedisClient,
  type UsageRedisClient,
  waitUntilRedisReady,
} from "../usage/create-usage-redis-client.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import { runGovernanceStoreContract } from "./governance-settings-store.contract.js";
import { LiveGovernanceSettings } from "./live-governance-settings.js";
import { RedisGovernanceStore } from "./redis-governance-store.js";

describeWithRedis("on the run's redis-server", () => {
  runGovernanceStoreContract("redis", async () => {
    const keyPrefix = `llmgw-test:${randomBytes(4).toString("hex")}:`;
    const clients: UsageRedisClient[] = [];
    return {
      open: async () => {
        const client = createUsageRedisClient(sharedRedisUrl);
        clients.push(client);
        expect(await waitUntilRedisReady(client, 5_000)).toBe(true);
        return new RedisGovernanceStore({ client, keyPrefix, subscriber: redisSubscriberConnection(client) });
      },
      cleanup: async () => {
        for (const client of clients) client.disconnect();
      },
    };
  });
});

describeWithRedis("a replica that misses the change message", () => {
  it("still sees another replica's write within one second, by the version poll", async () => {
    const keyPrefix = `llmgw-test:${randomBytes(4).toString("hex")}:`;
    const writerClient = createUsageRedisClient(sharedRedisUrl);
    const readerClient = createUsageRedisClient(sharedRedisUrl);
    expect(await waitUntilRedisReady(writerClient, 5_000)).toBe(true);
    expect(await waitUntilRedisReady(readerClient, 5_000)).toBe(true);
    const logger = pino({ level: "silent" });
    const config = { budgets: {}, rateLimits: { projects: {} } };
    // The reader has no subscriber at all: only its poll can bring the write.
    const reader = await LiveGovernanceSettings.open({
      store: new RedisGovernanceStore({ client: readerClient, keyPrefix }),
      config,
      logger,
    });
    const writer = new RedisGovernanceStore({ client: writerClient, keyPrefix });
    try {
      await writer.putLimits({
        projectId: "proj-a",
        limits: { requestsPerMinute: 7 },
        updatedAtMs: Date.now(),
      });
      const started = performance.now();
      await expect
        .poll(() => reader.rateLimits().projects["proj-a"], { timeout: 1_000, interval: 10 })
        .toEqual({ projectRpm: 7 });
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await reader.close();
      await writer.close();
      writerClient.disconnect();
      readerClient.disconnect();
    }
  });
});
