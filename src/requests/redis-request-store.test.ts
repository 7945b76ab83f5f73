import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { createUsageRedisClient, waitUntilRedisReady } from "../usage/create-usage-redis-client.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import { RedisRequestStore } from "./redis-request-store.js";
import { runRequestStoreContract } from "./request-store.contract.js";

describeWithRedis("on the run's redis-server", () => {
  runRequestStoreContract("redis", async () => {
    const keyPrefix = `llmgw-test:${randomBytes(4).toString("hex")}:`;
    return {
      open: async (options) => {
        const client = createUsageRedisClient(sharedRedisUrl);
        expect(await waitUntilRedisReady(client, 5_000)).toBe(true);
        return new RedisRequestStore({ client, keyPrefix, ...options });
      },
      cleanup: async () => undefined,
    };
  });
});
