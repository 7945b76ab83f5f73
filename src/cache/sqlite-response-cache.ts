import { join } from "node:path";
import type Database from "better-sqlite3";
import type { CachedAnswer, CacheVector, ResponseCacheStore } from "../core/response-cache.js";
import { openSqliteFile } from "../usage/open-sqlite-file.js";
import { cosineSimilarity, embeddingFromBuffer, embeddingToBuffer } from "./cosine-similarity.js";
import { RecentAnswers } from "./recent-answers.js";

export interface SqliteResponseCacheOptions {
  /** `response-cache.sqlite` is created in it. */
  dataDir: string;
  /** Most bytes of answers (and embeddings) kept; past it the least recently used go first. */
  maxBytes: number;
  now?: () => number;
}

const schema = `
CREATE TABLE IF NOT EXISTS cache_entries (
  key TEXT PRIMARY KEY,
  prefix_hash TEXT,
  answer TEXT NOT NULL,
  embedding BLOB,
  bytes INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  used_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_entries_used ON cache_entries (used_ms);
CREATE INDEX IF NOT EXISTS cache_entries_prefix ON cache_entries (prefix_hash) WHERE prefix_hash IS NOT NULL;
`;

interface EntryRow {
  answer: string;
  expiresMs: number;
}

interface VectorRow {
  key: string;
  answer: string;
  embedding: Buffer;
  createdMs: number;
  expiresMs: number;
}

/**
 * How long a hit's use waits in memory before it is written: the uses of that time go in one
 * transaction. A write per hit cost more than the hit's lookup (issue 21: ~18 us against ~7 for
 * the select, more under load), and eviction writes what waits before it picks the oldest.
 */
const usesWriteDelayMs = 1_000;

/** Room for the answers read or written last, answered from memory (at most the cache's own bound). */
const recentAnswersMaxBytes = 4 * 1024 * 1024;

/**
 * The embedded response cache: one SQLite file in the data dir, bounded by
 * `maxBytes` with least-recently-used eviction (a read marks its entry used;
 * another process sharing the file sees the mark within `usesWriteDelayMs`).
 * A cache holds nothing that cannot be asked again, so it writes without
 * fsync (`synchronous = OFF`): a crash may lose recent entries, never a
 * booking. Semantic lookups compare every embedding of one prefix hash
 * (brute force: a prefix holds the paraphrases of one conversation, few).
 * The answers this process read or wrote last are also kept in memory
 * (`RecentAnswers`): an entry another process evicted may still be answered
 * here until its TTL ends, as the answer it was.
 */
export class SqliteResponseCache implements ResponseCacheStore {
  readonly backend = "sqlite" as const;
  readonly #db: Database.Database;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #select: Database.Statement<[string], EntryRow>;
  readonly #touch: Database.Statement<[number, string]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #upsert: Database.Statement;
  readonly #selectPrefix: Database.Statement<[string], VectorRow>;
  readonly #totalBytes: Database.Statement<[], { total: number | null; count: number }>;
  readonly #deleteExpired: Database.Statement<[number]>;
  readonly #evictOldest: Database.Statement<[number], { key: string }>;
  /** Bytes stored, as this process last counted them plus what it wrote since; recounted before evicting. */
  #estimatedBytes: number;
  /** Entries read since the uses were last written, with when. */
  readonly #unwrittenUses = new Map<string, number>();
  #usesWrite: NodeJS.Timeout | undefined;
  readonly #writeUses: (uses: Array<[string, number]>) => void;
  readonly #recent: RecentAnswers;

  constructor(options: SqliteResponseCacheOptions) {
    this.#maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
    this.#recent = new RecentAnswers(Math.min(options.maxBytes, recentAnswersMaxBytes));
    this.#db = openSqliteFile(join(options.dataDir, "response-cache.sqlite"), {
      synchronous: "OFF",
      busyTimeoutMs: 1000,
      schema,
    });
    this.#select = this.#db.prepare(
      "SELECT answer, expires_ms AS expiresMs FROM cache_entries WHERE key = ?",
    );
    this.#touch = this.#db.prepare("UPDATE cache_entries SET used_ms = ? WHERE key = ?");
    this.#delete = this.#db.prepare("DELETE FROM cache_entries WHERE key = ?");
    this.#upsert = this.#db.prepare(
      `INSERT OR REPLACE INTO cache_entries (key, prefix_hash, answer, embedding, bytes, created_ms, expires_ms, used_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#selectPrefix = this.#db.prepare(
      `SELECT key, answer, embedding, created_ms AS createdMs, expires_ms AS expiresMs
       FROM cache_entries WHERE prefix_hash = ?`,
    );
    this.#totalBytes = this.#db.prepare("SELECT SUM(bytes) AS total, COUNT(*) AS count FROM cache_entries");
    this.#deleteExpired = this.#db.prepare("DELETE FROM cache_entries WHERE expires_ms <= ?");
    this.#evictOldest = this.#db.prepare(
      "DELETE FROM cache_entries WHERE key IN (SELECT key FROM cache_entries ORDER BY used_ms LIMIT ?) RETURNING key",
    );
    this.#estimatedBytes = this.#totalBytes.get()?.total ?? 0;
    this.#writeUses = this.#db.transaction((uses: Array<[string, number]>) => {
      for (const [key, usedMs] of uses) this.#touch.run(usedMs, key);
    });
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const now = this.#now();
    let text = this.#recent.get(key, now);
    if (text === undefined) {
      const row = this.#select.get(key);
      if (!row) return undefined;
      if (row.expiresMs <= now) {
        this.#delete.run(key);
        return undefined;
      }
      text = row.answer;
      this.#recent.remember(key, text, row.expiresMs);
    }
    this.#markUsed(key, now);
    return JSON.parse(text) as CachedAnswer;
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number, vector?: CacheVector): Promise<void> {
    const text = JSON.stringify(answer);
    const embedding = vector ? embeddingToBuffer(vector.embedding) : null;
    const bytes = Buffer.byteLength(text) + key.length + (embedding?.byteLength ?? 0);
    // An answer bigger than the whole cache would only evict everything else, then itself.
    if (bytes > this.#maxBytes) return;
    const now = this.#now();
    // Written as used now: an older read of the entry it replaces must not age it.
    this.#unwrittenUses.delete(key);
    this.#upsert.run(
      key,
      vector?.prefixHash ?? null,
      text,
      embedding,
      bytes,
      answer.createdAtMs,
      now + ttlMs,
      now,
    );
    this.#recent.remember(key, text, now + ttlMs);
    this.#estimatedBytes += bytes;
    if (this.#estimatedBytes > this.#maxBytes) this.#evict(now);
  }

  async nearest(
    prefixHash: string,
    embedding: number[],
    minSimilarity: number,
    notBeforeMs: number,
  ): Promise<{ answer: CachedAnswer; similarity: number } | undefined> {
    const now = this.#now();
    let best: { row: VectorRow; similarity: number } | undefined;
    for (const row of this.#selectPrefix.all(prefixHash)) {
      if (row.expiresMs <= now || row.createdMs < notBeforeMs) continue;
      const similarity = cosineSimilarity(embedding, embeddingFromBuffer(row.embedding));
      if (similarity >= minSimilarity && similarity > (best?.similarity ?? -1)) best = { row, similarity };
    }
    if (!best) return undefined;
    this.#markUsed(best.row.key, now);
    return { answer: JSON.parse(best.row.answer) as CachedAnswer, similarity: best.similarity };
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    this.#flushUses();
    this.#db.close();
  }

  #markUsed(key: string, now: number): void {
    this.#unwrittenUses.set(key, now);
    this.#usesWrite ??= setTimeout(() => this.#flushUses(), usesWriteDelayMs).unref();
  }

  /** Writes the uses that wait. A failed write loses them, and only them: they order eviction, nothing else. */
  #flushUses(): void {
    clearTimeout(this.#usesWrite);
    this.#usesWrite = undefined;
    if (this.#unwrittenUses.size === 0) return;
    const uses = [...this.#unwrittenUses];
    this.#unwrittenUses.clear();
    try {
      this.#writeUses(uses);
    } catch {
      // Busy past the timeout (another process holding the file), or the disk: the entries stay.
    }
  }

  /** Expired entries first, then the least recently used, until a tenth of the room is free. */
  #evict(now: number): void {
    this.#flushUses();
    this.#deleteExpired.run(now);
    const target = this.#maxBytes * 0.9;
    let { total, count } = this.#counted();
    while (total > target && count > 0) {
      // As many as the excess takes at the average entry's size: short writes, no overshoot.
      const step = Math.max(1, Math.ceil((total - target) / (total / count)));
      const evicted = this.#evictOldest.all(step);
      for (const { key } of evicted) this.#recent.forget(key);
      if (evicted.length === 0) break;
      ({ total, count } = this.#counted());
    }
    this.#estimatedBytes = total;
  }

  #counted(): { total: number; count: number } {
    const row = this.#totalBytes.get();
    return { total: row?.total ?? 0, count: row?.count ?? 0 };
  }
}
