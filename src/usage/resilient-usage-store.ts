import type { StoreHealth, UsageQuery, UsageRecord, UsageStore, UsageSummary } from "../core/usage-record.js";
import { refuseBooking } from "./assert-valid-usage-record.js";
import { PendingTracker } from "./pending-tracker.js";
import type { RedisUsageStore } from "./redis-usage-store.js";
import type { UsageJournal } from "./usage-journal.js";
import { errorMessage, silentUsageLogger, type UsageLogger } from "./usage-logger.js";

export interface ResilientUsageStoreOptions {
  redis: RedisUsageStore;
  journal: UsageJournal;
  logger?: UsageLogger;
  /** While Redis is down or the journal holds records: how often to probe Redis and replay. */
  retryIntervalMs?: number;
  /** While all is well: how often to look for journals left by dead processes. */
  sweepIntervalMs?: number;
  /** How long `start()` waits for the first connection before serving from the journal. */
  readyTimeoutMs?: number;
}

/**
 * The usage store when `LLM_GATEWAY_REDIS_URL` is set: Redis, backed by the
 * local journal. Booking fails OPEN: when Redis does not confirm a booking
 * (down, hung past the command timeout, refusing writes), the record is
 * appended to the journal and the request goes on being served; a background
 * loop probes Redis and replays the journal once it answers, idempotently
 * (a booking Redis did apply before failing on our side counts once). `book`
 * rejects only for a malformed record, or when neither Redis nor the journal
 * took the record. `summarize` and `listProjects` read Redis once this
 * process's journal is replayed into it, and fail while it is down or the
 * replay cannot finish: a read is exact or refused, never low.
 */
export class ResilientUsageStore implements UsageStore {
  readonly #redis: RedisUsageStore;
  readonly #journal: UsageJournal;
  readonly #logger: UsageLogger;
  readonly #retryIntervalMs: number;
  readonly #sweepIntervalMs: number;
  readonly #readyTimeoutMs: number;
  readonly #pending = new PendingTracker();
  /** Aborted by close(), so a long replay stops between batches instead of holding up shutdown. */
  readonly #closing = new AbortController();
  #redisUp = true;
  #timer: NodeJS.Timeout | undefined;
  #timerDueAt = Number.POSITIVE_INFINITY;
  #tickRunning: Promise<void> | undefined;
  #closed = false;

  constructor(options: ResilientUsageStoreOptions) {
    this.#redis = options.redis;
    this.#journal = options.journal;
    this.#logger = options.logger ?? silentUsageLogger;
    this.#retryIntervalMs = options.retryIntervalMs ?? 1_000;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 30_000;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 2_000;
  }

  /** Waits (bounded) for Redis, replays what the journals hold, then keeps at it in the background. Never throws. */
  async start(): Promise<void> {
    this.#redisUp = await this.#redis.waitUntilReady(this.#readyTimeoutMs);
    if (!this.#redisUp) {
      this.#logger.warn(
        { timeoutMs: this.#readyTimeoutMs },
        "usage store: Redis not reachable at start; booking to the local journal",
      );
    }
    await this.#tick();
  }

  book(record: UsageRecord): Promise<void> {
    return refuseBooking(record, this.#closed) ?? this.#pending.track(this.#book(record));
  }

  async summarize(query: UsageQuery): Promise<UsageSummary> {
    await this.#replayBeforeRead();
    return this.#redis.summarize(query);
  }

  /** Like `summarize`: replays this process's journal first, and fails while Redis is down. */
  async listProjects(): Promise<string[]> {
    await this.#replayBeforeRead();
    return this.#redis.listProjects();
  }

  async health(): Promise<StoreHealth> {
    const [redis, journalWritable] = await Promise.all([this.#redis.health(), this.#journal.writable()]);
    return { ...redis, journalBacklog: this.#journal.backlog(), journalWritable };
  }

  /**
   * Waits for every booking in flight to land in Redis or in the journal and
   * for a running replay, then closes both. What the journal still holds stays
   * on disk: the next start, or another process sharing the data dir once this
   * one's lease lapses, replays it.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    clearTimeout(this.#timer);
    await this.#tickRunning;
    await this.#pending.settled();
    await this.#journal.close();
    await this.#redis.close();
  }

  /**
   * Redis alone would answer too little while this process's journal still
   * holds records (for up to a retry interval after Redis comes back), so a
   * read first runs (or joins) the probe-and-replay; when records are still
   * journaled after that, it fails (a 503 at the doors) rather than answer a
   * silently low total. Journals of other live processes are theirs to replay.
   */
  async #replayBeforeRead(): Promise<void> {
    // Two rounds: a tick already running may have started before the last journaled booking.
    for (let round = 0; round < 2 && this.#unreplayed(); round += 1) await this.#tick();
    if (this.#unreplayed()) {
      throw new Error(
        `Redis is ${this.#redisUp ? "up" : "down"} and ${this.#journal.backlog()} usage records are not replayed into it yet`,
      );
    }
  }

  #unreplayed(): boolean {
    return !this.#redisUp || this.#journal.backlog() > 0;
  }

  async #book(record: UsageRecord): Promise<void> {
    if (this.#redisUp) {
      try {
        await this.#redis.book(record);
        return;
      } catch (error) {
        this.#markDown(error);
      }
    }
    try {
      await this.#journal.append(record);
    } catch (journalError) {
      // Last resort: Redis may be back before the probe noticed.
      await this.#redis.book(record).catch(() => Promise.reject(journalError));
    }
  }

  #markDown(error: unknown): void {
    if (!this.#redisUp) return;
    this.#redisUp = false;
    this.#logger.warn(
      { error: errorMessage(error) },
      "usage store: Redis failed a booking; booking to the local journal",
    );
    this.#schedule(this.#retryIntervalMs);
  }

  #tick(): Promise<void> {
    this.#tickRunning ??= this.#probeAndReplay().finally(() => {
      this.#tickRunning = undefined;
      const busy = !this.#redisUp || this.#journal.backlog() > 0;
      this.#schedule(busy ? this.#retryIntervalMs : this.#sweepIntervalMs);
    });
    return this.#tickRunning;
  }

  async #probeAndReplay(): Promise<void> {
    if (!this.#redisUp) {
      try {
        await this.#redis.ping();
      } catch {
        return;
      }
      this.#redisUp = true;
      this.#logger.info(
        { backlog: this.#journal.backlog() },
        "usage store: Redis answers again; replaying the journal",
      );
    }
    try {
      const replayed = await this.#journal.replay(
        (records) => this.#replayToRedis(records),
        this.#closing.signal,
      );
      if (replayed > 0) this.#logger.info({ records: replayed }, "usage store: journal replayed into Redis");
    } catch (error) {
      // A Redis failure already switched booking to the journal; anything else is the journal's own trouble.
      if (this.#redisUp)
        this.#logger.error({ error: errorMessage(error) }, "usage store: journal replay failed");
    }
  }

  async #replayToRedis(records: UsageRecord[]): Promise<void> {
    try {
      await Promise.all(records.map((record) => this.#redis.book(record)));
    } catch (error) {
      this.#markDown(error);
      throw error;
    }
  }

  /** Runs the next tick in `delayMs`, unless one is already due sooner. */
  #schedule(delayMs: number): void {
    if (this.#closed) return;
    const dueAt = Date.now() + delayMs;
    if (this.#timer !== undefined && this.#timerDueAt <= dueAt) return;
    clearTimeout(this.#timer);
    this.#timerDueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerDueAt = Number.POSITIVE_INFINITY;
      void this.#tick();
    }, delayMs);
    this.#timer.unref();
  }
}
