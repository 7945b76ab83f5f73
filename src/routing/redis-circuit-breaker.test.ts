import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createUsageRedisClient } from "../usage/create-usage-redis-client.js";
import {
  type RedisTestServer,
  startRedisTestCluster,
  startRedisTestServer,
} from "../usage/redis-test-server.js";
import { describeWithRedis, noRedisServer, sharedRedisUrl } from "../usage/shared-test-redis.js";
import {
  type CircuitReplicas,
  contractCooldownMs,
  eventually,
  runCircuitBreakerContract,
  waitAtLeast,
} from "./circuit-breaker.contract.js";
import type { CircuitBreaker, CircuitSettings, CircuitTransition } from "./circuit-breaker.js";
import {
  type CircuitLogger,
  RedisCircuitBreaker,
  type RedisCircuitBreakerOptions,
} from "./redis-circuit-breaker.js";
import { redisCircuitKey } from "./redis-circuit-script.js";

const runPrefix = `llmgw-test:circuits:${process.pid}-${randomBytes(4).toString("hex")}:`;
let prefixCount = 0;
const nextPrefix = () => `${runPrefix}${++prefixCount}:`;

interface LoggedLine {
  level: "info" | "warn";
  message: string;
}

function captureLogger(): CircuitLogger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  return {
    lines,
    info: (_details, message) => lines.push({ level: "info", message }),
    warn: (_details, message) => lines.push({ level: "warn", message }),
  };
}

type ReplicaOptions = Omit<RedisCircuitBreakerOptions, "client" | "keyPrefix" | "trialLeaseMs"> &
  Partial<Pick<RedisCircuitBreakerOptions, "keyPrefix" | "trialLeaseMs">> & { commandTimeoutMs?: number };

/** Breakers standing in for gateway replicas: each with its own connections, all on one key prefix. */
async function openReplicas(
  url: string,
  count: number,
  options: ReplicaOptions,
  cluster = false,
): Promise<RedisCircuitBreaker[]> {
  const keyPrefix = options.keyPrefix ?? nextPrefix();
  const breakers = Array.from(
    { length: count },
    () =>
      new RedisCircuitBreaker({
        trialLeaseMs: 5_000,
        ...options,
        keyPrefix,
        client: createUsageRedisClient(url, { cluster, commandTimeoutMs: options.commandTimeoutMs }),
      }),
  );
  const shared = await Promise.all(breakers.map((breaker) => breaker.waitUntilShared(5_000)));
  expect(shared.every(Boolean)).toBe(true);
  return breakers;
}

function asContract(breakers: RedisCircuitBreaker[]): CircuitReplicas {
  return {
    replicas: breakers,
    settled: async () => void (await Promise.all(breakers.map((breaker) => breaker.settled()))),
  };
}

/** Milliseconds until `breaker` refuses `key`, checking as fast as the event loop allows. */
async function timeUntilRefused(breaker: CircuitBreaker, key: string, since: number): Promise<number> {
  for (;;) {
    const permit = await breaker.tryAcquire(key);
    if (!permit) return performance.now() - since;
    permit.release();
    if (performance.now() - since > 2_000) throw new Error(`${key} still admitted after 2 s`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function failTimes(breaker: CircuitBreaker, key: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) (await breaker.tryAcquire(key))?.failure("529 overloaded");
}

const closeAll = (breakers: CircuitBreaker[]) => Promise.all(breakers.map((breaker) => breaker.close()));

const summarize = (figures: number[]) => {
  const sorted = [...figures].sort((a, b) => a - b);
  const at = (q: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
  return `median ${at(0.5)} ms, max ${at(1)} ms over ${figures.length} openings`;
};

/** Opens a fresh circuit on `opener` and times how long each other replica still admits calls to it. */
async function measurePropagation(
  opener: RedisCircuitBreaker,
  others: RedisCircuitBreaker[],
  rounds: number,
): Promise<number[]> {
  const figures: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const key = `fake/propagation-${round}`;
    // Every replica has met the deployment (a replica reads a circuit once, when first asked).
    for (const breaker of [opener, ...others]) await breaker.snapshot(key);
    await failTimes(opener, key, 4);
    await opener.settled();
    const permit = await opener.tryAcquire(key);
    const since = performance.now();
    permit?.failure("529 overloaded");
    figures.push(...(await Promise.all(others.map((other) => timeUntilRefused(other, key, since)))));
  }
  return figures;
}

afterAll(async () => {
  if (noRedisServer) return;
  const admin = new Redis(sharedRedisUrl);
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${runPrefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== "0");
  await admin.quit();
});

describeWithRedis("on the run's redis-server", () =>
  runCircuitBreakerContract("RedisCircuitBreaker, 3 replicas on one Redis", async (settings) =>
    asContract(await openReplicas(sharedRedisUrl, 3, settings)),
  ),
);

describeWithRedis("RedisCircuitBreaker on one Redis", () => {
  it("a replica's opening reaches the others by pub/sub within a second (measured)", async () => {
    const breakers = await openReplicas(sharedRedisUrl, 3, { failureThreshold: 5, cooldownMs: 60_000 });
    const [opener, ...others] = breakers as [RedisCircuitBreaker, ...RedisCircuitBreaker[]];
    const figures = await measurePropagation(opener, others, 10);
    console.info(`[circuit propagation] redis pub/sub: ${summarize(figures)}`);
    expect(Math.max(...figures)).toBeLessThan(1_000);
    await closeAll(breakers);
  });

  it("a replica that misses the message still stops calling within a second, by polling", async () => {
    // Its subscriber listens to another server, so no message ever reaches it.
    const elsewhere = await startRedisTestServer();
    const keyPrefix = nextPrefix();
    const settings = { failureThreshold: 5, cooldownMs: 60_000, keyPrefix };
    const [opener] = await openReplicas(sharedRedisUrl, 1, settings);
    const deaf = new RedisCircuitBreaker({
      ...settings,
      trialLeaseMs: 5_000,
      client: createUsageRedisClient(sharedRedisUrl),
      subscriber: new Redis(elsewhere.url),
    });
    expect(await deaf.waitUntilShared(5_000)).toBe(true);
    const figures = await measurePropagation(opener as RedisCircuitBreaker, [deaf], 3);
    console.info(`[circuit propagation] polling alone (every 500 ms): ${summarize(figures)}`);
    expect(Math.max(...figures)).toBeLessThan(1_000);
    await closeAll([opener as RedisCircuitBreaker, deaf]);
    await elsewhere.stop();
  });

  it("a trial that never reports (its replica died or hangs) frees the circuit when its lease runs out", async () => {
    const transitions: CircuitTransition[] = [];
    const logger = captureLogger();
    const key = "fake/lease";
    const breakers = await openReplicas(sharedRedisUrl, 3, {
      failureThreshold: 1,
      cooldownMs: contractCooldownMs,
      trialLeaseMs: 400,
      logger,
      onTransition: (transition) => transitions.push(transition),
    });
    const [stuck, taker, watcher] = breakers as [
      RedisCircuitBreaker,
      RedisCircuitBreaker,
      RedisCircuitBreaker,
    ];
    (await stuck.tryAcquire(key))?.failure("529 overloaded");
    await stuck.settled();
    await waitAtLeast(contractCooldownMs + 20);
    // Taken before the call: the lease starts when Redis runs the script, before its answer is read.
    const leased = performance.now();
    const orphan = await stuck.tryAcquire(key);
    expect(orphan?.isTrial).toBe(true);

    await eventually(async () => expect((await taker.snapshot(key)).state).toBe("half_open"));
    expect(await taker.tryAcquire(key)).toBeUndefined();
    let trial: Awaited<ReturnType<CircuitBreaker["tryAcquire"]>>;
    await eventually(async () => {
      trial = await taker.tryAcquire(key);
      expect(trial?.isTrial).toBe(true);
    });
    const freedAfter = performance.now() - leased;
    console.info(`[circuit lease] a 400 ms trial lease freed the circuit after ${freedAfter.toFixed(0)} ms`);
    expect(freedAfter).toBeGreaterThanOrEqual(390);
    expect(logger.lines.filter((line) => line.level === "warn").map((line) => line.message)).toEqual([
      expect.stringMatching(/lease ran out without an outcome/),
    ]);
    expect(await watcher.tryAcquire(key)).toBeUndefined();

    // The first trial's outcome, late, is ignored: the trial that took over decides.
    orphan?.failure("came back after its lease");
    await stuck.settled();
    await eventually(async () => expect((await watcher.snapshot(key)).state).toBe("half_open"));
    expect(await watcher.tryAcquire(key)).toBeUndefined();
    trial?.success();
    await taker.settled();
    await eventually(async () => expect((await watcher.snapshot(key)).state).toBe("closed"));
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      "closed->open",
      "open->half_open",
      "half_open->closed",
    ]);
    await closeAll(breakers);
  });

  it("keeps one hash per deployment under the prefix, hash-tagged by deployment", async () => {
    const keyPrefix = nextPrefix();
    const [breaker] = await openReplicas(sharedRedisUrl, 1, {
      failureThreshold: 5,
      cooldownMs: 1_000,
      keyPrefix,
    });
    (await breaker?.tryAcquire("anthropic/claude-haiku"))?.failure("timeout");
    await breaker?.settled();
    const admin = new Redis(sharedRedisUrl);
    expect(await admin.keys(`${keyPrefix}*`)).toEqual([`${keyPrefix}{c:anthropic/claude-haiku}:circuit`]);
    expect(redisCircuitKey(keyPrefix, "anthropic/claude-haiku")).toBe(
      `${keyPrefix}{c:anthropic/claude-haiku}:circuit`,
    );
    expect(await admin.hget(redisCircuitKey(keyPrefix, "anthropic/claude-haiku"), "f")).toBe("1");
    await admin.quit();
    await breaker?.close();
  });
});

describeWithRedis("RedisCircuitBreaker cost per request (measured on a private redis-server)", () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    server = await startRedisTestServer();
  });
  afterAll(() => server?.stop());

  /** Script calls and socket reads (one per batch a client sends: a round trip) the server counted. */
  async function serverCounters(admin: Redis): Promise<{ scripts: number; reads: number }> {
    const info = await admin.info("all");
    const read = (pattern: string) => Number(new RegExp(pattern).exec(info)?.[1] ?? 0);
    return {
      scripts: read("cmdstat_evalsha:calls=(\\d+)") + read("cmdstat_eval:calls=(\\d+)"),
      reads: read("total_reads_processed:(\\d+)"),
    };
  }

  it("a healthy closed circuit costs zero Redis commands per request; failures one each", async () => {
    const admin = new Redis(server.url);
    // Polling is a fixed background cost per deployment, not per request: kept out of the window.
    const keyPrefix = nextPrefix();
    const breakers = await openReplicas(server.url, 3, {
      keyPrefix,
      failureThreshold: 1_000_000,
      cooldownMs: 30_000,
      pollIntervalMs: 60_000,
    });
    const key = "fake/healthy";
    for (const breaker of breakers) await breaker.snapshot(key);

    const measure = async (label: string, requests: number, run: () => Promise<void>) => {
      const before = await serverCounters(admin);
      const started = performance.now();
      await run();
      await Promise.all(breakers.map((breaker) => breaker.settled()));
      const elapsed = performance.now() - started;
      const after = await serverCounters(admin);
      // The INFO call that read `before` is one more read in `after`.
      const figures = {
        scripts: (after.scripts - before.scripts) / requests,
        roundTrips: (after.reads - before.reads - 1) / requests,
      };
      console.info(
        `[circuit cost] ${label}: ${figures.scripts.toFixed(4)} script calls and ${figures.roundTrips.toFixed(4)} ` +
          `round trips per request, ${((elapsed * 1000) / requests).toFixed(1)} µs per request (${requests} requests)`,
      );
      return figures;
    };

    const healthy = await measure("healthy closed circuit, acquire + success", 30_000, async () => {
      for (let i = 0; i < 30_000; i++) (await (breakers[i % 3] as CircuitBreaker).tryAcquire(key))?.success();
    });
    expect(healthy).toEqual({ scripts: 0, roundTrips: 0 });

    const failing = await measure("failures", 300, async () => {
      for (let i = 0; i < 300; i++) {
        (await (breakers[i % 3] as CircuitBreaker).tryAcquire(key))?.failure("500");
        await (breakers[i % 3] as RedisCircuitBreaker).settled();
      }
    });
    expect(failing.scripts).toBe(1);

    // Every replica heard of the failures; the first success on each resets the shared count once.
    await eventually(async () => {
      for (const breaker of breakers)
        expect((await breaker.snapshot(key)).consecutiveFailures).toBeGreaterThan(0);
    });
    const recovering = await measure("successes after failures", 3_000, async () => {
      for (let i = 0; i < 3_000; i++) (await (breakers[i % 3] as CircuitBreaker).tryAcquire(key))?.success();
    });
    expect(recovering.scripts * 3_000).toBeGreaterThanOrEqual(1);
    expect(recovering.scripts * 3_000).toBeLessThanOrEqual(3);
    expect(await admin.hget(redisCircuitKey(keyPrefix, key), "f")).toBe("0");
    await closeAll(breakers);
    await admin.quit();
  });
});

describeWithRedis("RedisCircuitBreaker when Redis fails (fails open to per-process circuits)", () => {
  let server: RedisTestServer;
  beforeAll(async () => {
    // Append-only, so what Redis held before the crash is there after the restart.
    server = await startRedisTestServer({ appendOnly: true });
  });
  afterAll(() => server?.stop());

  runCircuitBreakerContract(
    "RedisCircuitBreaker with Redis down (per-process semantics)",
    async (settings) => {
      const breaker = new RedisCircuitBreaker({
        ...settings,
        keyPrefix: nextPrefix(),
        trialLeaseMs: 5_000,
        client: createUsageRedisClient("redis://127.0.0.1:1"),
      });
      expect(breaker.shared).toBe(false);
      return asContract([breaker]);
    },
  );

  it("keeps serving from local circuits while Redis is down, and re-syncs when it is back", async () => {
    const transitions: CircuitTransition[] = [];
    const loggers = [captureLogger(), captureLogger()];
    const keyPrefix = nextPrefix();
    const settings = {
      keyPrefix,
      failureThreshold: 2,
      cooldownMs: 20_000,
      onTransition: (transition: CircuitTransition) => transitions.push(transition),
    };
    const [a, b] = [
      (await openReplicas(server.url, 1, { ...settings, logger: loggers[0] }))[0],
      (await openReplicas(server.url, 1, { ...settings, logger: loggers[1] }))[0],
    ] as [RedisCircuitBreaker, RedisCircuitBreaker];
    await failTimes(a, "fake/opened-before", 2);
    await a.settled();
    await eventually(async () => expect(await b.tryAcquire("fake/opened-before")).toBeUndefined());
    for (const key of ["fake/opened-during", "fake/healthy"]) {
      await a.snapshot(key);
      await b.snapshot(key);
    }

    await server.kill();
    const started = performance.now();
    for (const breaker of [a, b]) {
      const permit = await breaker.tryAcquire("fake/healthy");
      expect(permit?.isTrial).toBe(false);
      permit?.success();
      // A circuit opened in Redis stays open here: its cooldown runs on in the cache.
      expect(await breaker.tryAcquire("fake/opened-before")).toBeUndefined();
    }
    // A replica that starts while Redis is down serves too.
    const late = new RedisCircuitBreaker({
      ...settings,
      trialLeaseMs: 5_000,
      client: createUsageRedisClient(server.url),
    });
    expect((await late.tryAcquire("fake/healthy"))?.isTrial).toBe(false);
    await failTimes(a, "fake/opened-during", 2);
    await a.settled();
    // Far below the 2 s command timeout: nothing waited for the dead server.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(a.shared).toBe(false);
    // Per-process now: a's failures opened its own circuit only, and a reported it.
    expect(await a.tryAcquire("fake/opened-during")).toBeUndefined();
    expect(await b.tryAcquire("fake/opened-during")).toBeDefined();
    expect(transitions.map((t) => `${t.key} ${t.from}->${t.to}`)).toEqual([
      "fake/opened-before closed->open",
      "fake/opened-during closed->open",
    ]);
    await eventually(async () => {
      for (const logger of loggers) {
        const warnings = logger.lines.filter((line) => line.level === "warn");
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.message).toMatch(/Redis unreachable; circuits are per process/);
      }
    });

    await server.restart();
    for (const breaker of [a, b, late]) expect(await breaker.waitUntilShared(5_000)).toBe(true);
    for (const logger of loggers) expect(logger.lines.at(-1)?.message).toMatch(/Redis answers/);
    // Redis' view wins: what a counted alone is dropped, what Redis held is back everywhere.
    await eventually(async () =>
      expect(await a.snapshot("fake/opened-during")).toMatchObject({ state: "closed" }),
    );
    for (const breaker of [a, b, late]) {
      expect(await breaker.tryAcquire("fake/opened-before")).toBeUndefined();
    }
    // And sharing works again, pub/sub included.
    await failTimes(b, "fake/opened-after", 2);
    const since = performance.now();
    expect(await timeUntilRefused(late, "fake/opened-after", since)).toBeLessThan(1_000);
    await closeAll([a, b, late]);
  });

  /** Two replicas whose circuit for `key` opened and whose cooldown has just passed; commands time out after 200 ms. */
  async function twoReplicasPastCooldown(key: string, logger: CircuitLogger) {
    const [a, b] = await openReplicas(server.url, 2, {
      logger,
      failureThreshold: 1,
      cooldownMs: contractCooldownMs,
      // Without the release of a trial that ended unheard, Redis would hold the circuit half-open this long.
      trialLeaseMs: 60_000,
      commandTimeoutMs: 200,
    });
    if (!a || !b) throw new Error("two replicas expected");
    (await a.tryAcquire(key))?.failure("529 overloaded");
    await a.settled();
    await eventually(async () => expect(await b.tryAcquire(key)).toBeUndefined());
    await waitAtLeast(contractCooldownMs + 20);
    return [a, b] as const;
  }

  it("a Redis that hangs delays a trial by the command timeout at most; a grant that ended unheard is released", async () => {
    const key = "fake/hung";
    const logger = captureLogger();
    const [a, b] = await twoReplicasPastCooldown(key, logger);

    server.pause();
    try {
      const started = performance.now();
      const localTrial = await a.tryAcquire(key);
      expect(performance.now() - started).toBeLessThan(500);
      expect(localTrial?.isTrial).toBe(true);
      expect(a.shared).toBe(false);
      localTrial?.failure("timeout");
      await a.settled();
      expect(await a.tryAcquire(key)).toBeUndefined();
    } finally {
      server.resume();
    }
    // Redis ran the queued script after all, granting a trial that already ended here: a releases it.
    expect(await a.waitUntilShared(2_000)).toBe(true);
    const resumed = performance.now();
    await eventually(async () => expect((await b.tryAcquire(key))?.isTrial).toBe(true), 2_000);
    console.info(
      `[circuit hung redis] the trial granted after a stopped waiting was released; b took the trial ${(performance.now() - resumed).toFixed(0)} ms after a re-synced`,
    );
    expect(logger.lines.map((line) => line.message)).toContainEqual(
      expect.stringMatching(/Redis holds a trial of this replica's that ended unheard .*; releasing it/),
    );
    await closeAll([a, b]);
  });

  it("a trial granted locally while Redis hung reports its outcome to Redis once it answers", async () => {
    const key = "fake/hung-trial";
    const [a, b] = await twoReplicasPastCooldown(key, captureLogger());
    server.pause();
    let localTrial: Awaited<ReturnType<CircuitBreaker["tryAcquire"]>>;
    try {
      localTrial = await a.tryAcquire(key);
      expect(localTrial?.isTrial).toBe(true);
    } finally {
      server.resume();
    }
    expect(await a.waitUntilShared(2_000)).toBe(true);
    // Redis granted the same token: the trial is still a's, everywhere.
    await eventually(async () => expect((await b.snapshot(key)).state).toBe("half_open"));
    expect(await b.tryAcquire(key)).toBeUndefined();
    localTrial?.success();
    await a.settled();
    await eventually(async () => expect((await b.snapshot(key)).state).toBe("closed"));
    await closeAll([a, b]);
  });
});

describeWithRedis("RedisCircuitBreaker on a 3-master Redis Cluster", () => {
  let cluster: Awaited<ReturnType<typeof startRedisTestCluster>>;
  let seedUrl: string;
  beforeAll(async () => {
    cluster = await startRedisTestCluster(3);
    seedUrl = (cluster.servers[0] as RedisTestServer).url;
  });
  afterAll(() => cluster?.stop());

  const openOnCluster = (count: number, settings: CircuitSettings & Partial<RedisCircuitBreakerOptions>) =>
    openReplicas(seedUrl, count, settings, true);

  runCircuitBreakerContract("RedisCircuitBreaker, 3 replicas on a Redis Cluster", async (settings) =>
    asContract(await openOnCluster(3, settings)),
  );

  it("spreads deployments over the masters and propagates openings within a second (measured)", async () => {
    const keyPrefix = nextPrefix();
    const breakers = await openOnCluster(3, { failureThreshold: 5, cooldownMs: 60_000, keyPrefix });
    const [opener, ...others] = breakers as [RedisCircuitBreaker, ...RedisCircuitBreaker[]];
    const figures = await measurePropagation(opener, others, 10);
    console.info(`[circuit propagation] redis cluster pub/sub: ${summarize(figures)}`);
    expect(Math.max(...figures)).toBeLessThan(1_000);

    const admin = new Cluster([seedUrl]);
    await once(admin, "ready");
    const nodesHolding = new Set<number>();
    for (const [index, node] of admin.nodes("master").entries()) {
      if ((await node.keys(`${keyPrefix}*`)).length > 0) nodesHolding.add(index);
    }
    expect(nodesHolding.size).toBeGreaterThan(1);
    await admin.quit();
    await closeAll(breakers);
  });
});
