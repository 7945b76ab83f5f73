import type { Cluster, Redis } from "ioredis";
import type { Logger } from "pino";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";
import type {
  GovernanceSettingsStore,
  GovernanceSnapshot,
  ManagedKey,
  StoredLimits,
} from "./governance-settings.js";

export interface RedisGovernanceStoreOptions {
  /** Shared with other parts; the store does not close it. */
  client: UsageRedisClient;
  keyPrefix: string;
  /**
   * A connection of its own for SUBSCRIBE (see redisSubscriberConnection), which the store owns
   * and closes. Without it, other replicas' writes are seen by the version poll alone.
   */
  subscriber?: Redis | Cluster;
  logger?: Logger;
}

/**
 * Keys and limits in Redis, shared by every replica: two hashes and a version
 * counter under one hash tag (`{governance}`), so a write and its version bump
 * are one MULTI on one Redis Cluster slot, and a snapshot reads all three at
 * once. After each write a message on `<prefix>governance:changed` tells the
 * other replicas to reload now rather than at their next poll.
 */
export class RedisGovernanceStore implements GovernanceSettingsStore {
  readonly #client: UsageRedisClient;
  readonly #subscriber: Redis | Cluster | undefined;
  readonly #logger: Logger | undefined;
  readonly #keys: string;
  readonly #limits: string;
  readonly #version: string;
  readonly #channel: string;

  constructor(options: RedisGovernanceStoreOptions) {
    this.#client = options.client;
    this.#subscriber = options.subscriber;
    this.#logger = options.logger;
    const base = `${options.keyPrefix}governance:{governance}:`;
    this.#keys = `${base}keys`;
    this.#limits = `${base}limits`;
    this.#version = `${base}version`;
    this.#channel = `${options.keyPrefix}governance:changed`;
    // Errors of this connection show as failed reads on the main one too.
    this.#subscriber?.on("error", () => {});
  }

  async version(): Promise<number> {
    return Number((await this.#client.get(this.#version)) ?? 0);
  }

  async snapshot(): Promise<GovernanceSnapshot> {
    const results = confirmed(
      await this.#client.multi().get(this.#version).hgetall(this.#keys).hgetall(this.#limits).exec(),
    );
    const [version, keys, limits] = results as [
      string | null,
      Record<string, string>,
      Record<string, string>,
    ];
    return {
      version: Number(version ?? 0),
      keys: Object.values(keys)
        .map((record) => JSON.parse(record) as ManagedKey)
        .sort((a, b) => byteOrder(a.id, b.id)),
      limits: Object.values(limits)
        .map((record) => JSON.parse(record) as StoredLimits)
        .sort((a, b) => byteOrder(a.projectId, b.projectId) || byteOrder(a.agentId ?? "", b.agentId ?? "")),
    };
  }

  async putKey(key: ManagedKey): Promise<void> {
    confirmed(
      await this.#client.multi().hset(this.#keys, key.id, JSON.stringify(key)).incr(this.#version).exec(),
    );
    await this.#announce();
  }

  async putLimits(limits: StoredLimits): Promise<void> {
    confirmed(
      await this.#client
        .multi()
        .hset(this.#limits, limitsField(limits), JSON.stringify(limits))
        .incr(this.#version)
        .exec(),
    );
    await this.#announce();
  }

  async deleteLimits(projectId: string, agentId: string | undefined): Promise<boolean> {
    const field = limitsField({ projectId, agentId });
    const [deleted] = confirmed(
      await this.#client.multi().hdel(this.#limits, field).incr(this.#version).exec(),
    ) as [number, number];
    await this.#announce();
    return deleted > 0;
  }

  onChange(listener: () => void): void {
    const subscriber = this.#subscriber;
    if (!subscriber) return;
    subscriber.on("message", (channel: string) => {
      if (channel === this.#channel) listener();
    });
    // Again on every reconnect (automatic resubscription is off, see redisSubscriberConnection).
    const subscribe = () => void subscriber.subscribe(this.#channel).catch(() => undefined);
    subscriber.on("ready", subscribe);
    subscribe();
  }

  async close(): Promise<void> {
    if (!this.#subscriber) return;
    try {
      await this.#subscriber.quit();
    } catch {
      this.#subscriber.disconnect();
    }
  }

  /** Best effort: a replica that misses the message sees the new version at its next poll (500 ms). */
  async #announce(): Promise<void> {
    try {
      await this.#client.publish(this.#channel, "changed");
    } catch (error) {
      this.#logger?.warn({ err: error }, "a governance change could not be announced; replicas poll for it");
    }
  }
}

/** Project and agent ids are `[A-Za-z0-9._:-]`: a NUL-free JSON pair cannot collide. */
function limitsField(limits: { projectId: string; agentId?: string | undefined }): string {
  return JSON.stringify([limits.projectId, limits.agentId ?? null]);
}

/** As SQLite's default (BINARY) collation orders them, so both engines list alike. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** MULTI answers null when aborted and an error per failed command: either is a write not made. */
function confirmed(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error("Redis aborted the governance settings transaction");
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return results.map(([, value]) => value);
}
