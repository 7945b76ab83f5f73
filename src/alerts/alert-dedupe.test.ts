import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createUsageRedisClient, waitUntilRedisReady } from "../usage/create-usage-redis-client.js";
import { describeWithRedis, sharedRedisUrl } from "../usage/shared-test-redis.js";
import { MemoryAlertDedupe } from "./alert-dedupe.js";
import { AlertGate } from "./alert-gate.js";
import { RedisAlertDedupe } from "./redis-alert-dedupe.js";
import { SqliteAlertDedupe } from "./sqlite-alert-dedupe.js";

describe("MemoryAlertDedupe", () => {
  it("grants a key once until its claim expires", async () => {
    let now = 1_000;
    const dedupe = new MemoryAlertDedupe(() => now);
    expect(await dedupe.claim("a", 500)).toBe(true);
    expect(await dedupe.claim("a", 500)).toBe(false);
    expect(await dedupe.claim("b", 500)).toBe(true);
    now += 500;
    expect(await dedupe.claim("a", 500)).toBe(true);
  });
});

describe("SqliteAlertDedupe", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("two processes' stores on one data dir grant a key once, until it expires", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-alert-dedupe-"));
    dirs.push(dataDir);
    let now = 1_000_000;
    const first = new SqliteAlertDedupe({ dataDir, now: () => now });
    const second = new SqliteAlertDedupe({ dataDir, now: () => now });
    expect(await first.claim("budget:x", 60_000)).toBe(true);
    expect(await second.claim("budget:x", 60_000)).toBe(false);
    expect(await second.claim("budget:y", 60_000)).toBe(true);
    now += 60_000;
    expect(await second.claim("budget:x", 60_000)).toBe(true);
    expect(await first.claim("budget:x", 60_000)).toBe(false);
    await first.close();
    await second.close();
  });

  it("claims survive a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-alert-dedupe-"));
    dirs.push(dataDir);
    const before = new SqliteAlertDedupe({ dataDir });
    expect(await before.claim("k", 60_000)).toBe(true);
    await before.close();
    const after = new SqliteAlertDedupe({ dataDir });
    expect(await after.claim("k", 60_000)).toBe(false);
    await after.close();
  });
});

describe("AlertGate", () => {
  it("answers repeated keys from memory and claims at least a second", async () => {
    const claims: Array<[string, number]> = [];
    const gate = new AlertGate({
      claim: async (key, ttlMs) => {
        claims.push([key, ttlMs]);
        return true;
      },
      close: async () => {},
    });
    expect(await gate.once("circuit_open:a", 0)).toBe(true);
    expect(await gate.once("circuit_open:a", 0)).toBe(false);
    expect(claims).toEqual([["circuit_open:a", 1_000]]);
  });
});

describeWithRedis("RedisAlertDedupe", () => {
  const logger = pino({ level: "silent" });
  const prefix = `alert-dedupe-test-${process.pid}-${Date.now()}:`;

  it("replicas on one Redis grant a key once; the claim expires", async () => {
    const clients = [1, 2].map(() => createUsageRedisClient(sharedRedisUrl));
    for (const client of clients) expect(await waitUntilRedisReady(client, 2_000)).toBe(true);
    const [first, second] = clients.map(
      (client) => new RedisAlertDedupe({ client, keyPrefix: prefix, logger }),
    );
    const results = await Promise.all([
      first?.claim("circuit_open:x", 300),
      second?.claim("circuit_open:x", 300),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await second?.claim("circuit_open:x", 300)).toBe(true);
    for (const client of clients) client.disconnect();
  });

  it("fails open to this process's claims when Redis is unreachable", async () => {
    const client = createUsageRedisClient("redis://127.0.0.1:1", { commandTimeoutMs: 200 });
    client.on("error", () => undefined);
    const dedupe = new RedisAlertDedupe({ client, keyPrefix: prefix, logger });
    expect(await dedupe.claim("k", 60_000)).toBe(true);
    expect(await dedupe.claim("k", 60_000)).toBe(false);
    client.disconnect();
  });
});
