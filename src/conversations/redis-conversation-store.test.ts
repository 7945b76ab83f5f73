import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import { createUsageRedisClient, waitUntilRedisReady } from "../usage/create-usage-redis-client.js";
import { type RedisTestServer, startRedisTestServer } from "../usage/redis-test-server.js";
import { describeWithRedis } from "../usage/shared-test-redis.js";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { RedisConversationStore } from "./redis-conversation-store.js";

describeWithRedis("on a redis-server of its own", () => {
  let redis: RedisTestServer;
  beforeAll(async () => {
    redis = await startRedisTestServer();
  });
  afterAll(() => redis?.stop());

  runConversationStoreContract("redis", async () => {
    const keyPrefix = `llmgw-test:${randomBytes(4).toString("hex")}:`;
    return {
      open: async (ttlMs) => {
        const client = createUsageRedisClient(redis.url);
        expect(await waitUntilRedisReady(client, 5_000)).toBe(true);
        return new RedisConversationStore({ client, keyPrefix, ttlMs });
      },
      cleanup: async () => undefined,
    };
  });
});
