import type { Logger } from "pino";
import type { AlertsConfig } from "../config/alerts-config.js";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";
import type { AlertDedupe } from "./alert-dedupe.js";
import { Alerts } from "./alerts.js";
import type { ExpiringKeySource } from "./key-expiry-alerts.js";
import { RedisAlertDedupe } from "./redis-alert-dedupe.js";
import { SqliteAlertDedupe } from "./sqlite-alert-dedupe.js";

export interface CreateAlertsOptions {
  config: AlertsConfig;
  logger: Logger;
  source: string;
  dataDir: string;
  /** With Redis, every replica claims alerts in it; without, in the data dir's `alerts.sqlite`. */
  redis?: { client: UsageRedisClient; keyPrefix: string };
  keySource: ExpiringKeySource;
  circuitCooldownMs: number;
}

/** Alerts as configured, or undefined when no webhook is (nothing is watched then). */
export function createAlerts(options: CreateAlertsOptions): Alerts | undefined {
  if (options.config.webhookUrls.length === 0) return undefined;
  const redis = options.redis;
  const dedupe: AlertDedupe = redis
    ? new RedisAlertDedupe({ client: redis.client, keyPrefix: redis.keyPrefix, logger: options.logger })
    : new SqliteAlertDedupe({ dataDir: options.dataDir });
  const release = redis ? () => redis.client.disconnect() : () => undefined;
  const alerts = new Alerts({ ...options, dedupe: withRelease(dedupe, release) });
  options.logger.info(
    {
      webhooks: options.config.webhookUrls.map((url) => new URL(url).host),
      kinds: options.config.kinds,
      dedupe: redis ? "redis" : "sqlite",
    },
    `alerts: sending ${options.config.kinds.join(", ")} to ${options.config.webhookUrls.length} webhook(s)`,
  );
  return alerts;
}

/** The dedupe owns the alerts' own Redis connection: closing one closes the other. */
function withRelease(dedupe: AlertDedupe, release: () => void): AlertDedupe {
  return {
    claim: (key, ttlMs) => dedupe.claim(key, ttlMs),
    close: async () => {
      await dedupe.close();
      release();
    },
  };
}
