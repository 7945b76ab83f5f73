import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export interface SqliteFileOptions {
  /** The file's durability: FULL fsyncs every commit, NORMAL only checkpoints, OFF never. */
  synchronous: "OFF" | "NORMAL" | "FULL";
  busyTimeoutMs: number;
  /** Statements that make the tables when missing (`CREATE TABLE IF NOT EXISTS ...`). */
  schema: string;
}

/**
 * A SQLite file of the data dir in WAL mode, made (with its directory) when missing, its schema run.
 *
 * A new file is made unsynced, then synced once: switching it to WAL and committing its schema took
 * six fsyncs one after another, 20 ms and more on a busy disk, for each of the seven files of a first
 * start (issue 21). One checkpoint at the file's own level then syncs the WAL and the file, so the new
 * file is as durable from there on as if every step had been synced (a file whose first page never
 * reached the disk would lose its WAL, bookings and all, at the next open).
 */
export function openSqliteFile(path: string, options: SqliteFileOptions): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  const isNew = db.pragma("page_count", { simple: true }) === 0;
  if (isNew) db.pragma("synchronous = OFF");
  db.pragma("journal_mode = WAL");
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
  keepSmallPageCache(db);
  db.exec(options.schema);
  db.pragma(`synchronous = ${options.synchronous}`);
  if (isNew && options.synchronous !== "OFF") db.pragma("wal_checkpoint(PASSIVE)");
  return db;
}

/**
 * Each connection's page cache, in KiB: SQLite's pages stay in the OS's file cache anyway, and
 * better-sqlite3's default of 16 MB a connection filled as the request and usage files grew, adding
 * ~30 MB of RSS over 100,000 requests with no CPU saved (issue 21, measured at 32 connections).
 */
const pageCacheKib = 1024;

export function keepSmallPageCache(db: Database.Database): void {
  db.pragma(`cache_size = -${pageCacheKib}`);
}
