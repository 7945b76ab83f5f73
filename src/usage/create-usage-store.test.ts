import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UsageStore } from "../core/usage-record.js";
import { createUsageStore } from "./create-usage-store.js";
import { startRedisTestServer } from "./redis-test-server.js";
import { noRedisServer, sharedRedisUrl } from "./shared-test-redis.js";
import { periodRange } from "./usage-period.js";
import { contractEpochMs, makeUsageRecord } from "./usage-store.contract.js";

const today = { projectId: "project-a", ...periodRange("day", new Date(contractEpochMs)) };

describe("createUsageStore", () => {
  let dataDir: string;
  let store: UsageStore | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "usage-create-"));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("uses SQLite in the data dir without a Redis URL", async () => {
    store = await createUsageStore({ dataDir, redisKeyPrefix: "unused:" });
    await store.book(makeUsageRecord());
    expect((await store.summarize(today)).requests).toBe(1);
    expect(await store.health()).toEqual({
      backend: "sqlite",
      ok: true,
      journalBacklog: 0,
      journalWritable: false,
    });
    expect((await stat(join(dataDir, "usage.sqlite"))).isFile()).toBe(true);
  });

  it.skipIf(noRedisServer)("uses Redis, backed by the journal, with a Redis URL", async () => {
    const redisKeyPrefix = `llmgw-test:${randomBytes(4).toString("hex")}:`;
    store = await createUsageStore({ dataDir, redisUrl: sharedRedisUrl, redisKeyPrefix });
    await store.book(makeUsageRecord());
    expect((await store.summarize(today)).requests).toBe(1);
    expect(await store.health()).toEqual({
      backend: "redis",
      ok: true,
      journalBacklog: 0,
      journalWritable: true,
    });
    const admin = new Redis(sharedRedisUrl);
    const keys = await admin.keys(`${redisKeyPrefix}*`);
    // The request marker, the hour hash, the hours index and the set of projects.
    expect(keys.length).toBe(4);
    await admin.unlink(...keys);
    await admin.quit();
  });

  it.skipIf(noRedisServer)("starts even when Redis is down, serving bookings from the journal", async () => {
    const server = await startRedisTestServer();
    const url = server.url;
    await server.stop();
    store = await createUsageStore({
      dataDir,
      redisUrl: url,
      redisKeyPrefix: "down:",
      redisReadyTimeoutMs: 100,
    });
    await store.book(makeUsageRecord());
    expect(await store.health()).toMatchObject({
      backend: "redis",
      ok: false,
      journalBacklog: 1,
      journalWritable: true,
    });
    await expect(store.summarize(today)).rejects.toThrow();
  });
});
