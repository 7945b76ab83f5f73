import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { ProjectBudget } from "../config/gateway-config.js";
import { createUsageRedisClient } from "../usage/create-usage-redis-client.js";
import { type RedisTestServer, startRedisTestServer } from "../usage/redis-test-server.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import {
  budgetRequest,
  livePolicy,
  raceFixedCost,
  raceToExhaustion,
  refusal,
  runBudgetGuardContract,
  usd,
} from "./budget-guard.contract.js";
import type { BudgetGuard, SpentSince } from "./budget-guard.js";
import { RedisBudgetGuard, type RedisBudgetGuardOptions } from "./redis-budget-guard.js";
import { deleteKeysUnder, expectClusterSafeKeys, uniqueKeyPrefix } from "./redis-keys.contract.js";

/** Each guard gets its own connection: a replica of its own. */
function redisHarness(url: string) {
  return async () => {
    const keyPrefix = uniqueKeyPrefix();
    const clients: Redis[] = [];
    return {
      open: async (options: Omit<RedisBudgetGuardOptions, "client" | "keyPrefix">) => {
        const client = new Redis(url);
        clients.push(client);
        return new RedisBudgetGuard({ client, keyPrefix, ...options });
      },
      cleanup: async () => {
        await deleteKeysUnder(clients[0] ?? new Redis(url), keyPrefix);
        await Promise.all(clients.map((client) => client.quit()));
      },
    };
  };
}

describeWithRedis("on the run's redis-server", () =>
  runBudgetGuardContract("redis", redisHarness(sharedRedisUrl)),
);

describeWithRedis("RedisBudgetGuard across replicas", () => {
  const harnesses: Array<{ cleanup(): Promise<void> }> = [];
  let nowMs = Date.UTC(2026, 2, 14, 12);
  const replicas = async (
    count: number,
    budgets: Record<string, ProjectBudget>,
    spentSince?: SpentSince,
  ): Promise<BudgetGuard[]> => {
    const harness = await redisHarness(sharedRedisUrl)();
    harnesses.push(harness);
    return Promise.all(
      Array.from({ length: count }, () =>
        harness.open({
          policy: livePolicy(budgets),
          now: () => nowMs,
          ...(spentSince ? { spentSince } : {}),
        }),
      ),
    );
  };

  afterEach(async () => {
    nowMs = Date.UTC(2026, 2, 14, 12);
    await Promise.all(harnesses.splice(0).map((harness) => harness.cleanup()));
  });

  it("shares holds and spend: what one replica holds or settles, another sees", async () => {
    const guards = await replicas(2, { acme: { dailyUsd: 10, agents: { planner: { dailyUsd: 6 } } } });
    const [a, b] = guards as [BudgetGuard, BudgetGuard];
    const held = await a.reserve(budgetRequest({ maxCostNanoUsd: usd(5) }));
    const seenHeld = await refusal(b, budgetRequest({ maxCostNanoUsd: usd(1) + 1 }));
    expect(seenHeld.details).toMatchObject({ budget: "agent_daily", reserved_nano_usd: usd(5) });
    await held.settle(usd(4));
    const seenSpent = await refusal(b, budgetRequest({ agentId: "coder", maxCostNanoUsd: usd(6) + 1 }));
    expect(seenSpent.details).toMatchObject({ budget: "project_daily", spent_nano_usd: usd(4) });
    // Replica b replaying the request id replica a settled counts nothing.
    const replay = await b.reserve(budgetRequest({ requestId: held.requestId, maxCostNanoUsd: usd(1) }));
    await replay.settle(usd(4));
    const after = await refusal(a, budgetRequest({ agentId: "coder", maxCostNanoUsd: usd(6) + 1 }));
    expect(after.details).toMatchObject({ spent_nano_usd: usd(4), reserved_nano_usd: 0 });
  });

  it("seeds a counter only where Redis has none: another replica's reading never resets what was settled", async () => {
    let storeSays = usd(3);
    const [a, b] = (await replicas(2, { acme: { dailyUsd: 10, agents: {} } }, async () => storeSays)) as [
      BudgetGuard,
      BudgetGuard,
    ];
    await (await a.reserve(budgetRequest({ maxCostNanoUsd: usd(2) }))).settle(usd(2));
    // b starts later and reads a store that lags behind (or is ahead): Redis keeps the counter it has.
    storeSays = usd(1);
    const seen = await refusal(b, budgetRequest({ maxCostNanoUsd: usd(5) + 1 }));
    expect(seen.details).toMatchObject({ budget: "project_daily", spent_nano_usd: usd(5) });
  });

  it("a usage store that cannot be read fails open like Redis, and the counter is seeded once it answers", async () => {
    let storeUp = false;
    const [guard] = (await replicas(1, { acme: { dailyUsd: 10, agents: {} } }, async () => {
      if (!storeUp) throw new Error("usage store unreachable");
      return usd(9.5);
    })) as [BudgetGuard];
    // Fail open (the default): admitted without a hold, as when Redis is down.
    expect((await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1) }))).heldNanoUsd).toBe(0);
    storeUp = true;
    const seeded = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(1) }));
    expect(seeded.details).toMatchObject({ budget: "project_daily", spent_nano_usd: usd(9.5) });
  });

  it("reads the usage store once per counter and window, and again for a new day", async () => {
    const reads: Array<[string | undefined, number]> = [];
    const [guard] = (await replicas(
      1,
      { acme: { dailyUsd: 10, monthlyUsd: 100, agents: { planner: { dailyUsd: 5 } } } },
      async (_projectId, agentId, fromMs) => {
        reads.push([agentId, fromMs]);
        return 0;
      },
    )) as [BudgetGuard];
    for (let index = 0; index < 5; index++) {
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(0.1) }))).settle(usd(0.1));
    }
    const today = Date.UTC(2026, 2, 14);
    const month = Date.UTC(2026, 2, 1);
    expect(reads.sort()).toEqual(
      [
        [undefined, today],
        [undefined, month],
        ["planner", today],
      ].sort(),
    );
    nowMs = Date.UTC(2026, 2, 15, 0, 0, 1);
    reads.length = 0;
    await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(0.1) }));
    expect(reads.sort()).toEqual(
      [
        [undefined, Date.UTC(2026, 2, 15)],
        ["planner", Date.UTC(2026, 2, 15)],
      ].sort(),
    );
  });

  it("keeps every key in its project's hash slot, with a TTL past its window", async () => {
    const keyPrefix = uniqueKeyPrefix();
    const client = new Redis(sharedRedisUrl);
    try {
      const guard = new RedisBudgetGuard({
        client,
        keyPrefix,
        policy: livePolicy({
          acme: { dailyUsd: 10, monthlyUsd: 100, agents: { planner: { dailyUsd: 5, monthlyUsd: 50 } } },
        }),
        now: () => nowMs,
        reservationTtlMs: 120_000,
      });
      const settled = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1) }));
      await settled.settle(usd(1));
      await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1) }));
      const keys = await expectClusterSafeKeys(client, keyPrefix);
      const base = `${keyPrefix}{p:acme}:budget`;
      expect(keys.sort()).toEqual(
        [
          `${base}:held`,
          `${base}:reservation-expiry`,
          `${base}:reservations`,
          `${base}:settled:${settled.requestId}`,
          `${base}:spent:agent:planner:day:2026-03-14`,
          `${base}:spent:agent:planner:month:2026-03`,
          `${base}:spent:project:day:2026-03-14`,
          `${base}:spent:project:month:2026-03`,
        ].sort(),
      );
      // A day counter lives one day past its window: 12 h left today + 24 h.
      expect(await client.pttl(`${base}:spent:project:day:2026-03-14`)).toBeGreaterThan(
        36 * 3600_000 - 5_000,
      );
      expect(await client.pttl(`${base}:spent:project:month:2026-03`)).toBeLessThanOrEqual(
        Date.UTC(2026, 3, 2) - nowMs,
      );
      // Holds vanish a minute after the last one lapses, even if no replica ever sweeps them.
      expect(await client.pttl(`${base}:reservations`)).toBeGreaterThan(170_000);
      expect(await client.pttl(`${base}:reservations`)).toBeLessThanOrEqual(180_000);
    } finally {
      await deleteKeysUnder(client, keyPrefix);
      await client.quit();
    }
  });

  it("re-seeds a budget set again after its removal, on a replica that never saw the removal", async () => {
    const harness = await redisHarness(sharedRedisUrl)();
    harnesses.push(harness);
    let bookedNanoUsd = 0; // the usage store: what was settled, budget or not
    const spentSince: SpentSince = async () => bookedNanoUsd;
    const [policyA, policyB] = [0, 1].map(() => livePolicy({ acme: { dailyUsd: 5, agents: {} } })) as [
      ReturnType<typeof livePolicy>,
      ReturnType<typeof livePolicy>,
    ];
    const a = await harness.open({ policy: policyA, now: () => nowMs, spentSince });
    const b = await harness.open({ policy: policyB, now: () => nowMs, spentSince });
    const spend = async (guard: BudgetGuard, costNanoUsd: number) => {
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: costNanoUsd }))).settle(costNanoUsd);
      bookedNanoUsd += costNanoUsd;
    };
    await spend(a, usd(1));
    await spend(b, usd(2));
    policyA.set({});
    policyB.set({});
    await spend(a, usd(2)); // a sees the removal (and drops the counters); b serves nothing meanwhile
    policyA.set({ acme: { dailyUsd: 6, agents: {} } });
    policyB.set({ acme: { dailyUsd: 6, agents: {} } });
    const error = await refusal(b, budgetRequest({ maxCostNanoUsd: usd(1) + 1 }));
    expect(error.details).toMatchObject({ spent_nano_usd: usd(5) });
    await spend(a, usd(1));
    const full = await refusal(b, budgetRequest({ maxCostNanoUsd: 1 }));
    expect(full.details).toMatchObject({ spent_nano_usd: usd(6) });
  });

  it("holds a budget lowered at runtime across three racing replicas to within one request", async () => {
    const harness = await redisHarness(sharedRedisUrl)();
    harnesses.push(harness);
    // One policy per replica: each learns of the change on its own, as from the admin API's propagation.
    const policies = [0, 1, 2].map(() => livePolicy({ acme: { dailyUsd: 10, agents: {} } }));
    const guards = await Promise.all(policies.map((policy) => harness.open({ policy, now: () => nowMs })));
    const maxCostNanoUsd = usd(0.04);
    const spend = async (count: number) => {
      for (let index = 0; index < count; index++) {
        const guard = guards[index % guards.length] as BudgetGuard;
        await (await guard.reserve(budgetRequest({ maxCostNanoUsd }))).settle(maxCostNanoUsd);
      }
    };
    await spend(50); // $2 of $10
    // Replica 0 sees the lowered budget first; replica 1 still admits under the old one until it does.
    (policies[0] as (typeof policies)[0]).set({ acme: { dailyUsd: 2.5, agents: {} } });
    await refusal(guards[0] as BudgetGuard, budgetRequest({ maxCostNanoUsd: usd(0.6) }));
    await (await (guards[1] as BudgetGuard).reserve(budgetRequest({ maxCostNanoUsd: usd(0.6) }))).release();
    for (const policy of policies) policy.set({ acme: { dailyUsd: 2.5, agents: {} } });
    const { settledNanoUsd, refusals } = await raceToExhaustion(guards, {
      workersPerGuard: 6,
      maxCostNanoUsd,
      agents: ["planner"],
    });
    expect(refusals).toBeGreaterThan(0);
    expect(usd(2) + settledNanoUsd).toBeLessThanOrEqual(usd(2.5));
    expect(usd(2) + settledNanoUsd).toBeGreaterThan(usd(2.5) - maxCostNanoUsd);
    const error = await refusal(guards[2] as BudgetGuard, budgetRequest({ maxCostNanoUsd }));
    expect(error.details).toMatchObject({
      limit_nano_usd: usd(2.5),
      spent_nano_usd: usd(2) + settledNanoUsd,
    });
  });

  it("never lets three replicas racing one budget overspend it: exactly floor(limit / cost) admitted", async () => {
    const guards = await replicas(3, { acme: { dailyUsd: 1, agents: {} } });
    const { admitted, settledNanoUsd } = await raceFixedCost(guards, {
      attemptsPerGuard: 60,
      costNanoUsd: usd(0.03),
    });
    expect(admitted).toBe(33); // 33 x $0.03 = $0.99; a 34th would pass $1
    expect(settledNanoUsd).toBe(usd(0.99));
    const error = await refusal(guards[0] as BudgetGuard, budgetRequest({ maxCostNanoUsd: usd(0.01) + 1 }));
    expect(error.details).toMatchObject({ spent_nano_usd: usd(0.99), reserved_nano_usd: 0 });
  });

  it("lands within one request of the limit, never above it, when racing replicas settle below their estimate", async () => {
    const guards = await replicas(3, { acme: { monthlyUsd: 2, agents: { planner: { monthlyUsd: 1.5 } } } });
    const maxCostNanoUsd = usd(0.04);
    const { settledNanoUsd, refusals } = await raceToExhaustion(guards, {
      workersPerGuard: 8,
      maxCostNanoUsd,
      agents: ["planner", "coder"],
    });
    expect(refusals).toBeGreaterThan(0);
    expect(settledNanoUsd).toBeLessThanOrEqual(usd(2));
    expect(settledNanoUsd).toBeGreaterThan(usd(2) - maxCostNanoUsd);
    const error = await refusal(
      guards[1] as BudgetGuard,
      budgetRequest({ agentId: "coder", maxCostNanoUsd }),
    );
    expect(error.details).toMatchObject({ budget: "project_monthly", spent_nano_usd: settledNanoUsd });
  });
});

describeWithRedis("RedisBudgetGuard when Redis is unreachable", () => {
  let server: RedisTestServer;
  const nowMs = Date.UTC(2026, 2, 14, 12);
  const budgets = { acme: { dailyUsd: 10, agents: {} } };
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = await startRedisTestServer();
  });
  afterAll(() => server?.stop());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** The gateway's fail-fast client (no offline queue), or plain ioredis defaults (queues while down). */
  const openGuard = async (options: { failClosed?: boolean; failFastClient?: boolean } = {}) => {
    const client =
      options.failFastClient === false ? new Redis(server.url) : createUsageRedisClient(server.url);
    client.on("error", () => {}); // ioredis prints unhandled connection errors; the guard's warnings are under test
    await new Promise((resolve) => client.once("ready", resolve));
    cleanups.push(async () => client.disconnect());
    const warnings: string[] = [];
    const guard = new RedisBudgetGuard({
      client,
      keyPrefix: uniqueKeyPrefix(),
      policy: livePolicy(budgets),
      now: () => nowMs,
      operationTimeoutMs: 300,
      logger: { warn: (_details, message) => warnings.push(message) },
      ...(options.failClosed ? { failClosed: true } : {}),
    });
    return { client, guard, warnings };
  };

  it("fails OPEN by default: admits with a logged warning, and books the settle once Redis is back", async () => {
    const { client, guard, warnings } = await openGuard();
    await server.kill();
    const reservation = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(4) }));
    expect(reservation.heldNanoUsd).toBe(0);
    await reservation.settle(usd(4));
    expect(guard.pendingSettles).toBe(1);
    expect(warnings).toEqual([
      "budgets: Redis unreachable; admitting requests without a budget check (fail open)",
    ]);
    await server.restart();
    await new Promise((resolve) => client.once("ready", resolve));
    // The first call that gets through sends the settle that waited.
    await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1) }));
    await guard.close();
    expect(guard.pendingSettles).toBe(0);
    const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(5) + 1 }));
    expect(error.details).toMatchObject({ spent_nano_usd: usd(4), reserved_nano_usd: usd(1) });
  });

  it("fails OPEN for a managed key's budget too, and books the key's spend once Redis is back", async () => {
    const { client, guard } = await openGuard();
    const key = { keyId: "key_outage00001", keyName: "bot", limits: { dailyUsd: 5 } };
    await server.kill();
    const reservation = await guard.reserve(budgetRequest({ key, maxCostNanoUsd: usd(4) }));
    expect(reservation.heldNanoUsd).toBe(0);
    await reservation.settle(usd(4));
    expect(guard.pendingSettles).toBe(2); // the project's and the key's
    await server.restart();
    await new Promise((resolve) => client.once("ready", resolve));
    await guard.reserve(
      budgetRequest({ projectId: "other", maxCostNanoUsd: 0, key: { ...key, limits: {} } }),
    );
    await guard.close();
    expect(guard.pendingSettles).toBe(0);
    const error = await refusal(
      guard,
      budgetRequest({ projectId: "other", key, maxCostNanoUsd: usd(1) + 1 }),
    );
    expect(error.details).toMatchObject({ budget: "key_daily", spent_nano_usd: usd(4) });
  });

  it("fails CLOSED when the operator opts in, still without any round trip for unlimited projects", async () => {
    const { guard, warnings } = await openGuard({ failClosed: true });
    await server.kill();
    try {
      const error = await refusal(guard, budgetRequest());
      expect(error.code).toBe("GW_ERR_STORE_UNAVAILABLE");
      expect(error.status).toBe(503);
      expect(error.message).toContain("Budget check unavailable");
      expect(error.message).toContain("refuses spending for projects with a budget");
      expect(error.retryAfterSeconds).toBe(5);
      expect(warnings).toEqual([
        "budgets: Redis unreachable; refusing requests that have a budget (fail closed)",
      ]);
      // A project without a budget never asks Redis, so the outage cannot touch it.
      const free = await guard.reserve(budgetRequest({ projectId: "no-budget" }));
      await free.settle(usd(3));
      expect(warnings).toHaveLength(1);
      expect(guard.pendingSettles).toBe(0);
    } finally {
      await server.restart();
    }
  });

  it("bounds the wait on a hung Redis or a client that queues while disconnected", async () => {
    const { guard } = await openGuard({ failFastClient: false });
    server.pause(); // accepts connections, answers nothing
    try {
      const startedAt = performance.now();
      const reservation = await guard.reserve(budgetRequest());
      expect(reservation.heldNanoUsd).toBe(0);
      expect(performance.now() - startedAt).toBeLessThan(1_000);
    } finally {
      server.resume();
    }
    await server.kill();
    try {
      const startedAt = performance.now();
      await guard.reserve(budgetRequest());
      expect(performance.now() - startedAt).toBeLessThan(1_000);
    } finally {
      await server.restart();
    }
  });
});
