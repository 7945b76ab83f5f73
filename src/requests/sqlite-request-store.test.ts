import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { requestRecord, runRequestStoreContract } from "./request-store.contract.js";
import { SqliteRequestStore } from "./sqlite-request-store.js";

runRequestStoreContract("sqlite", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-requests-"));
  return {
    open: async (options) => new SqliteRequestStore({ dataDir, ...options }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

describe("SqliteRequestStore, a data dir of the first layout", () => {
  it("moves the rows of the table keyed by request id into the appending table, and reads them", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "llmgw-requests-old-"));
    try {
      const now = Date.now();
      const old = new Database(join(dataDir, "requests.sqlite"));
      old.exec(`CREATE TABLE requests (
        id TEXT PRIMARY KEY, time_ms INTEGER NOT NULL, project_id TEXT NOT NULL, agent_id TEXT NOT NULL,
        model TEXT, model_group TEXT, status TEXT NOT NULL, record_json TEXT NOT NULL) WITHOUT ROWID`);
      const insert = old.prepare("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      for (const record of [requestRecord("kept-1", now - 2000), requestRecord("kept-2", now - 1000)]) {
        insert.run(
          record.id,
          record.timeMs,
          record.projectId,
          record.agentId,
          record.model ?? null,
          record.modelGroup,
          record.status,
          JSON.stringify(record),
        );
      }
      old.close();

      const store = new SqliteRequestStore({ dataDir, retentionMs: 86_400_000, maxRows: 100 });
      expect((await store.list({ limit: 10 }, now)).records.map((record) => record.id)).toEqual([
        "kept-2",
        "kept-1",
      ]);
      expect((await store.get("kept-1", now))?.id).toBe("kept-1");
      await store.add([requestRecord("new-1", now)], now);
      expect((await store.list({ limit: 10 }, now)).records).toHaveLength(3);
      await store.close();
      const reopened = new Database(join(dataDir, "requests.sqlite"));
      const tables = reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      reopened.close();
      expect(tables).toEqual([{ name: "request_log" }]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
