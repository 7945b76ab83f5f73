import { once } from "node:events";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { errorMessage, silentUsageLogger, type UsageLogger } from "./usage-logger.js";

export type UsageRedisClient = Redis | Cluster;

export interface UsageRedisClientOptions {
  /** Redis Cluster even with a single seed URL (a list of several seeds always means a cluster). */
  cluster?: boolean;
  /** Names the client's user in connection-error log lines. */
  name?: string;
  /** A command without an answer after this long fails, so a hung Redis cannot hold a booking. */
  commandTimeoutMs?: number;
  logger?: UsageLogger;
}

/**
 * A client that fails fast instead of waiting for Redis: no offline queue
 * (a command sent while disconnected rejects at once), no retry of a command
 * whose connection dropped, and a command timeout. The caller falls back to
 * the journal; replays are idempotent, so a command that did reach Redis
 * before failing on our side is never counted twice. Commands of one tick
 * share one write (auto-pipelining).
 */
export function createUsageRedisClient(url: string, options: UsageRedisClientOptions = {}): UsageRedisClient {
  // LLM_GATEWAY_REDIS_URL may be a comma-separated seed list of a Redis Cluster.
  const seeds = url
    .split(",")
    .map((seed) => seed.trim())
    .filter(Boolean);
  const logger = options.logger ?? silentUsageLogger;
  const failFast: RedisOptions = {
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: 2_000,
    enableAutoPipelining: true,
  };
  const client =
    options.cluster || seeds.length > 1
      ? new Cluster(seeds, {
          enableOfflineQueue: false,
          enableAutoPipelining: true,
          redisOptions: { ...failFast, ...credentialsOf(seeds[0] ?? url) },
        })
      : new Redis(url, { ...failFast, enableOfflineQueue: false });
  logConnectionErrors(client, logger, options.name ?? "usage store");
  return client;
}

/** Cluster nodes found by discovery get `redisOptions`, not the seed URL, so they need its credentials. */
function credentialsOf(url: string): { username?: string; password?: string } {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

/** ioredis emits an error on every reconnect attempt; log each distinct one once until the client is ready again. */
function logConnectionErrors(client: UsageRedisClient, logger: UsageLogger, name: string): void {
  let lastMessage: string | undefined;
  client.on("error", (error: unknown) => {
    const message = errorMessage(error);
    if (message === lastMessage) return;
    lastMessage = message;
    logger.warn({ error: message }, `${name}: Redis connection error`);
  });
  client.on("ready", () => {
    lastMessage = undefined;
  });
}

/**
 * Resolves true once the client is connected; false at its first connection
 * error (a refused port answers at once) or after `timeoutMs` (a Redis that
 * accepts and never answers). Without an offline queue a command sent before
 * then fails at once, so start-up waits here rather than treat its first
 * requests as a Redis outage.
 */
export async function waitUntilRedisReady(client: UsageRedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === "ready") return true;
  try {
    await once(client, "ready", { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}
