import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { StoreHealth, UsageQuery, UsageRecord, UsageStore, UsageSummary } from "../core/usage-record.js";
import { refuseBooking } from "./assert-valid-usage-record.js";
import {
  assertHourAlignedQuery,
  recordTotals,
  summarizeUsageBuckets,
  totalsFields,
  type UsageBucket,
} from "./summarize-usage-buckets.js";
import { errorMessage, silentUsageLogger, type UsageLogger } from "./usage-logger.js";
import { floorToHour } from "./usage-period.js";

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
 * of the machine). The fsync of a commit blocks the event loop, so sharing it
 * is what keeps booking off the request path; `close` commits what waits.
 * It fails CLOSED: a record that could not be committed rejects its `book`;
 * there is nothing else to fall back to.
 */
export class SqliteUsageStore implements UsageStore {
  readonly #db: Database.Database;
  readonly #insertRecord: Database.Statement;
  readonly #addToHour: Database.Statement;
  readonly #selectBuckets: Database.Statement<[string, number, number], UsageBucket>;
  readonly #selectAgentBuckets: Database.Statement<[string, number, number, string], UsageBucket>;
  readonly #selectOne: Database.Statement;
  readonly #selectProjects: Database.Statement<[], { projectId: string }>;
  readonly #commitBatch: (records: UsageRecord[]) => void;
  readonly #maxBatchSize: number;
  readonly #commitWindowMs: number;
  readonly #logger: UsageLogger;
  #pending: PendingBooking[] = [];
  #flushScheduled: NodeJS.Timeout | undefined;
  #lastWriteError: unknown;
  #closed = false;

  constructor(options: SqliteUsageStoreOptions) {
    this.#maxBatchSize = options.maxBatchSize ?? 1_000;
    this.#commitWindowMs = options.commitWindowMs ?? 5;
    this.#logger = options.logger ?? silentUsageLogger;
    mkdirSync(options.dataDir, { recursive: true });
    this.#db = new Database(join(options.dataDir, "usage.sqlite"));
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    // Several processes may share the file (a CLI next to the server); wait for their locks.
    this.#db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
    this.#db.exec(schema);
    migrateUsageSchema(this.#db);
    this.#insertRecord = this.#db.prepare(
      `INSERT OR IGNORE INTO usage_records (request_id, project_id, agent_id, model_group, provider, model,
         kind, door, input_tokens, output_tokens, cached_input_tokens, cache_write_input_tokens,
         cost_nano_usd, latency_ms, outcome, estimated, timestamp_ms, cache_hit, saved_nano_usd)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#addToHour = this.#db.prepare(
      `INSERT INTO usage_hourly (project_id, hour_start_ms, agent_id, model, requests, input_tokens,
         output_tokens, cached_input_tokens, cache_write_input_tokens, cost_nano_usd, cache_hits, saved_nano_usd)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, hour_start_ms, agent_id, model) DO UPDATE SET
         requests = requests + excluded.requests,
         input_tokens = input_tokens + excluded.input_tokens,
         output_tokens = output_tokens + excluded.output_tokens,
         cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
         cache_write_input_tokens = cache_write_input_tokens + excluded.cache_write_input_tokens,
         cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd,
         cache_hits = cache_hits + excluded.cache_hits,
         saved_nano_usd = saved_nano_usd + excluded.saved_nano_usd`,
    );
    const selectBuckets = `SELECT ${bucketColumns} FROM usage_hourly
      WHERE project_id = ? AND hour_start_ms >= ? AND hour_start_ms < ?`;
    this.#selectBuckets = this.#db.prepare(selectBuckets);
    this.#selectAgentBuckets = this.#db.prepare(`${selectBuckets} AND agent_id = ?`);
    this.#selectOne = this.#db.prepare("SELECT 1");
    // Reads the hourly aggregate in its primary key order (project_id first), never the per-request rows.
    this.#selectProjects = this.#db.prepare(
      "SELECT DISTINCT project_id AS projectId FROM usage_hourly ORDER BY project_id",
    );
    this.#commitBatch = this.#db.transaction((records: UsageRecord[]) => this.#writeBatch(records));
  }

  book(record: UsageRecord): Promise<void> {
    const refused = refuseBooking(record, this.#closed);
    if (refused) return refused;
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
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
    while (this.#pending.length > 0) this.#commitNextBatch();
    this.#db.close();
  }

  #flushOneBatch(): void {
    this.#flushScheduled = undefined;
    this.#commitNextBatch();
    // Yield between batches so a burst never holds the event loop for long; the rest has waited already.
    if (this.#pending.length > 0) this.#scheduleFlush(0);
  }

  #scheduleFlush(delayMs: number): void {
    clearTimeout(this.#flushScheduled);
    this.#flushScheduled = setTimeout(() => this.#flushOneBatch(), delayMs);
  }

  #commitNextBatch(): void {
    const batch = this.#pending.splice(0, this.#maxBatchSize);
    try {
      this.#commitBatch(batch.map((pending) => pending.record));
      this.#lastWriteError = undefined;
    } catch (error) {
      this.#lastWriteError = error;
      this.#logger.error({ error: errorMessage(error), records: batch.length }, "usage booking failed");
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const pending of batch) pending.resolve();
  }

  /** Runs inside one transaction: rows first, then only the new rows' totals into their hours. */
  #writeBatch(records: UsageRecord[]): void {
    const hours = new Map<string, UsageBucket & { projectId: string }>();
    for (const record of records) {
      const inserted = this.#insertRecord.run(
        record.requestId,
        record.projectId,
        record.agentId,
        record.modelGroup,
        record.provider,
        record.model,
        record.kind,
        record.door,
        record.inputTokens,
        record.outputTokens,
        record.cachedInputTokens,
        record.cacheWriteInputTokens,
        record.costNanoUsd,
        record.latencyMs,
        record.outcome,
        record.estimated ? 1 : 0,
        record.timestamp,
        record.cacheHit ? 1 : 0,
        record.savedNanoUsd ?? 0,
      );
      if (inserted.changes === 0) continue;
      const hourStartMs = floorToHour(record.timestamp);
      const key = JSON.stringify([record.projectId, hourStartMs, record.agentId, record.model]);
      const hour = hours.get(key);
      const totals = recordTotals(record);
      if (hour === undefined) {
        hours.set(key, {
          projectId: record.projectId,
          agentId: record.agentId,
          model: record.model,
          hourStartMs,
          ...totals,
        });
      } else {
        for (const field of totalsFields) hour[field] += totals[field];
      }
    }
    for (const hour of hours.values()) {
      this.#addToHour.run(
        hour.projectId,
        hour.hourStartMs,
        hour.agentId,
        hour.model,
        ...totalsFields.map((field) => hour[field]),
      );
    }
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
