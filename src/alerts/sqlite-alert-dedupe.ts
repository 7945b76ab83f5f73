import { join } from "node:path";
import type Database from "better-sqlite3";
import { openSqliteFile } from "../usage/open-sqlite-file.js";
import type { AlertDedupe } from "./alert-dedupe.js";

const schema = `
CREATE TABLE IF NOT EXISTS alert_claims (
  key TEXT PRIMARY KEY,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_claims_by_expiry ON alert_claims (expires_at_ms);
`;

/**
 * Claims in `alerts.sqlite` of the data dir, without Redis: several processes sharing the data dir
 * send an alert once, and a restart does not repeat a budget alert already sent this period.
 * A claim is one short write transaction (busy waits up to 1 s for another process's).
 */
export class SqliteAlertDedupe implements AlertDedupe {
  readonly #db: Database.Database;
  readonly #claimNow: Database.Transaction<(key: string, ttlMs: number) => boolean>;

  constructor(options: { dataDir: string; now?: () => number }) {
    const now = options.now ?? (() => Date.now());
    this.#db = openSqliteFile(join(options.dataDir, "alerts.sqlite"), {
      synchronous: "FULL",
      busyTimeoutMs: 1000,
      schema,
    });
    const expire = this.#db.prepare<[number]>("DELETE FROM alert_claims WHERE expires_at_ms <= ?");
    const insert = this.#db.prepare<[string, number]>(
      "INSERT INTO alert_claims (key, expires_at_ms) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
    );
    this.#claimNow = this.#db.transaction((key: string, ttlMs: number) => {
      const at = now();
      expire.run(at);
      return insert.run(key, at + ttlMs).changes === 1;
    });
  }

  claim(key: string, ttlMs: number): Promise<boolean> {
    try {
      // IMMEDIATE: the write lock is taken before the read, so two processes cannot both insert.
      return Promise.resolve(this.#claimNow.immediate(key, ttlMs));
    } catch {
      // Fails open: a locked or broken file must not silence an alert (a duplicate is the lesser harm).
      return Promise.resolve(true);
    }
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
