import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createUsageRedisClient } from "../usage/create-usage-redis-client.js";
import { type RedisTestServer, startRedisTestServer } from "../usage/redis-test-server.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import {
  checkMany,
  type RateLimiterHarness,
  repeat,
  runRateLimiterContract,
} from "./rate-limiter.contract.js";
import { deleteKeysUnder, expectClusterSafeKeys, uniqueKeyPrefix } from "./redis-keys.contract.js";
import { RedisRateLimiter } from "./redis-rate-limiter.js";

/** Each limiter gets its own connection: a replica of its own. */
async function redisHarness(url: string): Promise<RateLimiterHarness & { keyPrefix: string; admin: Redis }> {
  const keyPrefix = uniqueKeyPrefix();
  const admin = new Redis(url);
  const clients: Redis[] = [admin];
  return {
    keyPrefix,
    admin,
    open: async (config, now) => {
      const client = new Redis(url);
      clients.push(client);
      return new RedisRateLimiter({ client, keyPrefix, config, now });
    },
    cleanup: async () => {
      await deleteKeysUnder(admin, keyPrefix);
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
}

describeWithRedis("on the run's redis-server", () =>
  runRateLimiterContract("redis", () => redisHarness(sharedRedisUrl)),
);

describeWithRedis("RedisRateLimiter across replicas", () => {
  it("admits exactly N per minute to three replicas racing one project, and no more than M per agent", async () => {
    const harness = await redisHarness(sharedRedisUrl);
    try {
      let nowMs = Date.UTC(2026, 2, 14, 12, 0, 30);
      const config = { projects: { acme: { projectRpm: 40, agentRpm: 12 } } };
      const limiters = await Promise.all([1, 2, 3].map(() => harness.open(config, () => nowMs)));
      const agents = ["a", "b", "c", "d"];
      const race = async () => {
        const perAgent = await Promise.all(
          agents.map(async (agentId) => {
            const results = await Promise.all(
              limiters.map((limiter) => checkMany(limiter, repeat({ projectId: "acme", agentId }, 15))),
            );
            return results.reduce((sum, result) => sum + result.admitted, 0);
          }),
        );
        for (const admitted of perAgent) expect(admitted).toBeLessThanOrEqual(12);
        return perAgent.reduce((sum, admitted) => sum + admitted, 0);
      };
      // 180 requests; 4 agents x 12 = 48 could pass their own limits, the project's 40 binds.
      expect(await race()).toBe(40);
      const keys = await expectClusterSafeKeys(harness.admin, harness.keyPrefix);
      expect(keys).toHaveLength(5);
      const minute = Math.floor(nowMs / 60_000);
      expect(await harness.admin.get(`${harness.keyPrefix}{p:acme}:ratelimit:project:${minute}`)).toBe("40");
      // The counter outlives its minute by one more: 30 s left + 60 s.
      expect(
        await harness.admin.pttl(`${harness.keyPrefix}{p:acme}:ratelimit:project:${minute}`),
      ).toBeGreaterThan(85_000);
      nowMs += 30_000;
      expect(await race()).toBe(40);
    } finally {
      await harness.cleanup();
    }
  });
});

describeWithRedis("RedisRateLimiter when Redis is unreachable", () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    server = await startRedisTestServer();
  });
  afterAll(() => server?.stop());

  it("fails OPEN: admits every request with one throttled warning while Redis is down", async () => {
    const client = createUsageRedisClient(server.url);
    client.on("error", () => {});
    await new Promise((resolve) => client.once("ready", resolve));
    const warnings: Array<{ details: object; message: string }> = [];
    let nowMs = Date.UTC(2026, 2, 14, 12, 0, 30);
    const limiter = new RedisRateLimiter({
      client,
      keyPrefix: uniqueKeyPrefix(),
      config: { defaultProjectRpm: 2, projects: {} },
      now: () => nowMs,
      operationTimeoutMs: 300,
      logger: { warn: (details, message) => warnings.push({ details, message }) },
    });
    try {
      expect((await checkMany(limiter, repeat({ projectId: "acme", agentId: "x" }, 5))).admitted).toBe(2);
      await server.kill();
      expect((await checkMany(limiter, repeat({ projectId: "acme", agentId: "x" }, 5))).admitted).toBe(5);
      expect(warnings.map((warning) => warning.message)).toEqual([
        "rate limits: Redis unreachable; admitting requests without a rate check (fail open)",
      ]);
      nowMs += 10_000;
      await limiter.check({ projectId: "acme", agentId: "x" });
      expect(warnings).toHaveLength(2);
      expect(warnings[1]?.details).toMatchObject({ suppressedSinceLast: 4 });
      // A hung Redis (connection open, no answer) is bounded by the operation timeout.
      await server.restart();
      await new Promise((resolve) => client.once("ready", resolve));
      server.pause();
      const startedAt = performance.now();
      await limiter.check({ projectId: "acme", agentId: "x" });
      expect(performance.now() - startedAt).toBeLessThan(1_000);
      server.resume();
    } finally {
      client.disconnect();
    }
  });
});
