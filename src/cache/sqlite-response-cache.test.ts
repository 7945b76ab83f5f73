import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeCachedAnswer, runResponseCacheContract } from "./response-cache.contract.js";
import { SqliteResponseCache } from "./sqlite-response-cache.js";

runResponseCacheContract("sqlite", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "response-cache-"));
  return {
    open: async (options) => new SqliteResponseCache({ dataDir, maxBytes: options?.maxBytes ?? 10_000_000 }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

describe("SqliteResponseCache", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "response-cache-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("keeps entries across reopening the file", async () => {
    const first = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000 });
    await first.set("k", makeCachedAnswer("kept"), 60_000);
    await first.close();
    const second = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000 });
    expect((await second.get("k"))?.completion.choices[0]?.message.content).toBe("kept");
    await second.close();
  });

  /** Runs `use` on a connection of its own to the cache's file, as another process would. */
  function elsewhere<T>(use: (db: Database.Database) => T): T {
    const db = new Database(join(dataDir, "response-cache.sqlite"));
    try {
      return use(db);
    } finally {
      db.close();
    }
  }

  /** Deletes an entry as another process would (its own eviction), behind this process's back. */
  const deleteElsewhere = (key: string) =>
    elsewhere((db) => db.prepare("DELETE FROM cache_entries WHERE key = ?").run(key));

  it("answers what it read or wrote last from memory, each hit its own copy, until the entry's TTL ends", async () => {
    let now = 1_000;
    const cache = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000, now: () => now });
    await cache.set("written", makeCachedAnswer("W"), 60_000);
    const reader = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000, now: () => now });
    expect((await reader.get("written"))?.completion.choices[0]?.message.content).toBe("W");
    // Another process's eviction: both still answer from memory, as the answer it was.
    deleteElsewhere("written");
    const first = await cache.get("written");
    expect(first?.completion.choices[0]?.message.content).toBe("W");
    expect((await reader.get("written"))?.completion.choices[0]?.message.content).toBe("W");
    // A caller changing its answer changes nobody else's.
    if (first?.completion.choices[0]) first.completion.choices[0].message.content = "changed";
    expect((await cache.get("written"))?.completion.choices[0]?.message.content).toBe("W");
    now = 61_000;
    expect(await cache.get("written")).toBeUndefined();
    expect(await reader.get("written")).toBeUndefined();
    await reader.close();
    await cache.close();
  });

  it("forgets from memory what its own eviction took from the file", async () => {
    // Long keys count in the file's bound, not in memory's: the file evicts while memory would keep both.
    const [oldKey, newKey] = ["o".repeat(800), "n".repeat(800)];
    const cache = new SqliteResponseCache({ dataDir, maxBytes: 5_000 });
    await cache.set(oldKey, makeCachedAnswer("O".repeat(1_000)), 60_000);
    await cache.set(newKey, makeCachedAnswer("N".repeat(2_000)), 60_000);
    expect(await cache.get(oldKey)).toBeUndefined();
    expect((await cache.get(newKey))?.completion.choices[0]?.message.content).toBe("N".repeat(2_000));
    await cache.close();
  });

  /** used_ms of each entry, as another connection to the file reads it. */
  function usedTimes(): Record<string, number> {
    const rows = elsewhere(
      (db) =>
        db.prepare("SELECT key, used_ms AS usedMs FROM cache_entries").all() as Array<{
          key: string;
          usedMs: number;
        }>,
    );
    return Object.fromEntries(rows.map((row) => [row.key, row.usedMs]));
  }

  it("writes a hit's use later, with the others of its second, not one write a hit; closing writes what waits", async () => {
    let now = 1_000;
    const cache = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000, now: () => now });
    await cache.set("a", makeCachedAnswer("A"), 60_000);
    await cache.set("b", makeCachedAnswer("B"), 60_000);
    now = 5_000;
    expect(await cache.get("a")).toBeDefined();
    now = 6_000;
    expect(await cache.get("b")).toBeDefined();
    expect(usedTimes()).toEqual({ a: 1_000, b: 1_000 });
    await cache.close();
    expect(usedTimes()).toEqual({ a: 5_000, b: 6_000 });
  });

  it("writes the uses that wait after a second, on its own", async () => {
    let now = 1_000;
    const cache = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000, now: () => now });
    try {
      await cache.set("a", makeCachedAnswer("A"), 60_000);
      now = 2_000;
      await cache.get("a");
      await expect.poll(() => usedTimes().a, { timeout: 3_000, interval: 100 }).toBe(2_000);
    } finally {
      await cache.close();
    }
  });

  it("an entry set again is used as of the set, not as of a read before it that waited", async () => {
    let now = 1_000;
    const cache = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000, now: () => now });
    await cache.set("a", makeCachedAnswer("A"), 60_000);
    now = 2_000;
    await cache.get("a");
    now = 3_000;
    await cache.set("a", makeCachedAnswer("A again"), 60_000);
    await cache.close();
    expect(usedTimes()).toEqual({ a: 3_000 });
  });

  it("a write of the uses that fails (another process holds the file past the timeout) loses only them", async () => {
    let now = 1_000;
    const cache = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000, now: () => now });
    await cache.set("a", makeCachedAnswer("A"), 60_000);
    now = 2_000;
    await cache.get("a");
    const holder = new Database(join(dataDir, "response-cache.sqlite"));
    holder.exec("BEGIN IMMEDIATE");
    try {
      // Waits the cache's 1 s busy timeout, then closes without the use.
      await cache.close();
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    expect(usedTimes()).toEqual({ a: 1_000 });
  });
});
