import { join } from "node:path";
import type Database from "better-sqlite3";
import type {
  ConversationAppend,
  ConversationStore,
  ConversationSummary,
  ConversationTurn,
  StoredConversation,
} from "../core/conversation.js";
import { openSqliteFile } from "../usage/open-sqlite-file.js";

export interface SqliteConversationStoreOptions {
  /** `conversations.sqlite` is created in it, beside the usage store's file. */
  dataDir: string;
  /** How long a conversation is kept after its last turn. */
  ttlMs: number;
}

const schema = `
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  model TEXT NOT NULL,
  turn_count INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  cost_nano_usd INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS conversations_by_project ON conversations (project_id, updated_at_ms);
CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated_at_ms);
CREATE TABLE IF NOT EXISTS conversation_turns (
  conversation_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  messages_json TEXT NOT NULL,
  PRIMARY KEY (conversation_id, position)
) WITHOUT ROWID;
`;

const summaryColumns = `id, project_id AS projectId, model, turn_count AS turnCount, tokens,
  cost_nano_usd AS costNanoUsd, created_at_ms AS createdAtMs, updated_at_ms AS updatedAtMs`;

/**
 * Conversations in one SQLite file of the data dir: they survive restarts.
 * A write resolves once committed (fails closed); expired conversations
 * are deleted by the next write, and never read before that. Writes that
 * arrive in one turn of the event loop share one commit (each a commit of its
 * own was a page write per index per MCP call), with the same statements in
 * the same order; if that commit fails, each is retried in its own, so one
 * entry's failure is only its own.
 */
export class SqliteConversationStore implements ConversationStore {
  readonly #db: Database.Database;
  readonly #ttlMs: number;
  readonly #append: (entry: ConversationAppend) => void;
  readonly #appendAll: (entries: ConversationAppend[]) => void;
  #pending: Array<{ entry: ConversationAppend; resolve: () => void; reject: (error: unknown) => void }> = [];
  readonly #selectOne: Database.Statement<[string, number], ConversationSummary>;
  readonly #selectTurns: Database.Statement<[string], { messagesJson: string }>;
  readonly #selectList: Database.Statement<[string, number, number], ConversationSummary>;

  constructor(options: SqliteConversationStoreOptions) {
    this.#ttlMs = options.ttlMs;
    // One commit per call on the event loop: NORMAL skips its fsync (WAL still survives a process crash;
    // a power loss may forget the latest turns, which a conversation can afford and a booking cannot).
    this.#db = openSqliteFile(join(options.dataDir, "conversations.sqlite"), {
      synchronous: "NORMAL",
      busyTimeoutMs: 5000,
      schema,
    });
    const upsert = this.#db.prepare(
      `INSERT INTO conversations VALUES (?, ?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET model = excluded.model, turn_count = turn_count + 1,
         tokens = tokens + excluded.tokens, cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd,
         updated_at_ms = excluded.updated_at_ms`,
    );
    const insertTurn = this.#db.prepare(
      `INSERT INTO conversation_turns VALUES (?,
         (SELECT COALESCE(MAX(position), -1) + 1 FROM conversation_turns WHERE conversation_id = ?), ?)`,
    );
    const deleteExpiredTurns = this.#db.prepare(
      `DELETE FROM conversation_turns WHERE conversation_id IN
         (SELECT id FROM conversations WHERE updated_at_ms <= ?)`,
    );
    const deleteExpired = this.#db.prepare("DELETE FROM conversations WHERE updated_at_ms <= ?");
    const appendOne = (entry: ConversationAppend) => {
      const expiredBefore = entry.atMs - this.#ttlMs;
      deleteExpiredTurns.run(expiredBefore);
      deleteExpired.run(expiredBefore);
      upsert.run(
        entry.id,
        entry.projectId,
        entry.model,
        entry.tokens,
        entry.costNanoUsd,
        entry.atMs,
        entry.atMs,
      );
      insertTurn.run(entry.id, entry.id, JSON.stringify(entry.turn.messages));
    };
    this.#append = this.#db.transaction(appendOne);
    this.#appendAll = this.#db.transaction((entries: ConversationAppend[]) => {
      for (const entry of entries) appendOne(entry);
    });
    this.#selectOne = this.#db.prepare(
      `SELECT ${summaryColumns} FROM conversations WHERE id = ? AND updated_at_ms > ?`,
    );
    this.#selectTurns = this.#db.prepare(
      `SELECT messages_json AS messagesJson FROM conversation_turns
       WHERE conversation_id = ? ORDER BY position`,
    );
    this.#selectList = this.#db.prepare(
      `SELECT ${summaryColumns} FROM conversations
       WHERE project_id = ? AND updated_at_ms > ? ORDER BY updated_at_ms DESC, id LIMIT ?`,
    );
  }

  append(entry: ConversationAppend): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#commitPending());
    });
  }

  #commitPending(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      if (batch.length === 1) this.#append((batch[0] as (typeof batch)[number]).entry);
      else this.#appendAll(batch.map((pending) => pending.entry));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const pending of batch) {
        try {
          this.#append(pending.entry);
          pending.resolve();
        } catch (own) {
          pending.reject(own);
        }
      }
      return;
    }
    for (const pending of batch) pending.resolve();
  }

  async get(id: string, nowMs: number): Promise<StoredConversation | undefined> {
    const summary = this.#selectOne.get(id, nowMs - this.#ttlMs);
    if (!summary) return undefined;
    const turns: ConversationTurn[] = this.#selectTurns
      .all(id)
      .map((row) => ({ messages: JSON.parse(row.messagesJson) }));
    return { ...summary, turns };
  }

  async list(projectId: string, nowMs: number, limit: number): Promise<ConversationSummary[]> {
    return this.#selectList.all(projectId, nowMs - this.#ttlMs, limit);
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    this.#commitPending();
    this.#db.close();
  }
}
