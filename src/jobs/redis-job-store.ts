import type { JobOutcome, JobRecord, JobStatus, JobStore } from "../core/background-job.js";
import type { UsageRedisClient } from "../usage/create-usage-redis-client.js";

export interface RedisJobStoreOptions {
  /** The store owns it and quits it on close. */
  client: UsageRedisClient;
  keyPrefix: string;
  /** How long a job is kept after its latest write (Redis expires its key then). */
  ttlMs: number;
}

/** A heartbeat for a running job only: a late one must not bring a finished job back. Answers the cancel flag. */
const touchScript = `
if redis.call('HGET', KEYS[1], 'status') == 'running' then
  redis.call('HSET', KEYS[1], 'updatedAtMs', ARGV[1], 'partialText', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return redis.call('HGET', KEYS[1], 'cancelRequested') or '0'
`;

/** Only a job that exists: an expired one must not come back as a hash with no project. */
const requestCancelScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'cancelRequested', '1') end
return 0
`;

type ScriptCommand = (key: string, ...args: Array<string | number>) => Promise<unknown>;

/**
 * Jobs in Redis, one hash per job (`{id}`: one slot), shared by every
 * replica: any of them answers for a job another one runs, and a
 * cancellation reaches the running one through the flag its heartbeat reads.
 * Fails closed: a command Redis did not confirm rejects.
 */
export class RedisJobStore implements JobStore {
  readonly #client: UsageRedisClient;
  readonly #keyPrefix: string;
  readonly #ttlMs: number;
  readonly #touch: ScriptCommand;
  readonly #requestCancel: ScriptCommand;

  constructor(options: RedisJobStoreOptions) {
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#ttlMs = options.ttlMs;
    // defineCommand sends EVALSHA and falls back to EVAL after NOSCRIPT (a restarted Redis).
    this.#client.defineCommand("llmGatewayTouchJob", { numberOfKeys: 1, lua: touchScript });
    this.#client.defineCommand("llmGatewayCancelJob", { numberOfKeys: 1, lua: requestCancelScript });
    const commands = this.#client as unknown as Record<string, ScriptCommand>;
    this.#touch = (...args) => (commands.llmGatewayTouchJob as ScriptCommand).apply(this.#client, args);
    this.#requestCancel = (...args) =>
      (commands.llmGatewayCancelJob as ScriptCommand).apply(this.#client, args);
  }

  async create(job: { id: string; projectId: string; atMs: number }): Promise<void> {
    const key = this.#key(job.id);
    assertConfirmed(
      await this.#client
        .multi()
        .hset(key, {
          projectId: job.projectId,
          status: "running",
          partialText: "",
          cancelRequested: "0",
          createdAtMs: job.atMs,
          updatedAtMs: job.atMs,
        })
        .pexpire(key, this.#ttlMs)
        .exec(),
    );
  }

  async touch(id: string, atMs: number, partialText: string): Promise<{ cancelRequested: boolean }> {
    const flag = await this.#touch(this.#key(id), atMs, partialText, this.#ttlMs);
    return { cancelRequested: flag === "1" };
  }

  async finish(id: string, outcome: JobOutcome, atMs: number): Promise<void> {
    const key = this.#key(id);
    assertConfirmed(
      await this.#client
        .multi()
        .hset(key, {
          status: outcome.status,
          partialText: outcome.partialText,
          updatedAtMs: atMs,
          ...(outcome.resultJson !== undefined ? { resultJson: outcome.resultJson } : {}),
          ...(outcome.error ? { errorCode: outcome.error.code, errorMessage: outcome.error.message } : {}),
        })
        .pexpire(key, this.#ttlMs)
        .exec(),
    );
  }

  async requestCancel(id: string): Promise<void> {
    await this.#requestCancel(this.#key(id));
  }

  async get(id: string, nowMs: number): Promise<JobRecord | undefined> {
    const hash = await this.#client.hgetall(this.#key(id));
    if (hash.projectId === undefined || hash.status === undefined) return undefined;
    const updatedAtMs = Number(hash.updatedAtMs);
    if (updatedAtMs <= nowMs - this.#ttlMs) return undefined;
    return {
      id,
      projectId: hash.projectId,
      status: hash.status as JobStatus,
      partialText: hash.partialText ?? "",
      ...(hash.resultJson !== undefined ? { resultJson: hash.resultJson } : {}),
      ...(hash.errorCode !== undefined
        ? { error: { code: hash.errorCode, message: hash.errorMessage ?? "" } }
        : {}),
      cancelRequested: hash.cancelRequested === "1",
      createdAtMs: Number(hash.createdAtMs),
      updatedAtMs,
    };
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }

  #key(id: string): string {
    return `${this.#keyPrefix}job:{${id}}`;
  }
}

/** MULTI answers null when aborted and an error per failed command: either is a write not made. */
function assertConfirmed(results: Array<[Error | null, unknown]> | null): void {
  if (!results) throw new Error("Redis aborted the job write");
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}
