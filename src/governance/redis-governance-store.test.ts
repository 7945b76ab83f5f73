import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { redisSubscriberConnection } from "../routing/redis-subscriber-connection.js";
import {
  createUsageRedisClient,
  type UsageRedisClient,
  waitUntilRedisReady,
} from "../usage/create-usage-redis-client.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import { runGovernanceStoreContract } from "./governance-settings-store.contract.js";
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
