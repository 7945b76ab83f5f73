import { randomUUID } from "node:crypto";
import { createUsageRedisClient, waitUntilRedisReady } from "../usage/create-usage-redis-client.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import { RedisResponseCache } from "./redis-response-cache.js";
import { runResponseCacheContract } from "./response-cache.contract.js";

describeWithRedis("on the run's redis-server", () =>
  runResponseCacheContract("redis", async () => {
    const keyPrefix = `test-cache-${randomUUID()}:`;
    return {
      open: async (options) => {
        const client = createUsageRedisClient(sharedRedisUrl);
        await waitUntilRedisReady(client, 5_000);
        // Each store its own prefix: the bounded one must not count the other's entries.
        const prefix = options?.maxBytes ? `${keyPrefix}bounded:` : keyPrefix;
        return new RedisResponseCache({
          client,
          keyPrefix: prefix,
          maxBytes: options?.maxBytes ?? 10_000_000,
        });
      },
      cleanup: async () => {
        const client = createUsageRedisClient(sharedRedisUrl);
        try {
          await waitUntilRedisReady(client, 5_000);
          const keys = await client.keys(`${keyPrefix}*`);
          if (keys.length > 0) await client.del(...keys);
        } finally {
          client.disconnect();
        }
      },
    };
  }),
);
