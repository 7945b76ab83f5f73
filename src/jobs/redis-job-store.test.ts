import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import { createUsageRedisClient, waitUntilRedisReady } from "../usage/create-usage-redis-client.js";
import { type RedisTestServer, startRedisTestServer } from "../usage/redis-test-server.js";
import { describeWithRedis } from "../usage/shared-test-redis.js";
import { runJobStoreContract } from "./job-store.contract.js";
import { RedisJobStore } from "./redis-job-store.js";

describeWithRedis("on a redis-server of its own", () => {
  let redis: RedisTestServer;
  beforeAll(async () => {
    redis = await startRedisTestServer();
  });
  afterAll(() => redis?.stop());

  runJobStoreContract("redis", async () => {
    const keyPrefix = `llmgw-test:${randomBytes(4).toString("hex")}:`;
    return {
      open: async (ttlMs) => {
        const client = createUsageRedisClient(redis.url);
        expect(await waitUntilRedisReady(client, 5_000)).toBe(true);
        return new RedisJobStore({ client, keyPrefix, ttlMs });
      },
      cleanup: async () => undefined,
    };
  });
});
