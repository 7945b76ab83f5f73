import { join } from "node:path";
import type Database from "better-sqlite3";
import type { JobOutcome, JobRecord, JobStatus, JobStore } from "../core/background-job.js";
import { openSqliteFile } from "../usage/open-sqlite-file.js";

export interface SqliteJobStoreOptions {
  /** `jobs.sqlite` is created in it, beside the usage store's file. */
  dataDir: string;
  /** How long a job is kept after its latest write. */
  ttlMs: number;
}

const schema = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  status TEXT NOT NULL,
  partial_text TEXT NOT NULL,
  result_json TEXT,
  error_code TEXT,
  error_message TEXT,
  cancel_requested INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS jobs_by_update ON jobs (updated_at_ms);
`;

interface JobRow {
  id: string;
  projectId: string;
  status: JobStatus;
  partialText: string;
  resultJson: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  cancelRequested: number;
  createdAtMs: number;
  updatedAtMs: number;
}

/**
 * Jobs in one SQLite file of the data dir, for the single-process gateway.
 * Each write is its own statement (fails closed); expired jobs are deleted
 * when the next one is created, and never read before that.
 */
export class SqliteJobStore implements JobStore {
  readonly #db: Database.Database;
  readonly #ttlMs: number;
  readonly #create: (job: { id: string; projectId: string; atMs: number }) => void;
  readonly #touch: Database.Statement<[number, string, string]>;
  readonly #selectCancel: Database.Statement<[string], { cancelRequested: number }>;
  readonly #finish: Database.Statement<
    [string, string, string | null, string | null, string | null, number, string]
  >;
  readonly #requestCancel: Database.Statement<[string]>;
  readonly #selectOne: Database.Statement<[string, number], JobRow>;

  constructor(options: SqliteJobStoreOptions) {
    this.#ttlMs = options.ttlMs;
    // A heartbeat a few seconds apart per running job: NORMAL skips the fsync of each (WAL survives a
    // process crash, which is what a job's state must outlive).
    this.#db = openSqliteFile(join(options.dataDir, "jobs.sqlite"), {
      synchronous: "NORMAL",
      busyTimeoutMs: 5000,
      schema,
    });
    const deleteExpired = this.#db.prepare("DELETE FROM jobs WHERE updated_at_ms <= ?");
    const insert = this.#db.prepare(
      "INSERT INTO jobs VALUES (?, ?, 'running', '', NULL, NULL, NULL, 0, ?, ?)",
    );
    this.#create = this.#db.transaction((job: { id: string; projectId: string; atMs: number }) => {
      deleteExpired.run(job.atMs - this.#ttlMs);
      insert.run(job.id, job.projectId, job.atMs, job.atMs);
    });
    // Only a running job: a late heartbeat must not bring a finished one back.
    this.#touch = this.#db.prepare(
      "UPDATE jobs SET updated_at_ms = ?, partial_text = ? WHERE id = ? AND status = 'running'",
    );
    this.#selectCancel = this.#db.prepare(
      "SELECT cancel_requested AS cancelRequested FROM jobs WHERE id = ?",
    );
    this.#finish = this.#db.prepare(
      `UPDATE jobs SET status = ?, partial_text = ?, result_json = ?, error_code = ?, error_message = ?,
         updated_at_ms = ? WHERE id = ?`,
    );
    this.#requestCancel = this.#db.prepare("UPDATE jobs SET cancel_requested = 1 WHERE id = ?");
    this.#selectOne = this.#db.prepare(
      `SELECT id, project_id AS projectId, status, partial_text AS partialText, result_json AS resultJson,
         error_code AS errorCode, error_message AS errorMessage, cancel_requested AS cancelRequested,
         created_at_ms AS createdAtMs, updated_at_ms AS updatedAtMs
       FROM jobs WHERE id = ? AND updated_at_ms > ?`,
    );
  }

  async create(job: { id: string; projectId: string; atMs: number }): Promise<void> {
    this.#create(job);
  }

  async touch(id: string, atMs: number, partialText: string): Promise<{ cancelRequested: boolean }> {
    this.#touch.run(atMs, partialText, id);
    return { cancelRequested: this.#selectCancel.get(id)?.cancelRequested === 1 };
  }

  async finish(id: string, outcome: JobOutcome, atMs: number): Promise<void> {
    this.#finish.run(
      outcome.status,
      outcome.partialText,
      outcome.resultJson ?? null,
      outcome.error?.code ?? null,
      outcome.error?.message ?? null,
      atMs,
      id,
    );
  }

  async requestCancel(id: string): Promise<void> {
    this.#requestCancel.run(id);
  }

  async get(id: string, nowMs: number): Promise<JobRecord | undefined> {
    const row = this.#selectOne.get(id, nowMs - this.#ttlMs);
    if (!row) return undefined;
    return {
      id: row.id,
      projectId: row.projectId,
      status: row.status,
      partialText: row.partialText,
      ...(row.resultJson !== null ? { resultJson: row.resultJson } : {}),
      ...(row.errorCode !== null ? { error: { code: row.errorCode, message: row.errorMessage ?? "" } } : {}),
      cancelRequested: row.cancelRequested === 1,
      createdAtMs: row.createdAtMs,
      updatedAtMs: row.updatedAtMs,
    };
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
