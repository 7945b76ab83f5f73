import { once } from "node:events";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisTestServer, startRedisTestCluster } from "../usage/redis-test-server.js";
import {
  budgetRequest,
  livePolicy,
  raceFixedCost,
  runBudgetGuardContract,
  usd,
} from "./budget-guard.contract.js";
import { runRateLimiterContract } from "./rate-limiter.contract.js";
import { RedisBudgetGuard } from "./redis-budget-guard.js";
import { deleteKeysUnder, expectClusterSafeKeys, uniqueKeyPrefix } from "./redis-keys.contract.js";
import { RedisRateLimiter } from "./redis-rate-limiter.js";

/**
 * The same contracts on a real 3-master Redis Cluster: a script whose keys
 * spanned two slots would fail here with CROSSSLOT, which standalone Redis
 * never reports.
 */
describe("governance on a Redis Cluster", () => {
  let cluster: Awaited<ReturnType<typeof startRedisTestCluster>>;
  let seedUrl: string;
  beforeAll(async () => {
    cluster = await startRedisTestCluster(3);
    seedUrl = (cluster.servers[0] as RedisTestServer).url;
  });
  afterAll(() => cluster?.stop());

  const connect = async () => {
    const client = new Cluster([seedUrl]);
    await once(client, "ready");
    return client;
  };

  /** Clients opened for one harness: the first also cleans up. */
  const clusterHarness = () => {
    const keyPrefix = uniqueKeyPrefix();
    const clients: Cluster[] = [];
    const open = async () => {
      const client = await connect();
      clients.push(client);
      return client;
    };
    const cleanup = async () => {
      const admin = clients[0] ?? (await open());
      await deleteKeysUnder(admin, keyPrefix);
      await Promise.all(clients.map((client) => client.quit()));
    };
    return { keyPrefix, open, cleanup };
  };

  runBudgetGuardContract("redis cluster", async () => {
    const harness = clusterHarness();
    return {
      open: async (options) =>
        new RedisBudgetGuard({ client: await harness.open(), keyPrefix: harness.keyPrefix, ...options }),
      cleanup: harness.cleanup,
    };
  });

  runRateLimiterContract("redis cluster", async () => {
    const harness = clusterHarness();
    return {
      open: async (policy, now) =>
        new RedisRateLimiter({ client: await harness.open(), keyPrefix: harness.keyPrefix, policy, now }),
      cleanup: harness.cleanup,
    };
  });

  it("never lets three replicas racing one budget overspend it on a cluster", async () => {
    const harness = clusterHarness();
    try {
      const budgets = { acme: { dailyUsd: 1, agents: {} } };
      const guards = await Promise.all(
        [1, 2, 3].map(
          async () =>
            new RedisBudgetGuard({
              client: await harness.open(),
              keyPrefix: harness.keyPrefix,
              policy: livePolicy(budgets),
            }),
        ),
      );
      const { admitted, settledNanoUsd } = await raceFixedCost(guards, {
        attemptsPerGuard: 40,
        costNanoUsd: usd(0.03),
      });
      expect(admitted).toBe(33);
      expect(settledNanoUsd).toBe(usd(0.99));
    } finally {
      await harness.cleanup();
    }
  });

  it("spreads projects over the masters while each project's keys share one slot", async () => {
    const harness = clusterHarness();
    try {
      const nowMs = Date.UTC(2026, 2, 14, 12);
      const projects = Array.from({ length: 12 }, (_, i) => `project-${i}`);
      const budgets = Object.fromEntries(
        projects.map((projectId) => [projectId, { dailyUsd: 1, agents: { planner: { monthlyUsd: 1 } } }]),
      );
      const guards = [
        new RedisBudgetGuard({
          client: await harness.open(),
          keyPrefix: harness.keyPrefix,
          policy: livePolicy(budgets),
          now: () => nowMs,
        }),
        new RedisBudgetGuard({
          client: await harness.open(),
          keyPrefix: harness.keyPrefix,
          policy: livePolicy(budgets),
          now: () => nowMs,
        }),
      ];
      await Promise.all(
        projects.flatMap((projectId) =>
          guards.map(async (guard) =>
            (await guard.reserve(budgetRequest({ projectId, maxCostNanoUsd: usd(0.4) }))).settle(usd(0.4)),
          ),
        ),
      );
      const admin = await harness.open();
      const keys = await expectClusterSafeKeys(admin, harness.keyPrefix);
      const slotsByProject = new Map<string, Set<number>>();
      for (const key of keys) {
        const project = /\{p:([^}]+)\}/.exec(key)?.[1] as string;
        const slot = Number(await admin.cluster("KEYSLOT", key));
        slotsByProject.set(project, (slotsByProject.get(project) ?? new Set()).add(slot));
      }
      expect([...slotsByProject.keys()].sort()).toEqual([...projects].sort());
      for (const slots of slotsByProject.values()) expect(slots.size).toBe(1);
      // The tags really spread the projects: more than one master holds some.
      const masters = new Set(
        [...slotsByProject.values()].map((slots) => admin.slots[[...slots][0] as number]?.[0]),
      );
      expect(masters.size).toBeGreaterThan(1);
    } finally {
      await harness.cleanup();
    }
  });
});
