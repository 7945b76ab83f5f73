import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openSqliteFile } from "./open-sqlite-file.js";

const schema = "CREATE TABLE IF NOT EXISTS things (id TEXT PRIMARY KEY)";
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "llmgw-sqlite-file-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

it("makes a new file (and its directory) in WAL mode, at the asked level, its schema in the file itself", () => {
  const path = join(dataDir, "nested", "things.sqlite");
  const db = openSqliteFile(path, { synchronous: "FULL", busyTimeoutMs: 1234, schema });
  expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  expect(db.pragma("synchronous", { simple: true })).toBe(2);
  expect(db.pragma("busy_timeout", { simple: true })).toBe(1234);
  // A small page cache (negative: KiB), not better-sqlite3's 16 MB, which filled RSS as files grew.
  expect(db.pragma("cache_size", { simple: true })).toBe(-1024);
  // Checkpointed: the first page (WAL mode, schema) is in the file, not only in its WAL.
  const header = readFileSync(path).subarray(0, 20);
  expect(header.subarray(0, 15).toString("latin1")).toBe("SQLite format 3");
  expect([header[18], header[19]]).toEqual([2, 2]);
  expect(statSync(path).size).toBeGreaterThan(0);
  db.close();
});

it("opens an existing file as it is, at the asked level, its rows kept", () => {
  const path = join(dataDir, "things.sqlite");
  const first = openSqliteFile(path, { synchronous: "FULL", busyTimeoutMs: 1000, schema });
  first.prepare("INSERT INTO things VALUES ('a')").run();
  first.close();
  const again = openSqliteFile(path, { synchronous: "NORMAL", busyTimeoutMs: 1000, schema });
  expect(again.pragma("synchronous", { simple: true })).toBe(1);
  expect(again.prepare("SELECT id FROM things").all()).toEqual([{ id: "a" }]);
  again.close();
});
