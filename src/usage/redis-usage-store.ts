import { Cluster } from "ioredis";
import type {
  StoreHealth,
  UsageQuery,
  UsageRecord,
  UsageStore,
  UsageSummary,
  UsageTotals,
} from "../core/usage-record.js";
import { refuseBooking } from "./assert-valid-usage-record.js";
import { type UsageRedisClient, waitUntilRedisReady } from "./create-usage-redis-client.js";
import { PendingTracker } from "./pending-tracker.js";
import {
  bookUsageScript,
  parseRedisHourField,
  redisHourField,
  redisMetricNames,
  redisProjectsKey,
  redisUsageKeys,
} from "./redis-usage-keys.js";
import {
  assertHourAlignedQuery,
  emptyTotals,
  recordTotals,
  summarizeUsageBuckets,
  totalsFields,
  type UsageBucket,
} from "./summarize-usage-buckets.js";
import { errorMessage } from "./usage-logger.js";
import { floorToHour } from "./usage-period.js";

export interface RedisUsageStoreOptions {
  /** From `createUsageRedisClient`; the store owns it and quits it on close. */
  client: UsageRedisClient;
  keyPrefix: string;
  /**
   * How long a request id is remembered, i.e. the window in which booking it
   * again counts nothing. Default 7 days: far beyond any journal replay delay,
   * while each remembered id costs about 100 bytes of Redis memory.
   */
  requestIdTtlSeconds?: number;
}

const defaultRequestIdTtlSeconds = 7 * 24 * 3600;
const metricByName = new Map(
  Object.entries(redisMetricNames).map(([field, name]) => [name, field as keyof UsageTotals]),
);

type BookUsageCommand = (...args: Array<string | number>) => Promise<number>;

/**
 * Usage in Redis (standalone or Cluster), shared by every replica: one Lua
 * script per booking (one round trip, auto-pipelined with the other bookings
 * of the same tick) remembers the request id and adds to the hourly
 * aggregates. On its own it fails CLOSED: a booking Redis did not confirm
 * rejects. `ResilientUsageStore` adds the journal that makes it fail open.
 */
export class RedisUsageStore implements UsageStore {
  readonly backend: "redis" | "redis-cluster";
  readonly #client: UsageRedisClient;
  readonly #keyPrefix: string;
  readonly #requestIdTtlSeconds: number;
  readonly #bookUsage: BookUsageCommand;
  readonly #pending = new PendingTracker();
  /** Projects Redis confirmed in the project set; one string each, as many as there are projects. */
  readonly #listedProjects = new Set<string>();
  #closed = false;

  constructor(options: RedisUsageStoreOptions) {
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#requestIdTtlSeconds = options.requestIdTtlSeconds ?? defaultRequestIdTtlSeconds;
    this.backend = options.client instanceof Cluster ? "redis-cluster" : "redis";
    // defineCommand sends EVALSHA and falls back to EVAL after NOSCRIPT (a restarted Redis).
    this.#client.defineCommand("llmGatewayBookUsage", { numberOfKeys: 3, lua: bookUsageScript });
    const command = (this.#client as unknown as Record<string, BookUsageCommand>).llmGatewayBookUsage;
    if (command === undefined) throw new Error("ioredis did not define the booking command");
    this.#bookUsage = command.bind(this.#client);
  }

  book(record: UsageRecord): Promise<void> {
    return refuseBooking(record, this.#closed) ?? this.#pending.track(this.#book(record));
  }

  async summarize(query: UsageQuery): Promise<UsageSummary> {
    assertHourAlignedQuery(query);
    const keys = redisUsageKeys(this.#keyPrefix, query.projectId);
    const hours = await this.#client.zrangebyscore(keys.hours, query.fromMs, `(${query.toMs}`);
    const hashes = await Promise.all(hours.map((hour) => this.#client.hgetall(keys.hour(hour))));
    const buckets = new Map<string, UsageBucket>();
    hashes.forEach((hash, index) => {
      const hourStartMs = Number(hours[index]);
      for (const [field, value] of Object.entries(hash)) {
        const parsed = parseRedisHourField(field);
        const metric = parsed && metricByName.get(parsed.metric);
        if (!parsed || !metric)
          throw new Error(`unexpected usage field ${JSON.stringify(field)} in ${keys.hour(hourStartMs)}`);
        if (query.agentId !== undefined && parsed.agentId !== query.agentId) continue;
        const bucketKey = JSON.stringify([hourStartMs, parsed.agentId, parsed.model]);
        let bucket = buckets.get(bucketKey);
        if (bucket === undefined) {
          bucket = { agentId: parsed.agentId, model: parsed.model, hourStartMs, ...emptyTotals() };
          buckets.set(bucketKey, bucket);
        }
        bucket[metric] = parseCount(value, field);
      }
    });
    return summarizeUsageBuckets(buckets.values());
  }

  async listProjects(): Promise<string[]> {
    return (await this.#client.smembers(redisProjectsKey(this.#keyPrefix))).sort();
  }

  async health(): Promise<StoreHealth> {
    const base = { backend: this.backend, journalBacklog: 0, journalWritable: false };
    try {
      await this.ping();
      return { ...base, ok: true };
    } catch (error) {
      return { ...base, ok: false, detail: errorMessage(error) };
    }
  }

  /** Rejects unless Redis answers now (no queueing, bounded by the command timeout). */
  async ping(): Promise<void> {
    if (this.#closed) throw new Error("the usage store is closed");
    await this.#client.ping();
  }

  /** See waitUntilRedisReady. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    return waitUntilRedisReady(this.#client, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pending.settled();
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }

  async #book(record: UsageRecord): Promise<void> {
    const keys = redisUsageKeys(this.#keyPrefix, record.projectId);
    const hourStartMs = floorToHour(record.timestamp);
    const args: Array<string | number> = [
      keys.request(record.requestId),
      keys.hour(hourStartMs),
      keys.hours,
      this.#requestIdTtlSeconds,
      hourStartMs,
    ];
    const totals = recordTotals(record);
    for (const field of totalsFields) {
      if (totals[field] === 0) continue;
      args.push(redisHourField(record.agentId, record.model, redisMetricNames[field]), totals[field]);
    }
    await this.#bookUsage(...args);
    await this.#listProject(record.projectId);
  }

  /**
   * Adds the project to the set of projects with a separate command after the
   * booking, since that set lies outside the project's slot (redisProjectsKey).
   * Once Redis confirmed a project, this process sends it no more, so a
   * booking stays one round trip. A failed SADD rejects the booking: the
   * journal replays it, the script counts nothing the second time, and the
   * SADD is sent again (hence also for a duplicate).
   */
  async #listProject(projectId: string): Promise<void> {
    if (this.#listedProjects.has(projectId)) return;
    await this.#client.sadd(redisProjectsKey(this.#keyPrefix), projectId);
    this.#listedProjects.add(projectId);
  }
}

/** HINCRBY keeps int64; past 2^53 a JS number would round, so refuse rather than report a wrong sum. */
function parseCount(value: string, field: string): number {
  const count = Number(value);
  if (!Number.isSafeInteger(count))
    throw new Error(`usage field ${JSON.stringify(field)} holds ${value}, beyond exact range`);
  return count;
}
