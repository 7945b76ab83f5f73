import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteUsageStore } from "./sqlite-usage-store.js";
import { UsageCommitThread } from "./usage-commit-thread.js";
import { hourMs } from "./usage-period.js";
import { contractEpochMs, makeUsageRecord } from "./usage-store.contract.js";

describe("UsageCommitThread", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "usage-commit-thread-"));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("fails the commits of a thread that dies, and the next commit starts a new thread", async () => {
    // The store makes the schema; its file is then replaced by one that is not a database.
    const store = new SqliteUsageStore({ dataDir });
    await store.close();
    const path = join(dataDir, "usage.sqlite");
    await rm(path);
    await writeFile(path, "not a database, so the thread fails as it opens it".repeat(100));
    const thread = new UsageCommitThread({ path, busyTimeoutMs: 50 });
    await expect(thread.commit([makeUsageRecord()])).rejects.toThrow(
      /usage commit thread failed: SQLITE_NOTADB/,
    );

    await rm(path);
    await new SqliteUsageStore({ dataDir }).close();
    await thread.commit([makeUsageRecord(), makeUsageRecord()]);
    await thread.close();
    const reopened = new SqliteUsageStore({ dataDir });
    const summary = await reopened.summarize({
      projectId: "project-a",
      fromMs: 0,
      toMs: contractEpochMs + hourMs,
    });
    expect(summary.requests).toBe(2);
    await reopened.close();
  });

  it("answers every commit sent before close, in order", async () => {
    await new SqliteUsageStore({ dataDir }).close();
    const thread = new UsageCommitThread({ path: join(dataDir, "usage.sqlite"), busyTimeoutMs: 50 });
    const landed: number[] = [];
    const commits = [0, 1, 2].map((index) =>
      thread.commit([makeUsageRecord({ outputTokens: index })]).then(() => landed.push(index)),
    );
    await thread.close();
    await Promise.all(commits);
    expect(landed).toEqual([0, 1, 2]);
  });
});
