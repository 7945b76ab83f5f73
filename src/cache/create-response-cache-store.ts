import type { Logger } from "pino";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { ResponseCacheStore } from "../core/response-cache.js";
import { SqliteResponseCache } from "./sqlite-response-cache.js";

/** A cache read slower than this is a miss: asking the provider beats waiting on a sick Redis. */
const commandTimeoutMs = 500;

/**
 * The response cache's engine, beside the usage store's: Redis when it is
 * configured (shared by every replica), else a SQLite file in the data dir.
 * Undefined when the cache is off everywhere (or its file cannot be opened). Redis down at start-up is an
 * outage like any other: every lookup is a miss until it is back.
 */
export async function createResponseCacheStore(
  config: GatewayConfig,
  logger: Logger,
  readyTimeoutMs: number,
): Promise<ResponseCacheStore | undefined> {
  const cache = config.responseCache;
  const enabledSomewhere =
    cache.defaults.enabled ||
    Object.values(cache.modelGroups).some((rules) => rules.enabled) ||
    Object.values(cache.projects).some((rules) => rules.enabled);
  if (!enabledSomewhere) return undefined;
  if (!config.redisUrl) {
    try {
      return new SqliteResponseCache({ dataDir: config.dataDir, maxBytes: cache.maxBytes });
    } catch (error) {
      // Fails open: a cache that cannot open serves every request from a provider, as if empty.
      logger.error({ err: error }, "response cache: cannot open its SQLite file; serving without a cache");
      return undefined;
    }
  }
  // Imported only with Redis: without it, start-up loads no Redis code.
  const [{ createUsageRedisClient, waitUntilRedisReady }, { RedisResponseCache }] = await Promise.all([
    import("../usage/create-usage-redis-client.js"),
    import("./redis-response-cache.js"),
  ]);
  const client = createUsageRedisClient(config.redisUrl, {
    cluster: config.redisCluster,
    logger,
    name: "response cache",
    commandTimeoutMs,
  });
  if (!(await waitUntilRedisReady(client, readyTimeoutMs))) {
    logger.warn(
      { timeoutMs: readyTimeoutMs },
      "response cache: Redis not reachable at start-up; every lookup misses until it is",
    );
  }
  return new RedisResponseCache({ client, keyPrefix: config.redisKeyPrefix, maxBytes: cache.maxBytes });
}
