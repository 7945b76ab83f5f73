import { join } from "node:path";
import type Database from "better-sqlite3";
import type { StoreHealth, UsageQuery, UsageRecord, UsageStore, UsageSummary } from "../core/usage-record.js";
import { refuseBooking } from "./assert-valid-usage-record.js";
import { openSqliteFile } from "./open-sqlite-file.js";
import {
  assertHourAlignedQuery,
  summarizeUsageBuckets,
  type UsageBucket,
} from "./summarize-usage-buckets.js";
import { UsageCommitThread } from "./usage-commit-thread.js";
import { errorMessage, silentUsageLogger, type UsageLogger } from "./usage-logger.js";

export interface SqliteUsageStoreOptions {
  /** `usage.sqlite` is created in it (with its WAL files). */
  dataDir: string;
  /** Most records committed by one transaction; a bigger burst takes one more tick per batch. */
  maxBatchSize?: number;
  /**
   * How long the first booking of a batch waits for others to share its
   * commit (default 5 ms): one fsync per window instead of one per request.
   */
  commitWindowMs?: number;
  /** How long a write waits for another connection's lock before the booking fails. */
  busyTimeoutMs?: number;
  logger?: UsageLogger;
}

interface PendingBooking {
  record: UsageRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const schema = `
CREATE TABLE IF NOT EXISTS usage_records (
  request_id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  model_group TEXT,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  door TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL,
  cache_write_input_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  estimated INTEGER NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  cache_hit INTEGER NOT NULL DEFAULT 0,
  saved_nano_usd INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_hourly (
  project_id TEXT NOT NULL,
  hour_start_ms INTEGER NOT NULL,
  agent_id TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL,
  cache_write_input_tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  cache_hits INTEGER NOT NULL DEFAULT 0,
  saved_nano_usd INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, hour_start_ms, agent_id, model)
) WITHOUT ROWID;
`;

const bucketColumns = `agent_id AS agentId, model, hour_start_ms AS hourStartMs, requests,
  input_tokens AS inputTokens, output_tokens AS outputTokens, cached_input_tokens AS cachedInputTokens,
  cache_write_input_tokens AS cacheWriteInputTokens, cost_nano_usd AS costNanoUsd,
  cache_hits AS cacheHits, saved_nano_usd AS savedNanoUsd`;

/**
 * Columns added after the first release, with their definitions: a file made
 * before them gets them on open (ALTER TABLE ... ADD COLUMN keeps its rows,
 * which read as no cache hit and nothing saved).
 */
const addedColumns: Record<string, Array<[string, string]>> = {
  usage_records: [
    ["cache_hit", "INTEGER NOT NULL DEFAULT 0"],
    ["saved_nano_usd", "INTEGER NOT NULL DEFAULT 0"],
  ],
  usage_hourly: [
    ["cache_hits", "INTEGER NOT NULL DEFAULT 0"],
    ["saved_nano_usd", "INTEGER NOT NULL DEFAULT 0"],
  ],
};

/**
 * The default usage store: one SQLite file, one row per request id plus an
 * hourly aggregate per project x agent x model, so `summarize` reads
 * buckets, never requests.
 *
 * Bookings of one commit window (5 ms) are committed by one transaction (WAL,
 * `synchronous = FULL`: a resolved `book` survives a crash of the process and
 * of the machine). Commits run on a thread of their own (`UsageCommitThread`),
 * one at a time: the fsync never stalls the event loop, and bookings that
 * arrive during a commit share the next one. `close` commits what waits.
 * It fails CLOSED: a record that could not be committed rejects its `book`;
 * there is nothing else to fall back to.
 */
export class SqliteUsageStore implements UsageStore {
  readonly #db: Database.Database;
  readonly #selectBuckets: Database.Statement<[string, number, number], UsageBucket>;
  readonly #selectAgentBuckets: Database.Statement<[string, number, number, string], UsageBucket>;
  readonly #selectOne: Database.Statement;
  readonly #selectProjects: Database.Statement<[], { projectId: string }>;
  readonly #committer: UsageCommitThread;
  readonly #maxBatchSize: number;
  readonly #commitWindowMs: number;
  readonly #logger: UsageLogger;
  #pending: PendingBooking[] = [];
  #flushScheduled: NodeJS.Timeout | undefined;
  /** The batch being committed: one at a time, so bookings land in order. */
  #committing: Promise<void> | undefined;
  #lastWriteError: unknown;
  #closed = false;

  constructor(options: SqliteUsageStoreOptions) {
    this.#maxBatchSize = options.maxBatchSize ?? 1_000;
    this.#commitWindowMs = options.commitWindowMs ?? 5;
    this.#logger = options.logger ?? silentUsageLogger;
    const path = join(options.dataDir, "usage.sqlite");
    // Several processes may share the file (a CLI next to the server); wait for their locks.
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    // As the commit thread's connection (openUsageWriteConnection): every commit fsync'd.
    this.#db = openSqliteFile(path, { synchronous: "FULL", busyTimeoutMs, schema });
    migrateUsageSchema(this.#db);
    const selectBuckets = `SELECT ${bucketColumns} FROM usage_hourly
      WHERE project_id = ? AND hour_start_ms >= ? AND hour_start_ms < ?`;
    this.#selectBuckets = this.#db.prepare(selectBuckets);
    this.#selectAgentBuckets = this.#db.prepare(`${selectBuckets} AND agent_id = ?`);
    this.#selectOne = this.#db.prepare("SELECT 1");
    // Reads the hourly aggregate in its primary key order (project_id first), never the per-request rows.
    this.#selectProjects = this.#db.prepare(
      "SELECT DISTINCT project_id AS projectId FROM usage_hourly ORDER BY project_id",
    );
    this.#committer = new UsageCommitThread({ path, busyTimeoutMs });
  }

  book(record: UsageRecord): Promise<void> {
    const refused = refuseBooking(record, this.#closed);
    if (refused) return refused;
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      // A commit under way takes the next batch when it lands.
      if (this.#committing) return;
      // A full batch goes at once (once: later bookings of the burst find that flush already due).
      if (this.#pending.length === this.#maxBatchSize) this.#scheduleFlush(0);
      else this.#flushScheduled ??= setTimeout(() => this.#flushOneBatch(), this.#commitWindowMs);
    });
  }

  async summarize(query: UsageQuery): Promise<UsageSummary> {
    assertHourAlignedQuery(query);
    const buckets =
      query.agentId === undefined
        ? this.#selectBuckets.all(query.projectId, query.fromMs, query.toMs)
        : this.#selectAgentBuckets.all(query.projectId, query.fromMs, query.toMs, query.agentId);
    return summarizeUsageBuckets(buckets);
  }

  async listProjects(): Promise<string[]> {
    return this.#selectProjects.all().map((row) => row.projectId);
  }

  async health(): Promise<StoreHealth> {
    const base = { backend: "sqlite" as const, journalBacklog: 0, journalWritable: false };
    if (this.#closed) return { ...base, ok: false, detail: "closed" };
    try {
      this.#selectOne.get();
    } catch (error) {
      return { ...base, ok: false, detail: errorMessage(error) };
    }
    if (this.#lastWriteError !== undefined) {
      return { ...base, ok: false, detail: `last booking failed: ${errorMessage(this.#lastWriteError)}` };
    }
    return { ...base, ok: true };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#flushScheduled);
    this.#flushScheduled = undefined;
    await this.#committing;
    while (this.#pending.length > 0) await this.#commitNextBatch();
    await this.#committer.close();
    this.#db.close();
  }

  #flushOneBatch(): void {
    this.#flushScheduled = undefined;
    if (this.#committing || this.#pending.length === 0) return;
    this.#committing = this.#commitNextBatch().finally(() => {
      this.#committing = undefined;
      // What arrived during the commit has waited already: the next commit goes at once.
      if (this.#pending.length > 0 && !this.#closed) this.#scheduleFlush(0);
    });
  }

  #scheduleFlush(delayMs: number): void {
    clearTimeout(this.#flushScheduled);
    this.#flushScheduled = setTimeout(() => this.#flushOneBatch(), delayMs);
  }

  async #commitNextBatch(): Promise<void> {
    const batch = this.#pending.splice(0, this.#maxBatchSize);
    try {
      await this.#committer.commit(batch.map((pending) => pending.record));
      this.#lastWriteError = undefined;
    } catch (error) {
      this.#lastWriteError = error;
      this.#logger.error({ error: errorMessage(error), records: batch.length }, "usage booking failed");
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const pending of batch) pending.resolve();
  }
}

/** Adds the columns `addedColumns` lists to a file made before them; a no-op on a current file. */
function migrateUsageSchema(db: Database.Database): void {
  for (const [table, columns] of Object.entries(addedColumns)) {
    const present = new Set(
      (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map(
        (column) => column.name,
      ),
    );
    for (const [name, definition] of columns) {
      if (!present.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
    }
  }
}
