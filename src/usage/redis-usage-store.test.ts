import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createUsageRedisClient } from "./create-usage-redis-client.js";
import { type RedisTestServer, startRedisTestCluster, startRedisTestServer } from "./redis-test-server.js";
import { RedisUsageStore } from "./redis-usage-store.js";
import { describeWithRedis, sharedRedisUrl } from "./shared-test-redis.js";
import { hourMs } from "./usage-period.js";
import { contractEpochMs, makeUsageRecord, runUsageStoreContract } from "./usage-store.contract.js";

async function connectCluster(url: string): Promise<Cluster> {
  const cluster = new Cluster([url]);
  await once(cluster, "ready");
  return cluster;
}

function uniquePrefix(): string {
  return `llmgw-test:${process.pid}-${randomBytes(4).toString("hex")}:`;
}

/** Removes every key under `prefix` from every master (SCAN is per node on a cluster). */
async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<number> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      // One UNLINK per key: on a cluster, keys of different projects live in different slots.
      for (const key of keys) deleted += await node.unlink(key);
    } while (cursor !== "0");
  }
  return deleted;
}

describeWithRedis("on the run's redis-server", () =>
  runUsageStoreContract("redis", async () => {
    const keyPrefix = uniquePrefix();
    return {
      open: async () => {
        const store = new RedisUsageStore({ client: createUsageRedisClient(sharedRedisUrl), keyPrefix });
        // Without an offline queue, a booking sent before the connection is up fails (by design).
        expect(await store.waitUntilReady(5_000)).toBe(true);
        return store;
      },
      cleanup: async () => {
        const admin = new Redis(sharedRedisUrl);
        await deleteKeys(admin, keyPrefix);
        await admin.quit();
      },
    };
  }),
);

describeWithRedis("RedisUsageStore on a Redis Cluster", () => {
  let cluster: Awaited<ReturnType<typeof startRedisTestCluster>>;
  let seedUrl: string;
  beforeAll(async () => {
    cluster = await startRedisTestCluster(3);
    seedUrl = (cluster.servers[0] as RedisTestServer).url;
  });
  afterAll(() => cluster?.stop());

  const openClusterStore = async (keyPrefix: string) => {
    const store = new RedisUsageStore({
      client: createUsageRedisClient(seedUrl, { cluster: true }),
      keyPrefix,
    });
    expect(await store.waitUntilReady(5_000)).toBe(true);
    return store;
  };

  runUsageStoreContract("redis cluster", async () => {
    const keyPrefix = uniquePrefix();
    return {
      open: () => openClusterStore(keyPrefix),
      cleanup: async () => {
        const admin = await connectCluster(seedUrl);
        await deleteKeys(admin, keyPrefix);
        await admin.quit();
      },
    };
  });

  it("puts every key of a project in one slot, spreads projects over slots, and expires request ids", async () => {
    const keyPrefix = uniquePrefix();
    const store = await openClusterStore(keyPrefix);
    const projects = Array.from({ length: 12 }, (_, index) => `project-${index}`);
    await Promise.all(
      projects.flatMap((projectId) =>
        [0, 1, 2].map((hour) =>
          store.book(makeUsageRecord({ projectId, timestamp: contractEpochMs + hour * hourMs })),
        ),
      ),
    );
    expect(store.backend).toBe("redis-cluster");
    const admin = await connectCluster(seedUrl);
    try {
      const keys: string[] = [];
      for (const node of admin.nodes("master")) {
        keys.push(...(await node.keys(`${keyPrefix}*`)));
      }
      // Per project: 3 request markers, 3 hour hashes, 1 hour index; and the one set of project ids.
      expect(keys).toHaveLength(projects.length * 7 + 1);
      expect(await admin.smembers(`${keyPrefix}usage:projects`)).toHaveLength(projects.length);
      const slotsByProject = new Map<string, Set<number>>();
      for (const key of keys.filter((each) => each.includes("{p:"))) {
        const project = /\{p:([^}]+)\}/.exec(key)?.[1] as string;
        const slot = Number(await admin.cluster("KEYSLOT", key));
        slotsByProject.set(project, (slotsByProject.get(project) ?? new Set()).add(slot));
      }
      expect([...slotsByProject.values()].every((slots) => slots.size === 1)).toBe(true);
      expect(new Set([...slotsByProject.values()].map((slots) => [...slots][0])).size).toBeGreaterThan(1);
      const marker = keys.find((key) => key.includes(":usage:req:")) as string;
      const ttl = await admin.ttl(marker);
      expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 60);
      expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
    } finally {
      await admin.quit();
      await store.close();
      const cleaner = await connectCluster(seedUrl);
      await deleteKeys(cleaner, keyPrefix);
      await cleaner.quit();
    }
  });
});

describeWithRedis("RedisUsageStore without a working Redis (fails closed, fast)", () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    server = await startRedisTestServer();
  });
  afterAll(() => server?.stop());

  it("rejects at once when nothing listens, instead of queueing in memory", async () => {
    const deadUrl = server.url;
    await server.kill();
    const store = new RedisUsageStore({ client: createUsageRedisClient(deadUrl), keyPrefix: uniquePrefix() });
    const started = performance.now();
    await expect(store.book(makeUsageRecord())).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await store.health()).toMatchObject({ backend: "redis", ok: false });
    await store.close();
    await server.restart();
  });

  it("rejects a booking whose project-set SADD Redis refused; booking it again lists the project, counting once", async () => {
    const admin = new Redis(server.url);
    // An ACL user who may run the booking script but not SADD: the second command of a booking fails alone.
    await admin.acl("SETUSER", "no-sadd", "on", ">secret-password", "~*", "&*", "+@all", "-sadd");
    const keyPrefix = uniquePrefix();
    const store = new RedisUsageStore({
      client: createUsageRedisClient(server.url.replace("//", "//no-sadd:secret-password@")),
      keyPrefix,
    });
    try {
      expect(await store.waitUntilReady(2_000)).toBe(true);
      const record = makeUsageRecord({ projectId: "listed-late" });
      await expect(store.book(record)).rejects.toThrow(/NOPERM/);
      const window = { projectId: "listed-late", fromMs: 0, toMs: contractEpochMs + hourMs };
      expect((await store.summarize(window)).requests).toBe(1);
      expect(await store.listProjects()).toEqual([]);
      await admin.acl("SETUSER", "no-sadd", "+sadd");
      await store.book(record);
      expect(await store.listProjects()).toEqual(["listed-late"]);
      expect((await store.summarize(window)).requests).toBe(1);
    } finally {
      await store.close();
      await admin.acl("DELUSER", "no-sadd");
      await admin.quit();
    }
  });

  it("rejects after the command timeout when Redis hangs", async () => {
    const store = new RedisUsageStore({
      client: createUsageRedisClient(server.url, { commandTimeoutMs: 200 }),
      keyPrefix: uniquePrefix(),
    });
    expect(await store.waitUntilReady(2_000)).toBe(true);
    server.pause();
    try {
      const started = performance.now();
      await expect(store.book(makeUsageRecord())).rejects.toThrow(/timed out/i);
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      server.resume();
    }
    await store.close();
  });
});

describeWithRedis("RedisUsageStore booking cost (measured and logged; only round trips are asserted)", () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    server = await startRedisTestServer();
  });
  afterAll(() => server?.stop());

  /** Server-side counters: socket reads (one per batch a client sends, i.e. per round trip) and EVALSHA calls. */
  async function serverStats(admin: Redis): Promise<{ commands: number; reads: number }> {
    const info = await admin.info("all");
    const read = (pattern: string) => Number(new RegExp(pattern).exec(info)?.[1] ?? 0);
    return { commands: read("cmdstat_evalsha:calls=(\\d+)"), reads: read("total_reads_processed:(\\d+)") };
  }

  it("times bookings and counts Redis round trips per booking", async () => {
    const admin = new Redis(server.url);
    const store = new RedisUsageStore({
      client: createUsageRedisClient(server.url),
      keyPrefix: "measure:",
    });
    expect(await store.waitUntilReady(2_000)).toBe(true);
    await store.book(makeUsageRecord()); // loads the script (EVALSHA, NOSCRIPT, EVAL) outside the figures

    const measure = async (
      label: string,
      count: number,
      run: (records: ReturnType<typeof makeUsageRecord>[]) => Promise<unknown>,
    ) => {
      const records = Array.from({ length: count }, () => makeUsageRecord());
      const before = await serverStats(admin);
      const started = performance.now();
      await run(records);
      const elapsedMs = performance.now() - started;
      const after = await serverStats(admin);
      // The INFO call that read `before` is one more read in `after`.
      const roundTrips = (after.reads - before.reads - 1) / count;
      const commands = (after.commands - before.commands) / count;
      console.info(
        `[booking cost] redis ${label}: ${((elapsedMs * 1000) / count).toFixed(1)} µs per booking, ` +
          `${roundTrips.toFixed(3)} round trips and ${commands.toFixed(3)} EVALSHA per booking (${count} bookings)`,
      );
      return { roundTrips, commands };
    };

    const sequential = await measure("awaited one by one", 2_000, async (records) => {
      for (const record of records) await store.book(record);
    });
    const concurrent = await measure("concurrent", 10_000, (records) =>
      Promise.all(records.map((record) => store.book(record))),
    );
    expect(sequential.commands).toBeCloseTo(1, 2);
    expect(sequential.roundTrips).toBeLessThanOrEqual(1.05);
    expect(concurrent.roundTrips).toBeLessThan(0.2);

    const memory = await admin.memory("USAGE", (await admin.keys("measure:*:usage:req:*"))[0] as string);
    console.info(`[booking cost] redis: a remembered request id takes ${memory} bytes of Redis memory`);
    const summary = await store.summarize({
      projectId: "project-a",
      fromMs: 0,
      toMs: contractEpochMs + hourMs,
    });
    expect(summary.requests).toBe(1 + 2_000 + 10_000);
    await store.close();
    await admin.quit();
  });
});
