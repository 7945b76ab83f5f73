import type {
  ConversationAppend,
  ConversationStore,
  ConversationSummary,
  ConversationTurn,
  StoredConversation,
} from "../core/conversation.js";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";

export interface RedisConversationStoreOptions {
  /** The store owns it and quits it on close. */
  client: UsageRedisClient;
  keyPrefix: string;
  /** How long a conversation is kept after its last turn (Redis expires its keys then). */
  ttlMs: number;
}

/**
 * Conversations in Redis, shared by every replica: a hash of totals and a
 * list of turns per conversation (one hash slot: `{id}`), and a sorted set
 * per project ordered by last turn. Fails closed: a command Redis did not
 * confirm rejects.
 */
export class RedisConversationStore implements ConversationStore {
  readonly #client: UsageRedisClient;
  readonly #keyPrefix: string;
  readonly #ttlMs: number;

  constructor(options: RedisConversationStoreOptions) {
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#ttlMs = options.ttlMs;
  }

  async append(entry: ConversationAppend): Promise<void> {
    const { totals, turns } = this.#keys(entry.id);
    const results = await this.#client
      .multi()
      .hsetnx(totals, "projectId", entry.projectId)
      .hsetnx(totals, "createdAtMs", entry.atMs)
      .hset(totals, "model", entry.model, "updatedAtMs", entry.atMs)
      .hincrby(totals, "turnCount", 1)
      .hincrby(totals, "tokens", entry.tokens)
      .hincrby(totals, "costNanoUsd", entry.costNanoUsd)
      .rpush(turns, JSON.stringify(entry.turn.messages))
      .pexpire(totals, this.#ttlMs)
      .pexpire(turns, this.#ttlMs)
      .exec();
    assertConfirmed(results);
    const index = this.#indexKey(entry.projectId);
    assertConfirmed(
      await this.#client
        .multi()
        .zadd(index, entry.atMs, entry.id)
        .zremrangebyscore(index, "-inf", entry.atMs - this.#ttlMs)
        .pexpire(index, this.#ttlMs)
        .exec(),
    );
  }

  async get(id: string, nowMs: number): Promise<StoredConversation | undefined> {
    const { totals, turns } = this.#keys(id);
    const summary = this.#summaryOf(id, await this.#client.hgetall(totals), nowMs);
    if (!summary) return undefined;
    const stored: ConversationTurn[] = (await this.#client.lrange(turns, 0, -1)).map((json) => ({
      messages: JSON.parse(json),
    }));
    return { ...summary, turns: stored };
  }

  async list(projectId: string, nowMs: number, limit: number): Promise<ConversationSummary[]> {
    const ids = await this.#client.zrevrangebyscore(
      this.#indexKey(projectId),
      "+inf",
      `(${nowMs - this.#ttlMs}`,
      "LIMIT",
      0,
      limit,
    );
    const summaries = await Promise.all(
      ids.map(async (id) => this.#summaryOf(id, await this.#client.hgetall(this.#keys(id).totals), nowMs)),
    );
    return summaries.filter((summary): summary is ConversationSummary => summary?.projectId === projectId);
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }

  #summaryOf(id: string, hash: Record<string, string>, nowMs: number): ConversationSummary | undefined {
    if (hash.projectId === undefined || hash.model === undefined) return undefined;
    const updatedAtMs = Number(hash.updatedAtMs);
    if (updatedAtMs <= nowMs - this.#ttlMs) return undefined;
    return {
      id,
      projectId: hash.projectId,
      model: hash.model,
      turnCount: Number(hash.turnCount),
      tokens: Number(hash.tokens),
      costNanoUsd: Number(hash.costNanoUsd),
      createdAtMs: Number(hash.createdAtMs),
      updatedAtMs,
    };
  }

  #keys(id: string) {
    const base = `${this.#keyPrefix}conversation:{${id}}`;
    return { totals: base, turns: `${base}:turns` };
  }

  #indexKey(projectId: string): string {
    return `${this.#keyPrefix}conversations:{${projectId}}`;
  }
}

/** MULTI answers null when aborted and an error per failed command: either is a write not made. */
function assertConfirmed(results: Array<[Error | null, unknown]> | null): void {
  if (!results) throw new Error("Redis aborted the conversation write");
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}
