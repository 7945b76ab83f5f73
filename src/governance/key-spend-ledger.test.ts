import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import { budgetRequest, livePolicy, usd } from "./budget-guard.contract.js";
import { LocalBudgetGuard } from "./local-budget-guard.js";
import { RedisBudgetGuard } from "./redis-budget-guard.js";
import { RedisKeySpendLedger } from "./redis-key-spend-ledger.js";
import { deleteKeysUnder, expectClusterSafeKeys, uniqueKeyPrefix } from "./redis-keys.contract.js";
import { SqliteKeySpendLedger } from "./sqlite-key-spend-ledger.js";

const nowMs = Date.UTC(2026, 2, 14, 12);
const bot = { keyId: "key_ledgertest01", keyName: "bot" };

describe("SqliteKeySpendLedger", () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "key-spend-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("books a request id once, per UTC day and month, and keeps it across a restart", async () => {
    const dir = dataDir();
    const ledger = new SqliteKeySpendLedger({ dataDir: dir });
    expect(
      await ledger.book({ keyId: bot.keyId, requestId: "r1", costNanoUsd: usd(1.25), atMs: nowMs }),
    ).toBe(true);
    expect(
      await ledger.book({ keyId: bot.keyId, requestId: "r1", costNanoUsd: usd(1.25), atMs: nowMs }),
    ).toBe(false);
    await ledger.book({
      keyId: bot.keyId,
      requestId: "r2",
      costNanoUsd: usd(0.5),
      atMs: Date.UTC(2026, 2, 2),
    });
    await ledger.book({ keyId: "key_other", requestId: "r3", costNanoUsd: usd(9), atMs: nowMs });
    await ledger.close();
    const restarted = new SqliteKeySpendLedger({ dataDir: dir });
    expect(await restarted.spent(bot.keyId, nowMs)).toEqual({
      dayNanoUsd: usd(1.25),
      monthNanoUsd: usd(1.75),
    });
    // A replay after the restart still counts nothing.
    expect(
      await restarted.book({ keyId: bot.keyId, requestId: "r1", costNanoUsd: usd(1.25), atMs: nowMs }),
    ).toBe(false);
    expect(await restarted.spent(bot.keyId, Date.UTC(2026, 3, 1))).toEqual({
      dayNanoUsd: 0,
      monthNanoUsd: 0,
    });
    await restarted.close();
  });

  it("seeds a key budget of the local guard after a restart: the key's spend is not forgotten", async () => {
    const dir = dataDir();
    const open = async () => {
      const keySpend = new SqliteKeySpendLedger({ dataDir: dir });
      const guard = await LocalBudgetGuard.create({
        policy: livePolicy({}),
        spentSince: async () => 0,
        keySpend,
        now: () => nowMs,
      });
      return { guard, keySpend };
    };
    const first = await open();
    const key = { ...bot, limits: { dailyUsd: 5 } };
    await (await first.guard.reserve(budgetRequest({ key, maxCostNanoUsd: usd(3) }))).settle(usd(3));
    // A key without a budget is booked too.
    await (await first.guard.reserve(budgetRequest({ key: bot, maxCostNanoUsd: 0 }))).settle(usd(1));
    await first.keySpend.close();
    const second = await open();
    const error = await second.guard
      .reserve(budgetRequest({ projectId: "other", key, maxCostNanoUsd: usd(1) + 1 }))
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      code: "GW_ERR_BUDGET_EXCEEDED",
      details: { budget: "key_daily", spent_nano_usd: usd(4) },
    });
    expect(await second.keySpend.spent(bot.keyId, nowMs)).toEqual({
      dayNanoUsd: usd(4),
      monthNanoUsd: usd(4),
    });
    await second.keySpend.close();
  });
});

describeWithRedis("RedisKeySpendLedger", () => {
  const clients: Redis[] = [];
  const keyPrefix = uniqueKeyPrefix();
  const client = () => {
    const opened = new Redis(sharedRedisUrl);
    clients.push(opened);
    return opened;
  };
  afterEach(async () => {
    await deleteKeysUnder(clients[0] as Redis, keyPrefix);
    await Promise.all(clients.splice(0).map((opened) => opened.quit()));
  });

  it("sees what every replica's settles booked for a key, once per request id, in the key's own slot", async () => {
    const replicas = [client(), client()].map(
      (redis) => new RedisBudgetGuard({ client: redis, keyPrefix, policy: livePolicy({}), now: () => nowMs }),
    );
    const [a, b] = replicas as [RedisBudgetGuard, RedisBudgetGuard];
    const ledger = new RedisKeySpendLedger({ client: client(), keyPrefix });
    const request = budgetRequest({ key: bot, maxCostNanoUsd: 0 });
    await (await a.reserve(request)).settle(usd(2));
    await (await b.reserve(request)).settle(usd(2)); // the same request id on another replica
    await (await b.reserve(budgetRequest({ projectId: "other", key: bot, maxCostNanoUsd: 0 }))).settle(
      usd(0.5),
    );
    // Booking directly shares the guard's marker.
    expect(
      await ledger.book({ keyId: bot.keyId, requestId: request.requestId, costNanoUsd: usd(2), atMs: nowMs }),
    ).toBe(false);
    expect(await ledger.spent(bot.keyId, nowMs)).toEqual({ dayNanoUsd: usd(2.5), monthNanoUsd: usd(2.5) });
    expect(await ledger.spent(bot.keyId, Date.UTC(2026, 2, 15))).toEqual({
      dayNanoUsd: 0,
      monthNanoUsd: usd(2.5),
    });
    const keys = await expectClusterSafeKeys(clients[0] as Redis, keyPrefix);
    const keyScope = keys.filter((key) => key.includes("{k:"));
    // Two booked markers (two request ids) and the two counters; no hold was ever made.
    expect(keyScope).toHaveLength(4);
    expect(keyScope).toEqual(
      expect.arrayContaining([
        `${keyPrefix}{k:${bot.keyId}}:key-spend:booked:${request.requestId}`,
        `${keyPrefix}{k:${bot.keyId}}:key-spend:day:2026-03-14`,
        `${keyPrefix}{k:${bot.keyId}}:key-spend:month:2026-03`,
      ]),
    );
  });
});
