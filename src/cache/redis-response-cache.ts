import type { CachedAnswer, CacheVector, ResponseCacheStore } from "../core/response-cache.js";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";
import { cosineSimilarity, embeddingFromBuffer, embeddingToBuffer } from "./cosine-similarity.js";

export interface RedisResponseCacheOptions {
  /** From `createUsageRedisClient` (fails fast); the cache owns it and quits it on close. */
  client: UsageRedisClient;
  keyPrefix: string;
}

/**
 * The response cache in Redis, shared by every replica:
 *
 * - `<prefix>cache:e:<key>`: the answer as JSON, with the entry's TTL (PX);
 *   Redis's own `maxmemory-policy` (allkeys-lru) bounds its size;
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

  constructor(options: RedisResponseCacheOptions) {
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const text = await this.#client.get(this.#entryKey(key));
    return text === null ? undefined : (JSON.parse(text) as CachedAnswer);
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number, vector?: CacheVector): Promise<void> {
    const ttl = Math.max(1, Math.round(ttlMs));
    await this.#client.set(this.#entryKey(key), JSON.stringify(answer), "PX", ttl);
    if (!vector) return;
    const vectorsKey = this.#vectorsKey(vector.prefixHash);
    await this.#client.hset(vectorsKey, key, embeddingToBuffer(vector.embedding));
    // Never shorten the TTL a longer-lived entry of the prefix set (PEXPIRE's GT flag needs Redis 7).
    if ((await this.#client.pttl(vectorsKey)) < ttl) await this.#client.pexpire(vectorsKey, ttl);
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

  #entryKey(key: string): string {
    return `${this.#keyPrefix}cache:e:${key}`;
  }

  #vectorsKey(prefixHash: string): string {
    return `${this.#keyPrefix}cache:v:${prefixHash}`;
  }
}
