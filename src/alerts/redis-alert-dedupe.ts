import type { Logger } from "pino";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";
import type { AlertDedupe } from "./alert-dedupe.js";
import { MemoryAlertDedupe } from "./alert-dedupe.js";

/**
 * Claims as `SET key 1 NX PX ttl` in the Redis every replica shares: exactly one replica wins.
 * Redis unreachable: fails open to this process's claims (one warning), so each replica may
 * send the alert once; a duplicate is better than an alert lost in an outage.
 */
export class RedisAlertDedupe implements AlertDedupe {
  readonly #fallback: MemoryAlertDedupe;
  #warned = false;

  constructor(
    private readonly options: {
      client: UsageRedisClient;
      keyPrefix: string;
      logger: Logger;
      now?: () => number;
    },
  ) {
    this.#fallback = new MemoryAlertDedupe(options.now);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    try {
      const reply = await this.options.client.set(
        `${this.options.keyPrefix}alert:${key}`,
        "1",
        "PX",
        ttlMs,
        "NX",
      );
      this.#warned = false;
      return reply === "OK";
    } catch (error) {
      if (!this.#warned) {
        this.#warned = true;
        this.options.logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          "alerts: Redis unreachable; deduplicating alerts in this process only until it answers",
        );
      }
      return this.#fallback.claimNow(key, ttlMs);
    }
  }

  async close(): Promise<void> {}
}
