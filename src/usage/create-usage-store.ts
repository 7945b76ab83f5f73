import type { UsageStore } from "../core/usage-record.js";
import { createUsageRedisClient } from "./create-usage-redis-client.js";
import { RedisUsageStore } from "./redis-usage-store.js";
import { ResilientUsageStore } from "./resilient-usage-store.js";
import { SqliteUsageStore } from "./sqlite-usage-store.js";
import { UsageJournal } from "./usage-journal.js";
import type { UsageLogger } from "./usage-logger.js";

export interface CreateUsageStoreOptions {
  /** `LLM_GATEWAY_DATA_DIR`: the SQLite file, or the journal when Redis is used. */
  dataDir: string;
  /** `LLM_GATEWAY_REDIS_URL`; without it usage goes to SQLite. */
  redisUrl?: string;
  redisCluster?: boolean;
  redisKeyPrefix: string;
  /** How long start-up waits for Redis before serving with the journal. */
  redisReadyTimeoutMs?: number;
  logger?: UsageLogger;
}

/**
 * SQLite (fails closed) without a Redis URL; otherwise Redis backed by the
 * local journal (fails open to the journal). Resolves even when Redis is
 * down at start, after replaying journals left on disk when it is up.
 */
export async function createUsageStore(options: CreateUsageStoreOptions): Promise<UsageStore> {
  const { dataDir, logger } = options;
  if (options.redisUrl === undefined) return new SqliteUsageStore({ dataDir, logger });
  const client = createUsageRedisClient(options.redisUrl, { cluster: options.redisCluster, logger });
  const store = new ResilientUsageStore({
    redis: new RedisUsageStore({ client, keyPrefix: options.redisKeyPrefix }),
    journal: new UsageJournal({ dataDir, logger }),
    logger,
    readyTimeoutMs: options.redisReadyTimeoutMs,
  });
  await store.start();
  return store;
}
