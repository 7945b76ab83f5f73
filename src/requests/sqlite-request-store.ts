import { join } from "node:path";
import type Database from "better-sqlite3";
import type { RequestPage, RequestQuery, RequestRecord, RequestStore } from "../core/request-record.js";
import { openSqliteFile } from "../usage/open-sqlite-file.js";

export interface SqliteRequestStoreOptions {
  /** `requests.sqlite` is created in it, beside the usage store's file. */
  dataDir: string;
  /** Records older than this are deleted and never read. */
  retentionMs: number;
  /** At most this many records are kept; the oldest go first. */
  maxRows: number;
}

/**
 * A rowid table: rows append in the order they are written, so a batch fills the last pages
 * instead of dirtying one page per record across a table keyed by random request ids.
 */
const schema = `
CREATE TABLE IF NOT EXISTS request_log (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time_ms INTEGER NOT NULL,
  project_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  model TEXT,
  model_group TEXT,
  status TEXT NOT NULL,
  record_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS request_log_by_time ON request_log (time_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS request_log_by_project_time ON request_log (project_id, time_ms DESC, id DESC);
`;

/** The first layout (keyed by request id), moved into `request_log` when a data dir still has it. */
const migrateFromKeyedTable = `
INSERT OR REPLACE INTO request_log (id, time_ms, project_id, agent_id, model, model_group, status, record_json)
  SELECT id, time_ms, project_id, agent_id, model, model_group, status, record_json FROM requests ORDER BY time_ms;
DROP TABLE requests;
`;

/** Expired rows are never read; deleting them every this many inserts keeps the file bounded without a delete per write. */
const expireEvery = 100;

/**
 * Requests in one SQLite file of the data dir, for the single-process gateway.
 * Filtered columns are columns; the record itself is JSON (its shape grows without migrations).
 * Fails closed (a write that failed rejects); the recorder in front of it fails open.
 */
export class SqliteRequestStore implements RequestStore {
  readonly #db: Database.Database;
  readonly #retentionMs: number;
  readonly #maxRows: number;
  readonly #insert: Database.Statement;
  readonly #deleteExpired: Database.Statement<[number]>;
  readonly #deleteOldest: Database.Statement<[number]>;
  readonly #selectOne: Database.Statement<[string, number], { recordJson: string }>;
  /** One transaction per batch: one WAL commit for what a window gathered, not one per request. */
  readonly #addAll: (records: readonly RequestRecord[], nowMs: number) => void;
  /** Rows in the table, counted once at open and kept by each write: the row bound costs no COUNT per insert. */
  #rows: number;
  #insertsSinceExpiry = expireEvery;

  constructor(options: SqliteRequestStoreOptions) {
    this.#retentionMs = options.retentionMs;
    this.#maxRows = options.maxRows;
    // An explorer row lost to a power cut is acceptable; an fsync per request is not.
    this.#db = openSqliteFile(join(options.dataDir, "requests.sqlite"), {
      synchronous: "NORMAL",
      busyTimeoutMs: 5000,
      schema,
    });
    const keyedTable = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'")
      .get();
    if (keyedTable) this.#db.transaction(() => this.#db.exec(migrateFromKeyedTable))();
    this.#insert = this.#db.prepare(
      `INSERT OR REPLACE INTO request_log (id, time_ms, project_id, agent_id, model, model_group, status, record_json)
       VALUES (@id, @timeMs, @projectId, @agentId, @model, @modelGroup, @status, @recordJson)`,
    );
    this.#deleteExpired = this.#db.prepare("DELETE FROM request_log WHERE time_ms < ?");
    this.#deleteOldest = this.#db.prepare(
      "DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log ORDER BY time_ms ASC, id ASC LIMIT ?)",
    );
    this.#rows = (this.#db.prepare("SELECT COUNT(*) AS n FROM request_log").get() as { n: number }).n;
    this.#selectOne = this.#db.prepare(
      "SELECT record_json AS recordJson FROM request_log WHERE id = ? AND time_ms >= ?",
    );
    this.#addAll = this.#db.transaction((records: readonly RequestRecord[], nowMs: number) =>
      this.#writeAll(records, nowMs),
    );
  }

  async add(records: readonly RequestRecord[], nowMs: number): Promise<void> {
    this.#addAll(records, nowMs);
  }

  #writeAll(records: readonly RequestRecord[], nowMs: number): void {
    for (const record of records) {
      this.#insert.run({
        id: record.id,
        timeMs: record.timeMs,
        projectId: record.projectId,
        agentId: record.agentId,
        model: record.model ?? null,
        modelGroup: record.modelGroup,
        status: record.status,
        recordJson: JSON.stringify(record),
      });
    }
    this.#rows += records.length;
    this.#insertsSinceExpiry += records.length;
    if (this.#insertsSinceExpiry >= expireEvery) {
      this.#insertsSinceExpiry = 0;
      this.#rows -= this.#deleteExpired.run(nowMs - this.#retentionMs).changes;
    }
    if (this.#rows > this.#maxRows) {
      this.#rows -= this.#deleteOldest.run(this.#rows - this.#maxRows).changes;
    }
  }

  async list(query: RequestQuery, nowMs: number): Promise<RequestPage> {
    const where = ["time_ms >= ?"];
    const params: Array<string | number> = [Math.max(query.fromMs ?? 0, nowMs - this.#retentionMs)];
    if (query.toMs !== undefined) {
      where.push("time_ms < ?");
      params.push(query.toMs);
    }
    if (query.projectIds) {
      if (query.projectIds.length === 0) return { records: [] };
      where.push(`project_id IN (${query.projectIds.map(() => "?").join(", ")})`);
      params.push(...query.projectIds);
    }
    if (query.agentId !== undefined) {
      where.push("agent_id = ?");
      params.push(query.agentId);
    }
    if (query.model !== undefined) {
      where.push("(model = ? OR model_group = ?)");
      params.push(query.model, query.model);
    }
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    if (query.cursor) {
      where.push("(time_ms < ? OR (time_ms = ? AND id < ?))");
      params.push(query.cursor.timeMs, query.cursor.timeMs, query.cursor.id);
    }
    const limit = query.limit;
    const rows = this.#db
      .prepare<Array<string | number>, { recordJson: string }>(
        `SELECT record_json AS recordJson FROM request_log WHERE ${where.join(" AND ")}
         ORDER BY time_ms DESC, id DESC LIMIT ?`,
      )
      .all(...params, limit + 1);
    const records = rows.slice(0, limit).map((row) => JSON.parse(row.recordJson) as RequestRecord);
    const last = records.at(-1);
    return rows.length > limit && last
      ? { records, nextCursor: { timeMs: last.timeMs, id: last.id } }
      : { records };
  }

  async get(id: string, nowMs: number): Promise<RequestRecord | undefined> {
    const row = this.#selectOne.get(id, nowMs - this.#retentionMs);
    return row ? (JSON.parse(row.recordJson) as RequestRecord) : undefined;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
