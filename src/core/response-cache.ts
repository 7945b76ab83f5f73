import type { ChatCompletion } from "./chat.js";

/** One answer kept by the response cache: what a provider said, and what it cost then. */
export interface CachedAnswer {
  /** The answer in the internal (OpenAI) shape; a hit replays it with the new request's id. */
  completion: ChatCompletion;
  /** Who made it: a hit reports them, and books its saving to the model. */
  provider: string;
  model: string;
  /** What the provider call cost: a hit's saving. */
  costNanoUsd: number;
  /** Epoch ms when the answer was stored (`Cache-Control: max-age` compares against it). */
  createdAtMs: number;
}

/**
 * For semantic matching: the hash of everything in the request but its last
 * user turn, and that turn's embedding. Only entries of the same prefix are
 * ever compared.
 */
export interface CacheVector {
  prefixHash: string;
  embedding: number[];
}

/**
 * Where cached answers live: SQLite in the data dir (size-bounded, least
 * recently used evicted first) or Redis (shared by replicas, TTL per entry).
 * Every method may reject when the engine fails; the caller fails open
 * (logs, then asks a provider), so a store need not catch anything.
 */
export interface ResponseCacheStore {
  readonly backend: "sqlite" | "redis";
  /** The answer under `key`, unless it expired. */
  get(key: string): Promise<CachedAnswer | undefined>;
  /** Keeps `answer` for `ttlMs`; with a vector, semantic lookups of its prefix can find it. */
  set(key: string, answer: CachedAnswer, ttlMs: number, vector?: CacheVector): Promise<void>;
  /**
   * The live answer of `prefixHash` whose embedding is most similar (cosine)
   * to `embedding`, if it reaches `minSimilarity` and was stored at or after
   * `notBeforeMs`.
   */
  nearest(
    prefixHash: string,
    embedding: number[],
    minSimilarity: number,
    notBeforeMs: number,
  ): Promise<{ answer: CachedAnswer; similarity: number } | undefined>;
  close(): Promise<void>;
}
