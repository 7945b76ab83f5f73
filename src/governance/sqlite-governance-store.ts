import { join } from "node:path";
import type Database from "better-sqlite3";
import { openSqliteFile } from "../usage/open-sqlite-file.js";
import type {
  GovernanceSettingsStore,
  GovernanceSnapshot,
  ManagedKey,
  StoredLimits,
} from "./governance-settings.js";

export interface SqliteGovernanceStoreOptions {
  /** `governance.sqlite` is created in it, beside the usage store's file. */
  dataDir: string;
}

const schema = `
CREATE TABLE IF NOT EXISTS managed_keys (id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stored_limits (
  project_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (project_id, agent_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT OR IGNORE INTO settings_version VALUES (1, 0);
`;

/**
 * Keys and limits in one SQLite file of the data dir. Several processes may
 * share the file (WAL, busy timeout): each write bumps the version row in its
 * own transaction, and each process polls that row to see the others' writes.
 * Records are JSON: the live view reads them all at once, never by column.
 */
export class SqliteGovernanceStore implements GovernanceSettingsStore {
  readonly #db: Database.Database;
  readonly #selectVersion: Database.Statement<[], { version: number }>;
  readonly #snapshot: () => GovernanceSnapshot;
  readonly #putKey: (key: ManagedKey) => void;
  readonly #putLimits: (limits: StoredLimits) => void;
  readonly #deleteLimits: (projectId: string, agentId: string) => boolean;

  constructor(options: SqliteGovernanceStoreOptions) {
    this.#db = openSqliteFile(join(options.dataDir, "governance.sqlite"), {
      synchronous: "FULL",
      busyTimeoutMs: 5000,
      schema,
    });
    this.#selectVersion = this.#db.prepare("SELECT version FROM settings_version WHERE id = 1");
    const bump = this.#db.prepare("UPDATE settings_version SET version = version + 1 WHERE id = 1");
    const selectKeys = this.#db.prepare<[], { record: string }>(
      "SELECT record FROM managed_keys ORDER BY id",
    );
    const selectLimits = this.#db.prepare<[], { record: string }>(
      "SELECT record FROM stored_limits ORDER BY project_id, agent_id",
    );
    const upsertKey = this.#db.prepare(
      "INSERT INTO managed_keys VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record",
    );
    const upsertLimits = this.#db.prepare(
      `INSERT INTO stored_limits VALUES (?, ?, ?)
       ON CONFLICT (project_id, agent_id) DO UPDATE SET record = excluded.record`,
    );
    const deleteLimits = this.#db.prepare("DELETE FROM stored_limits WHERE project_id = ? AND agent_id = ?");
    // One read transaction: the version and the rows it counts.
    this.#snapshot = this.#db.transaction(() => ({
      version: (this.#selectVersion.get() as { version: number }).version,
      keys: selectKeys.all().map((row) => JSON.parse(row.record) as ManagedKey),
      limits: selectLimits.all().map((row) => JSON.parse(row.record) as StoredLimits),
    }));
    this.#putKey = this.#db.transaction((key: ManagedKey) => {
      upsertKey.run(key.id, JSON.stringify(key));
      bump.run();
    });
    this.#putLimits = this.#db.transaction((limits: StoredLimits) => {
      upsertLimits.run(limits.projectId, limits.agentId ?? "", JSON.stringify(limits));
      bump.run();
    });
    this.#deleteLimits = this.#db.transaction((projectId: string, agentId: string) => {
      const deleted = deleteLimits.run(projectId, agentId).changes > 0;
      if (deleted) bump.run();
      return deleted;
    });
  }

  async version(): Promise<number> {
    return (this.#selectVersion.get() as { version: number }).version;
  }

  async snapshot(): Promise<GovernanceSnapshot> {
    return this.#snapshot();
  }

  async putKey(key: ManagedKey): Promise<void> {
    this.#putKey(key);
  }

  async putLimits(limits: StoredLimits): Promise<void> {
    this.#putLimits(limits);
  }

  async deleteLimits(projectId: string, agentId: string | undefined): Promise<boolean> {
    return this.#deleteLimits(projectId, agentId ?? "");
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
