import { join } from "node:path";
import type Database from "better-sqlite3";
import { openSqliteFile } from "../usage/open-sqlite-file.js";
import { assertNanoUsd, budgetWindow } from "./budget-limits.js";
import { assertKeyId, type KeySpend, type KeySpendBooking, type KeySpendLedger } from "./key-spend-ledger.js";

export interface SqliteKeySpendLedgerOptions {
  /** `key-spend.sqlite` is created in it, beside the usage store's file. */
  dataDir: string;
  /** How long a booked request id is remembered, so booking it again counts nothing. Default 24 h. */
  bookedIdTtlMs?: number;
}

const dayMs = 86_400_000;

const schema = `
CREATE TABLE IF NOT EXISTS key_spend (
  key_id TEXT NOT NULL,
  period TEXT NOT NULL,
  window TEXT NOT NULL,
  nano_usd INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  PRIMARY KEY (key_id, period, window)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_spend_requests (
  request_id TEXT PRIMARY KEY,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS key_spend_requests_by_expiry ON key_spend_requests (expires_at_ms);
`;

/**
 * Key spend in one SQLite file of the data dir. A booking is one transaction
 * (the request id first, so a repeat changes nothing); several processes may
 * share the file, as SQLite serialises writers. Windows are kept a day past
 * their end, then deleted by a later booking.
 */
export class SqliteKeySpendLedger implements KeySpendLedger {
  readonly #db: Database.Database;
  readonly #bookedIdTtlMs: number;
  readonly #book: (booking: KeySpendBooking) => boolean;
  readonly #select: Database.Statement<[string, string, string], { nanoUsd: number }>;
  #pruneAt = 0;

  constructor(options: SqliteKeySpendLedgerOptions) {
    this.#bookedIdTtlMs = options.bookedIdTtlMs ?? dayMs;
    this.#db = openSqliteFile(join(options.dataDir, "key-spend.sqlite"), {
      synchronous: "FULL",
      busyTimeoutMs: 5000,
      schema,
    });
    const insertRequest = this.#db.prepare(
      "INSERT INTO key_spend_requests VALUES (?, ?) ON CONFLICT (request_id) DO NOTHING",
    );
    const add = this.#db.prepare(
      `INSERT INTO key_spend VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key_id, period, window) DO UPDATE SET nano_usd = nano_usd + excluded.nano_usd`,
    );
    const pruneRequests = this.#db.prepare("DELETE FROM key_spend_requests WHERE expires_at_ms <= ?");
    const pruneWindows = this.#db.prepare("DELETE FROM key_spend WHERE expires_at_ms <= ?");
    this.#select = this.#db.prepare(
      "SELECT nano_usd AS nanoUsd FROM key_spend WHERE key_id = ? AND period = ? AND window = ?",
    );
    this.#book = this.#db.transaction((booking: KeySpendBooking) => {
      if (booking.atMs >= this.#pruneAt) {
        pruneRequests.run(booking.atMs);
        pruneWindows.run(booking.atMs);
        this.#pruneAt = booking.atMs + 3_600_000;
      }
      if (insertRequest.run(booking.requestId, booking.atMs + this.#bookedIdTtlMs).changes === 0)
        return false;
      for (const period of ["day", "month"] as const) {
        const window = budgetWindow(period, booking.atMs);
        add.run(booking.keyId, period, window.label, booking.costNanoUsd, window.toMs + dayMs);
      }
      return true;
    });
  }

  async book(booking: KeySpendBooking): Promise<boolean> {
    assertKeyId(booking.keyId);
    assertNanoUsd(booking.costNanoUsd, "costNanoUsd");
    return this.#book(booking);
  }

  async spent(keyId: string, nowMs: number): Promise<KeySpend> {
    const read = (period: "day" | "month") =>
      this.#select.get(keyId, period, budgetWindow(period, nowMs).label)?.nanoUsd ?? 0;
    return { dayNanoUsd: read("day"), monthNanoUsd: read("month") };
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
