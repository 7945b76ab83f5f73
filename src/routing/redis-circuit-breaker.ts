import { randomBytes } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import {
  applyCircuitOperation,
  type CircuitOperation,
  type CircuitOutcome,
  type CircuitPolicy,
  type CircuitRecord,
  closedCircuitRecord,
  isTrialGrant,
  opensCircuit,
  settleOnce,
  transitionOf,
} from "./apply-circuit-operation.js";
import type { CircuitBreaker, CircuitPermit, CircuitSettings, CircuitSnapshot } from "./circuit-breaker.js";
import {
  parseRedisCircuitReply,
  redisCircuitArguments,
  redisCircuitChannel,
  redisCircuitKey,
  redisCircuitScript,
} from "./redis-circuit-script.js";
import { redisSubscriberConnection } from "./redis-subscriber-connection.js";

/** The slice of a pino logger the breaker writes to. */
export interface CircuitLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface RedisCircuitBreakerOptions extends CircuitSettings {
  /**
   * A fail-fast client (no offline queue, a command timeout), as
   * `createUsageRedisClient` builds: a command Redis cannot answer must
   * reject soon, since the breaker then decides locally. Owned: quit on close.
   */
  client: Redis | Cluster;
  /** The pub/sub connection; default a duplicate of `client`. Owned. */
  subscriber?: Redis | Cluster;
  keyPrefix: string;
  /**
   * How long a half-open trial holds the circuit before another request may
   * take the trial over: the bound on how long a replica that died mid-trial
   * keeps the circuit waiting. Pass the request timeout: a trial cannot run
   * longer, so a live trial never loses its lease.
   */
  trialLeaseMs: number;
  /**
   * How often each known circuit is re-read from Redis, the safety net for
   * lost pub/sub messages (default 500 ms, so even then other replicas learn
   * of an opening within a second). Each poll costs one script call per
   * known deployment, whatever the traffic.
   */
  pollIntervalMs?: number;
  logger?: CircuitLogger;
}

interface Circuit {
  record: CircuitRecord;
  /** Set until the first read from Redis answered; acquires wait for it. */
  loading?: Promise<void>;
  /** This replica already asks Redis for the trial: one question at a time is enough. */
  askingForTrial: boolean;
}

type CircuitCommand = (key: string, ...args: Array<string | number>) => Promise<unknown>;

const silentLogger: CircuitLogger = { info() {}, warn() {} };

/**
 * Circuit state shared by every replica through Redis (standalone or
 * Cluster), with the semantics of `LocalCircuitBreaker`.
 *
 * Cost: each replica caches every circuit it uses. A closed circuit grants
 * permits from the cache, and its successes cost nothing while the shared
 * failure count is zero, so a healthy deployment costs no Redis round trip
 * per request. An open circuit refuses from the cache. Round trips happen on
 * a failure (counted in Redis, so failures on any replica add up), on the
 * first success after failures (the reset), for the half-open trial (one
 * script grants exactly one trial across replicas), and once when a replica
 * first meets a deployment.
 *
 * Propagation: the scripts publish every opening, trial and close; replicas
 * apply them from their subscriber connection within milliseconds, and poll
 * every `pollIntervalMs` in case a message was lost. Only the replica whose
 * call caused a transition reports it through `onTransition`, so the
 * gateway's logs name each transition once; the others apply it silently.
 *
 * Redis unreachable: fails open to per-process circuits (this replica's
 * cache, under the same rules, `applyCircuitOperation`), with one warning;
 * a request never fails or waits on Redis longer than the client's command
 * timeout. When Redis answers again, every circuit is re-read from it and
 * Redis wins: what this replica counted alone is dropped. A trial this
 * replica asked for but never heard back about is released then, so it
 * cannot hold the circuit half-open until its lease ends.
 */
export class RedisCircuitBreaker implements CircuitBreaker {
  readonly #client: Redis | Cluster;
  readonly #subscriber: Redis | Cluster;
  readonly #keyPrefix: string;
  readonly #channel: string;
  readonly #policy: CircuitPolicy;
  readonly #settings: RedisCircuitBreakerOptions;
  readonly #logger: CircuitLogger;
  readonly #now: () => number;
  readonly #command: CircuitCommand;
  readonly #circuits = new Map<string, Circuit>();
  readonly #pending = new Set<Promise<unknown>>();
  /**
   * Trial tokens of this replica that may still be in use: asked for, or
   * granted and not settled. Redis showing one of this replica's tokens not
   * in here (a grant that came too late, a trial settled while Redis could
   * not hear it) gets it released, so the circuit does not wait out the lease.
   */
  readonly #liveTrials = new Set<string>();
  readonly #tokenPrefix = randomBytes(6).toString("hex");
  readonly #pollTimer: NodeJS.Timeout;
  #tokenCount = 0;
  /** Counts commands Redis failed to answer, so a poll knows whether one failed while it ran. */
  #failures = 0;
  #shared = false;
  #subscribed = false;
  #polling = false;
  #resyncRequested = true;
  #closed = false;

  constructor(options: RedisCircuitBreakerOptions) {
    this.#settings = options;
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#channel = redisCircuitChannel(options.keyPrefix);
    this.#policy = {
      failureThreshold: options.failureThreshold,
      cooldownMs: options.cooldownMs,
      trialLeaseMs: options.trialLeaseMs,
    };
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    // defineCommand sends EVALSHA and falls back to EVAL after NOSCRIPT (a restarted Redis).
    this.#client.defineCommand("llmGatewayCircuit", { numberOfKeys: 1, lua: redisCircuitScript });
    const command = (this.#client as unknown as Record<string, CircuitCommand>).llmGatewayCircuit;
    if (command === undefined) throw new Error("ioredis did not define the circuit command");
    this.#command = command.bind(this.#client);
    this.#client.on("ready", () => this.#requestResync());
    this.#client.on("close", () => {
      if (!this.#closed) this.#degrade(new Error("the Redis connection closed"));
    });

    this.#subscriber = options.subscriber ?? redisSubscriberConnection(options.client);
    this.#subscriber.on("message", (channel: string, message: string) => this.#onMessage(channel, message));
    // Errors of this connection also show as failed commands on the main one; nothing to add here.
    this.#subscriber.on("error", () => {});
    this.#subscriber.on("ready", () => this.#subscribe());
    this.#subscribe();

    this.#pollTimer = setInterval(() => void this.#poll(), options.pollIntervalMs ?? 500);
    this.#pollTimer.unref();
    void this.#poll();
  }

  async tryAcquire(key: string): Promise<CircuitPermit | undefined> {
    const circuit = await this.#loaded(key);
    const { record } = circuit;
    const now = this.#now();
    if (record.state === "closed") return this.#closedPermit(key, record.generation);
    if (record.state === "open" && now < record.openUntil) return undefined;
    if (record.state === "half_open" && record.trial !== "" && now < record.leaseUntil) return undefined;
    if (circuit.askingForTrial) return undefined;
    circuit.askingForTrial = true;
    // Live before asking: the grant's pub/sub message may arrive before the reply.
    const token = `${this.#tokenPrefix}:${++this.#tokenCount}`;
    this.#liveTrials.add(token);
    try {
      const outcome = await this.#run(key, { kind: "acquire_trial", token });
      if (isTrialGrant(outcome)) return this.#trialPermit(key, token);
      this.#liveTrials.delete(token);
      if (outcome === "closed") return this.#closedPermit(key, circuit.record.generation);
      return undefined;
    } finally {
      circuit.askingForTrial = false;
    }
  }

  async snapshot(key: string): Promise<CircuitSnapshot> {
    const { record } = await this.#loaded(key);
    // An open circuit whose cooldown passed admits a trial: report it as such.
    const state = record.state === "open" && this.#now() >= record.openUntil ? "half_open" : record.state;
    return {
      state,
      consecutiveFailures: record.consecutiveFailures,
      ...(record.state !== "closed" ? { openedAt: record.openedAt } : {}),
    };
  }

  /** Resolves true once circuits are shared through Redis and transitions arrive by pub/sub. */
  async waitUntilShared(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.#shared && this.#subscribed)) {
      if (Date.now() >= deadline || this.#closed) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  /** True while circuits are shared through Redis, false while this replica decides alone. */
  get shared(): boolean {
    return this.#shared;
  }

  /** Resolves once every outcome reported so far reached Redis, or this replica's copy if Redis failed. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pollTimer);
    await this.settled();
    await Promise.all([quit(this.#client), quit(this.#subscriber)]);
  }

  #closedPermit(key: string, generation: number): CircuitPermit {
    return settleOnce(false, {
      success: () => {
        const circuit = this.#circuits.get(key);
        const record = circuit?.record;
        // The common case: nothing to reset, so nothing to tell Redis.
        if (!circuit || !record || !isCurrent(record, generation) || record.consecutiveFailures === 0) return;
        // The reset on its way stands for the successes that follow it.
        if (this.#shared) circuit.record = { ...record, consecutiveFailures: 0 };
        this.#inBackground(key, { kind: "success", generation });
      },
      failure: async (reason) => {
        const record = this.#circuits.get(key)?.record;
        // Admitted before an opening this replica already knows of: Redis would ignore it too.
        if (record && !isCurrent(record, generation)) return false;
        return opensCircuit(await this.#inBackground(key, { kind: "failure", generation, reason }));
      },
      release: () => {},
    });
  }

  #trialPermit(key: string, token: string): CircuitPermit {
    const settle = (operation: CircuitOperation) => {
      this.#liveTrials.delete(token);
      return this.#inBackground(key, operation);
    };
    return settleOnce(true, {
      success: () => void settle({ kind: "trial_success", token }),
      failure: async (reason) => opensCircuit(await settle({ kind: "trial_failure", token, reason })),
      release: () => void settle({ kind: "trial_release", token }),
    });
  }

  /** Runs the operation without holding up the caller; the outcome is there for a caller that wants it. */
  #inBackground(key: string, operation: CircuitOperation): Promise<CircuitOutcome | undefined> {
    // A closed breaker's replica is gone: like a crashed one, it reports nothing more.
    if (this.#closed) return Promise.resolve(undefined);
    const task = this.#run(key, operation).finally(() => this.#pending.delete(task));
    this.#pending.add(task);
    return task;
  }

  /** Applies an operation in Redis, or to this replica's copy when Redis cannot answer. Never rejects. */
  async #run(key: string, operation: CircuitOperation): Promise<CircuitOutcome> {
    if (this.#shared) {
      try {
        const { outcome, record } = await this.#send(key, operation);
        this.#absorb(key, record, false);
        this.#report(key, operation, outcome, record);
        return outcome;
      } catch (error) {
        // An unanswered acquire_trial may still run in Redis: its token stays live only if the
        // local rules grant it here too; otherwise Redis showing it later gets it released.
        this.#degrade(error);
      }
    }
    const circuit = this.#circuitFor(key);
    const { outcome, record } = applyCircuitOperation(circuit.record, operation, this.#policy, this.#now());
    circuit.record = record;
    this.#report(key, operation, outcome, record);
    return outcome;
  }

  async #send(key: string, operation: CircuitOperation) {
    // Without this, a client with an offline queue would hold the request until Redis returns.
    if (this.#client.status !== "ready") throw new Error(`Redis connection is ${this.#client.status}`);
    const reply = await this.#command(
      redisCircuitKey(this.#keyPrefix, key),
      ...redisCircuitArguments(this.#channel, key, operation, this.#policy),
    );
    return parseRedisCircuitReply(reply, this.#now());
  }

  #report(key: string, operation: CircuitOperation, outcome: CircuitOutcome, record: CircuitRecord): void {
    if (outcome === "trial_taken_over") {
      this.#logger.warn(
        { deployment: key },
        `circuit ${key}: the half-open trial's lease ran out without an outcome (did a replica die mid-trial?); this request takes the trial over`,
      );
      return;
    }
    const transition = transitionOf(outcome, record, "reason" in operation ? operation.reason : "");
    if (transition) this.#settings.onTransition?.({ key, ...transition });
  }

  /** Takes a newer view of a circuit; `force` takes Redis' view whatever this replica holds. */
  #absorb(key: string, record: CircuitRecord, force: boolean): void {
    const circuit = this.#circuits.get(key);
    if (!circuit || (!force && record.version < circuit.record.version)) return;
    circuit.record = record;
    if (this.#isDeadOwnTrial(record.trial)) {
      this.#logger.info(
        { deployment: key },
        `circuit ${key}: Redis holds a trial of this replica's that ended unheard (Redis was unreachable); releasing it`,
      );
      this.#inBackground(key, { kind: "trial_release", token: record.trial });
    }
  }

  #loaded(key: string): Promise<Circuit> | Circuit {
    const circuit = this.#circuitFor(key);
    return circuit.loading ? circuit.loading.then(() => circuit) : circuit;
  }

  #circuitFor(key: string): Circuit {
    let circuit = this.#circuits.get(key);
    if (circuit) return circuit;
    const created: Circuit = { record: closedCircuitRecord(), askingForTrial: false };
    circuit = created;
    this.#circuits.set(key, created);
    if (this.#shared) {
      created.loading = this.#send(key, { kind: "observe" })
        .then(({ record }) => this.#absorb(key, record, false))
        .catch((error: unknown) => this.#degrade(error))
        .finally(() => {
          created.loading = undefined;
        });
    }
    return created;
  }

  /**
   * Re-reads every known circuit. While shared, newer views win; after an
   * outage (or a reconnect, after which Redis may have lost its data) Redis'
   * view replaces this replica's, and sharing resumes.
   */
  async #poll(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    const force = !this.#shared || this.#resyncRequested;
    const failuresBefore = this.#failures;
    this.#resyncRequested = false;
    try {
      const keys = [...this.#circuits.keys()];
      const views = await Promise.all(keys.map((key) => this.#send(key, { kind: "observe" })));
      // Another command failed meanwhile: these views may predate it. The next poll re-syncs.
      if (this.#failures !== failuresBefore) return;
      const resumed = !this.#shared;
      // Shared before absorbing: releasing an abandoned trial must go to Redis.
      this.#shared = true;
      for (const [index, key] of keys.entries()) {
        this.#absorb(key, (views[index] as { record: CircuitRecord }).record, force);
      }
      if (resumed) {
        this.#logger.info({}, "circuit breaker: Redis answers; circuit state is shared by every replica");
      }
    } catch (error) {
      this.#degrade(error);
    } finally {
      this.#polling = false;
    }
  }

  #requestResync(): void {
    this.#resyncRequested = true;
    void this.#poll();
  }

  #degrade(error: unknown): void {
    this.#failures += 1;
    this.#resyncRequested = true;
    if (!this.#shared) return;
    this.#shared = false;
    this.#logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      "circuit breaker: Redis unreachable; circuits are per process until it answers again",
    );
    // Another replica's trial may end unheard of: let this replica run its own.
    for (const circuit of this.#circuits.values()) {
      const { record } = circuit;
      if (record.trial !== "" && !this.#liveTrials.has(record.trial)) {
        circuit.record = { ...record, trial: "", leaseUntil: 0 };
      }
    }
  }

  #isDeadOwnTrial(token: string): boolean {
    return token.startsWith(`${this.#tokenPrefix}:`) && !this.#liveTrials.has(token);
  }

  #subscribe(): void {
    this.#subscriber.subscribe(this.#channel).then(
      () => {
        this.#subscribed = true;
      },
      () => {
        // Retried on the subscriber's next "ready"; polling covers the gap.
      },
    );
  }

  #onMessage(channel: string, message: string): void {
    if (channel !== this.#channel || !this.#shared) return;
    try {
      const [key, reply] = JSON.parse(message) as [string, unknown];
      this.#absorb(key, parseRedisCircuitReply(reply, this.#now()).record, false);
    } catch (error) {
      this.#logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        "circuit breaker: ignored an unreadable circuit message",
      );
    }
  }
}

function isCurrent(record: CircuitRecord, generation: number): boolean {
  return record.state === "closed" && record.generation === generation;
}

async function quit(client: Redis | Cluster): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
