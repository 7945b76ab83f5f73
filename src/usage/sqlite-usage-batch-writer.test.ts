import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { openUsageWriteConnection } from "./sqlite-usage-batch-writer.js";

it("sets up the commit thread's connection: WAL, fsync'd commits, its busy timeout, a small page cache", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-usage-writer-"));
  const db = new Database(join(dataDir, "usage.sqlite"));
  try {
    openUsageWriteConnection(db, 2500);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(2500);
    expect(db.pragma("cache_size", { simple: true })).toBe(-1024);
  } finally {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
