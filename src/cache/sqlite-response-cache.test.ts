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

  /** used_ms of each entry, as another connection to the file reads it. */
  function usedTimes(): Record<string, number> {
    const db = new Database(join(dataDir, "response-cache.sqlite"), { readonly: true });
    try {
      const rows = db.prepare("SELECT key, used_ms AS usedMs FROM cache_entries").all() as Array<{
        key: string;
        usedMs: number;
      }>;
      return Object.fromEntries(rows.map((row) => [row.key, row.usedMs]));
    } finally {
      db.close();
    }
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
