import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createUsageRedisClient } from "../usage/create-usage-redis-client.js";
import { type RedisTestServer, startRedisTestServer } from "../usage/redis-test-server.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import {
  checkMany,
  policyOf,
  type RateLimiterHarness,
  repeat,
  runRateLimiterContract,
} from "./rate-limiter.contract.js";
import type { RateLimiter } from "./rate-limiter.js";
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
    open: async (policy, now) => {
      const client = new Redis(url);
      clients.push(client);
      return new RedisRateLimiter({ client, keyPrefix, policy, now });
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
      const limiters = await Promise.all(
        [1, 2, 3].map(() =>
          harness.open(
            policyOf(() => config),
            () => nowMs,
          ),
        ),
      );
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

describeWithRedis("RedisRateLimiter tokens per minute across replicas", () => {
  it("never lets two replicas' concurrent reservations pass a project's, an agent's or a key's tokens per minute", async () => {
    const harness = await redisHarness(sharedRedisUrl);
    try {
      const nowMs = Date.UTC(2026, 2, 14, 12, 0, 30);
      const policy = policyOf(() => ({ projects: { acme: { projectTpm: 10_000, agentTpm: 4_000 } } }));
      const [one, two] = await Promise.all([
        harness.open(policy, () => nowMs),
        harness.open(policy, () => nowMs),
      ]);
      const key = { keyId: "key_race", keyLimits: { tokensPerMinute: 7_000 } };
      /** Estimates admitted, per counter: what each counter must hold exactly. */
      const admitted = new Map<string, number>();
      const add = (counter: string, tokens: number) =>
        admitted.set(counter, (admitted.get(counter) ?? 0) + tokens);
      let id = 0;
      const burst = (limiter: RateLimiter, projectId: string, agentId: string, withKey: boolean) =>
        Array.from({ length: 40 }, async () => {
          const estimate = 300 + (++id % 7) * 50;
          const request = { projectId, agentId, requestId: `r${id}`, ...(withKey ? key : {}) };
          const ok = await limiter
            .check(request, async () => estimate)
            .then(
              () => true,
              () => false,
            );
          if (!ok) return;
          if (projectId === "acme") {
            add("project", estimate);
            add(`agent ${agentId}`, estimate);
          }
          if (withKey) add("key", estimate);
        });
      // 4 agents x 2 replicas x 40 requests of 300-600 tokens on acme; the key on acme's agent a and on beta.
      await Promise.all([
        ...["a", "b", "c", "d"].flatMap((agent) => [
          ...burst(one as RateLimiter, "acme", agent, agent === "a"),
          ...burst(two as RateLimiter, "acme", agent, agent === "a"),
        ]),
        ...burst(one as RateLimiter, "beta", "x", true),
        ...burst(two as RateLimiter, "beta", "x", true),
      ]);
      const minute = Math.floor(nowMs / 60_000);
      const count = async (name: string) =>
        Number((await harness.admin.get(`${harness.keyPrefix}${name}`)) ?? 0);
      // Every counter holds exactly the estimates admitted under it (a key refusal took its project's back)...
      expect(await count(`{p:acme}:ratelimit:tpm:project:${minute}`)).toBe(admitted.get("project"));
      for (const agent of ["a", "b", "c", "d"]) {
        expect(await count(`{p:acme}:ratelimit:tpm:agent:${agent}:${minute}`)).toBe(
          admitted.get(`agent ${agent}`) ?? 0,
        );
      }
      expect(await count(`{k:key_race}:ratelimit:tpm:key:${minute}`)).toBe(admitted.get("key"));
      // ...and never more than its limit.
      expect(admitted.get("project")).toBeLessThanOrEqual(10_000);
      for (const agent of ["a", "b", "c", "d"])
        expect(admitted.get(`agent ${agent}`) ?? 0).toBeLessThanOrEqual(4_000);
      expect(admitted.get("key")).toBeLessThanOrEqual(7_000);
      // beta is limited by the key alone, and asked for far more: the key's minute is full.
      expect(admitted.get("key")).toBeGreaterThan(7_000 - 600);
      await expectClusterSafeKeys(harness.admin, harness.keyPrefix);
    } finally {
      await harness.cleanup();
    }
  });

  it("settles on the replica that admitted, visible to the other at once, and idempotent", async () => {
    const harness = await redisHarness(sharedRedisUrl);
    try {
      const nowMs = Date.UTC(2026, 2, 14, 12, 0, 30);
      const policy = policyOf(() => ({ defaultProjectTpm: 1_000, projects: {} }));
      const [one, two] = await Promise.all([
        harness.open(policy, () => nowMs),
        harness.open(policy, () => nowMs),
      ]);
      const request = { projectId: "acme", agentId: "a", requestId: "settle-1" };
      await (one as RedisRateLimiter).check(request, async () => 900);
      expect((await checkMany(two as RateLimiter, [{ projectId: "acme", agentId: "b" }], 200)).admitted).toBe(
        0,
      );
      await Promise.all([
        one?.settle("settle-1", 300),
        one?.settle("settle-1", 300),
        one?.release("settle-1"),
      ]);
      // The other replica never held it: its settle is a no-op.
      await two?.settle("settle-1", 300);
      const minute = Math.floor(nowMs / 60_000);
      expect(await harness.admin.get(`${harness.keyPrefix}{p:acme}:ratelimit:tpm:project:${minute}`)).toBe(
        "300",
      );
      expect((await checkMany(two as RateLimiter, [{ projectId: "acme", agentId: "b" }], 700)).admitted).toBe(
        1,
      );
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
      policy: policyOf(() => ({ defaultProjectRpm: 2, defaultProjectTpm: 1_000, projects: {} })),
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
      // Tokens too: admitted unreserved, so there is nothing to settle, and settling never rejects.
      await limiter.check({ projectId: "acme", agentId: "x", requestId: "down-1" }, async () => 900);
      await limiter.settle("down-1", 5_000);
      expect(warnings).toHaveLength(1);
      nowMs += 10_000;
      await limiter.check({ projectId: "acme", agentId: "x" });
      expect(warnings).toHaveLength(2);
      expect(warnings[1]?.details).toMatchObject({ suppressedSinceLast: 5 });
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
