import {
  matchesRequestQuery,
  type RequestPage,
  type RequestQuery,
  type RequestRecord,
  type RequestStore,
} from "../core/request-record.js";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";

export interface RedisRequestStoreOptions {
  /** The store owns it and quits it on close. */
  client: UsageRedisClient;
  keyPrefix: string;
  /** Records older than this are deleted (their keys expire then) and never read. */
  retentionMs: number;
  /** At most this many records are kept; the oldest go first. */
  maxRows: number;
}

/**
 * One write: the record (expiring with the retention), the time indexes (all projects and its
 * project), then both bounds. A record dropped for the row bound leaves its project's index
 * lazily: a reader skips (and removes) index entries whose record is gone.
 * The trimmed records' keys are built from ARGV (their ids are only known inside): they share the
 * `{requests}` tag, so they sit in the script's slot and a Cluster runs it.
 * KEYS: record, all-index, project-index. ARGV: json, timeMs, id, ttlMs, expiredBeforeMs, maxRows, keyPrefixOfRecords.
 */
const addScript = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[5])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  for _, id in ipairs(oldest) do redis.call('DEL', ARGV[7] .. id) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
return 0
`;

type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>;

/** Index entries read per round trip while filling a page. */
const scanBatch = 200;
/** A page with rare matches stops after this many index entries and answers a cursor to go on from. */
const maxScannedPerPage = 5_000;

/**
 * Requests in Redis, shared by every replica. Every key carries the hash tag `{requests}`, so
 * one Lua script writes a record and its indexes atomically on a Cluster too (one slot; the
 * row bound keeps that slot's size fixed). A sorted set by time indexes all requests, one more
 * each project; agent, model and status are filtered while reading, page by page.
 * Fails closed (a write Redis did not take rejects); the recorder in front of it fails open.
 */
export class RedisRequestStore implements RequestStore {
  readonly #client: UsageRedisClient;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #maxRows: number;
  readonly #add: ScriptCommand;

  constructor(options: RedisRequestStoreOptions) {
    this.#client = options.client;
    this.#prefix = `${options.keyPrefix}requests:{requests}:`;
    this.#retentionMs = options.retentionMs;
    this.#maxRows = options.maxRows;
    // defineCommand sends EVALSHA and falls back to EVAL after NOSCRIPT (a restarted Redis).
    this.#client.defineCommand("llmGatewayAddRequest", { numberOfKeys: 3, lua: addScript });
    const commands = this.#client as unknown as Record<string, ScriptCommand>;
    this.#add = (...args) => (commands.llmGatewayAddRequest as ScriptCommand).apply(this.#client, args);
  }

  async add(records: readonly RequestRecord[], nowMs: number): Promise<void> {
    // Sent without waiting for each reply (ioredis queues them on the socket): the batch costs about one round trip, not one per record.
    await Promise.all(
      records.map((record) =>
        this.#add(
          this.#recordKey(record.id),
          this.#allKey(),
          this.#projectKey(record.projectId),
          JSON.stringify(record),
          record.timeMs,
          record.id,
          // Kept for the retention from its own time: an old record (clock skew) expires no later.
          Math.max(1, record.timeMs + this.#retentionMs - nowMs),
          nowMs - this.#retentionMs,
          this.#maxRows,
          `${this.#prefix}r:`,
        ),
      ),
    );
  }

  async list(query: RequestQuery, nowMs: number): Promise<RequestPage> {
    if (query.projectIds?.length === 0) return { records: [] };
    const onlyProject = query.projectIds?.length === 1 ? query.projectIds[0] : undefined;
    const index = onlyProject !== undefined ? this.#projectKey(onlyProject) : this.#allKey();
    const lowest = Math.max(query.fromMs ?? 0, nowMs - this.#retentionMs);
    // Upper bound inclusive of the cursor's time: ties at that time are told apart by id below.
    let highest: string =
      query.cursor !== undefined
        ? String(query.cursor.timeMs)
        : query.toMs !== undefined
          ? `(${query.toMs}`
          : "+inf";
    if (query.cursor && query.toMs !== undefined && query.toMs <= query.cursor.timeMs)
      highest = `(${query.toMs}`;
    const records: RequestRecord[] = [];
    let offset = 0;
    let scanned = 0;
    let lastSeen: { timeMs: number; id: string } | undefined;
    for (;;) {
      const entries = await this.#client.zrevrangebyscore(
        index,
        highest,
        lowest,
        "WITHSCORES",
        "LIMIT",
        offset,
        scanBatch,
      );
      const batch: Array<{ id: string; timeMs: number }> = [];
      for (let i = 0; i < entries.length; i += 2) {
        const id = entries[i] as string;
        const timeMs = Number(entries[i + 1]);
        // Same time as the cursor: only ids after it (ids descending within one millisecond).
        if (query.cursor && timeMs === query.cursor.timeMs && id >= query.cursor.id) continue;
        batch.push({ id, timeMs });
      }
      let removed = 0;
      if (batch.length > 0) {
        const texts = await this.#client.mget(batch.map((entry) => this.#recordKey(entry.id)));
        const gone: string[] = [];
        for (let i = 0; i < batch.length; i++) {
          const entry = batch[i] as { id: string; timeMs: number };
          const text = texts[i];
          scanned++;
          lastSeen = entry;
          if (text === null || text === undefined) {
            gone.push(entry.id);
            continue;
          }
          const record = JSON.parse(text) as RequestRecord;
          if (!matchesRequestQuery(record, query)) continue;
          records.push(record);
          if (records.length > query.limit) break;
        }
        if (gone.length > 0) removed = await this.#client.zrem(index, ...gone);
      }
      if (records.length > query.limit) {
        const page = records.slice(0, query.limit);
        const last = page.at(-1) as RequestRecord;
        return { records: page, nextCursor: { timeMs: last.timeMs, id: last.id } };
      }
      if (entries.length < scanBatch * 2) return { records };
      // What was removed sat before the next offset.
      offset += entries.length / 2 - removed;
      // A sparse filter: a short page and where to go on, rather than a read of the whole index.
      if (scanned >= maxScannedPerPage && lastSeen) return { records, nextCursor: lastSeen };
    }
  }

  async get(id: string, nowMs: number): Promise<RequestRecord | undefined> {
    const text = await this.#client.get(this.#recordKey(id));
    if (text === null) return undefined;
    const record = JSON.parse(text) as RequestRecord;
    return record.timeMs >= nowMs - this.#retentionMs ? record : undefined;
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }

  #recordKey(id: string): string {
    return `${this.#prefix}r:${id}`;
  }

  #allKey(): string {
    return `${this.#prefix}all`;
  }

  #projectKey(projectId: string): string {
    return `${this.#prefix}p:${projectId}`;
  }
}
