import type { CachedAnswer, CacheVector, ResponseCacheStore } from "../core/response-cache.js";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";
import { cosineSimilarity, embeddingFromBuffer, embeddingToBuffer } from "./cosine-similarity.js";

export interface RedisResponseCacheOptions {
  /** From `createUsageRedisClient` (fails fast); the cache owns it and quits it on close. */
  client: UsageRedisClient;
  keyPrefix: string;
  /** Most bytes of answers (and embeddings) kept; past it the least recently used go first. */
  maxBytes: number;
}

/**
 * The response cache in Redis, shared by every replica:
 *
 * - `<prefix>cache:e:<key>`: the answer as JSON, with the entry's TTL (PX);
 * - `<prefix>cache:lru` (sorted set: key -> last use, ms), `<prefix>cache:size`
 *   (hash: key -> bytes) and `<prefix>cache:bytes` (their sum): the size
 *   bound. Past `maxBytes` the least recently used entries are deleted, so the
 *   cache never leans on Redis's own eviction, which would not tell a cache
 *   entry from a usage record. An entry gone by its TTL still counts until
 *   its turn comes (it is among the least recently used);
 * - `<prefix>cache:v:<prefix hash>`: a hash of cache key -> the last user
 *   turn's embedding (float32 bytes), for semantic lookups, compared here in
 *   the gateway. Its TTL is pushed out to the longest entry's on each write;
 *   a field whose entry expired is dropped when a lookup finds it gone.
 *
 * Every command touches one key, so it works the same on a Cluster.
 */
export class RedisResponseCache implements ResponseCacheStore {
  readonly backend = "redis" as const;
  readonly #client: UsageRedisClient;
  readonly #keyPrefix: string;
  readonly #maxBytes: number;
  readonly #lruKey: string;
  readonly #sizeKey: string;
  readonly #bytesKey: string;

  constructor(options: RedisResponseCacheOptions) {
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#maxBytes = options.maxBytes;
    this.#lruKey = `${options.keyPrefix}cache:lru`;
    this.#sizeKey = `${options.keyPrefix}cache:size`;
    this.#bytesKey = `${options.keyPrefix}cache:bytes`;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const text = await this.#client.get(this.#entryKey(key));
    if (text === null) return undefined;
    // Sent, not awaited: the hit answers after one round trip instead of two, and a command this
    // process sends later (an eviction's read of the oldest) still comes after it on the connection.
    // A failed mark only leaves the entry older for eviction.
    this.#client.zadd(this.#lruKey, Date.now(), key).catch(() => undefined);
    return JSON.parse(text) as CachedAnswer;
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number, vector?: CacheVector): Promise<void> {
    const ttl = Math.max(1, Math.round(ttlMs));
    const text = JSON.stringify(answer);
    const embedding = vector ? embeddingToBuffer(vector.embedding) : undefined;
    const bytes = Buffer.byteLength(text) + key.length + (embedding?.byteLength ?? 0);
    // An answer bigger than the whole cache would only evict everything else, then itself.
    if (bytes > this.#maxBytes) return;
    // The entry and its vector are sent at once, before anything is awaited: a lookup this process
    // sends after `set` was called finds both (one connection keeps commands in order).
    const vectorsKey = vector ? this.#vectorsKey(vector.prefixHash) : undefined;
    const previousSize = this.#client.hget(this.#sizeKey, key);
    await Promise.all([
      this.#client.set(this.#entryKey(key), text, "PX", ttl),
      vectorsKey && embedding ? this.#client.hset(vectorsKey, key, embedding) : undefined,
      previousSize,
    ]);
    if (vectorsKey) {
      // Never shorten the TTL a longer-lived entry of the prefix set (PEXPIRE's GT flag needs Redis 7).
      if ((await this.#client.pttl(vectorsKey)) < ttl) await this.#client.pexpire(vectorsKey, ttl);
    }
    const previous = Number((await previousSize) ?? 0);
    await this.#client.hset(this.#sizeKey, key, bytes);
    await this.#client.zadd(this.#lruKey, Date.now(), key);
    const total = await this.#client.incrby(this.#bytesKey, bytes - previous);
    if (total > this.#maxBytes) await this.#evict(total);
  }

  async nearest(
    prefixHash: string,
    embedding: number[],
    minSimilarity: number,
    notBeforeMs: number,
  ): Promise<{ answer: CachedAnswer; similarity: number } | undefined> {
    const vectorsKey = this.#vectorsKey(prefixHash);
    const stored = await this.#client.hgetallBuffer(vectorsKey);
    const candidates = Object.entries(stored)
      .map(([key, bytes]) => ({ key, similarity: cosineSimilarity(embedding, embeddingFromBuffer(bytes)) }))
      .filter((candidate) => candidate.similarity >= minSimilarity)
      .sort((a, b) => b.similarity - a.similarity);
    for (const candidate of candidates) {
      const answer = await this.get(candidate.key);
      if (!answer) {
        await this.#client.hdel(vectorsKey, candidate.key);
        continue;
      }
      if (answer.createdAtMs >= notBeforeMs) return { answer, similarity: candidate.similarity };
    }
    return undefined;
  }

  async close(): Promise<void> {
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }

  /** Least recently used entries first, until a tenth of the room is free (replicas may evict at once: fine). */
  async #evict(total: number): Promise<void> {
    const target = this.#maxBytes * 0.9;
    let remaining = total;
    while (remaining > target) {
      // As many as the excess takes at the average entry's size: no overshoot.
      const count = await this.#client.zcard(this.#lruKey);
      const step = count === 0 ? 1 : Math.max(1, Math.ceil((remaining - target) / (remaining / count)));
      const popped = await this.#client.zpopmin(this.#lruKey, step);
      const keys = popped.filter((_, index) => index % 2 === 0);
      if (keys.length === 0) {
        // Nothing left to count: the total drifted (a replica's half-done write); start again from zero.
        await this.#client.set(this.#bytesKey, 0);
        return;
      }
      const sizes = await this.#client.hmget(this.#sizeKey, ...keys);
      const freed = sizes.reduce((sum, size) => sum + Number(size ?? 0), 0);
      // One key a command: on a Cluster the entries live in different slots.
      await Promise.all(keys.map((key) => this.#client.unlink(this.#entryKey(key))));
      await this.#client.hdel(this.#sizeKey, ...keys);
      remaining = await this.#client.decrby(this.#bytesKey, freed);
    }
  }

  #entryKey(key: string): string {
    return `${this.#keyPrefix}cache:e:${key}`;
  }

  #vectorsKey(prefixHash: string): string {
    return `${this.#keyPrefix}cache:v:${prefixHash}`;
  }
}
