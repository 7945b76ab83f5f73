import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
});
