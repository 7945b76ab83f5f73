import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeCachedAnswer, runResponseCacheContract } from "./response-cache.contract.js";
import { SqliteResponseCache } from "./sqlite-response-cache.js";

runResponseCacheContract("sqlite", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "response-cache-"));
  return {
    open: async () => new SqliteResponseCache({ dataDir, maxBytes: 10_000_000 }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

describe("SqliteResponseCache", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "response-cache-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("stays within its size bound, evicting the least recently used entries first", async () => {
    let now = 1_000;
    const cache = new SqliteResponseCache({ dataDir, maxBytes: 20_000, now: () => now });
    const answer = (index: number) => makeCachedAnswer(`answer ${index} ${"x".repeat(800)}`);
    for (let index = 0; index < 10; index++) {
      now += 1;
      await cache.set(`k${index}`, answer(index), 60_000);
    }
    // k0 is read, so it is the most recently used; k1 is now the least.
    now += 1;
    expect(await cache.get("k0")).toBeDefined();
    for (let index = 10; index < 30; index++) {
      now += 1;
      await cache.set(`k${index}`, answer(index), 60_000);
    }
    const kept = [];
    for (let index = 0; index < 30; index++) if (await cache.get(`k${index}`)) kept.push(index);
    await cache.close();
    expect(kept.length).toBeLessThan(30);
    expect(kept).toContain(29);
    expect(kept).not.toContain(1);
    // Roughly 1 kB an entry under a 20 kB bound: at most 20 survive.
    expect(kept.length).toBeLessThanOrEqual(20);
  });

  it("keeps entries across reopening the file", async () => {
    const first = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000 });
    await first.set("k", makeCachedAnswer("kept"), 60_000);
    await first.close();
    const second = new SqliteResponseCache({ dataDir, maxBytes: 1_000_000 });
    expect((await second.get("k"))?.completion.choices[0]?.message.content).toBe("kept");
    await second.close();
  });
});
