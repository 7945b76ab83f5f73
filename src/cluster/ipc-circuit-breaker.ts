import {
  type CircuitOperation,
  type CircuitOutcome,
  type CircuitRecord,
  closedCircuitRecord,
  isTrialGrant,
  opensCircuit,
  settleOnce,
  transitionOf,
} from "../routing/apply-circuit-operation.js";
import type {
  CircuitBreaker,
  CircuitPermit,
  CircuitSettings,
  CircuitSnapshot,
} from "../routing/circuit-breaker.js";
import { type CircuitNews, circuitTopic } from "./primary-circuits.js";
import type { WorkerLink } from "./worker-link.js";

/**
 * A cluster worker's breaker without Redis: the primary keeps every circuit (`PrimaryCircuits`)
 * and pushes each change to every worker, as the Redis breaker's pub/sub does; this worker
 * answers from its copy. A closed circuit grants permits and takes successes without a message
 * while no failure is counted; an open one refuses at once. Failures, the reset after them and
 * the half-open trial go to the primary, so failures seen by any worker add up and one trial
 * runs in the whole cluster. Only the worker whose call caused a transition reports it.
 */
export class IpcCircuitBreaker implements CircuitBreaker {
  readonly #link: WorkerLink;
  readonly #settings: CircuitSettings;
  readonly #records = new Map<string, CircuitRecord>();
  readonly #askingForTrial = new Set<string>();
  readonly #pending = new Set<Promise<unknown>>();
  #trialCount = 0;

  private constructor(link: WorkerLink, settings: CircuitSettings) {
    this.#link = link;
    this.#settings = settings;
    link.onPush(circuitTopic, (payload) => {
      const [key, record] = payload as CircuitNews;
      this.#absorb(key, record);
    });
  }

  /** Starts from the primary's circuits, so a worker started while one is open never calls it. */
  static async open(link: WorkerLink, settings: CircuitSettings): Promise<IpcCircuitBreaker> {
    const breaker = new IpcCircuitBreaker(link, settings);
    for (const [key, record] of await link.call<CircuitNews[]>("circuit.all", undefined)) {
      breaker.#absorb(key, record);
    }
    return breaker;
  }

  async tryAcquire(key: string): Promise<CircuitPermit | undefined> {
    const record = this.#record(key);
    const now = Date.now();
    if (record.state === "closed") return this.#closedPermit(key, record.generation);
    if (record.state === "open" && now < record.openUntil) return undefined;
    if (record.state === "half_open" && record.trial !== "" && now < record.leaseUntil) return undefined;
    if (this.#askingForTrial.has(key)) return undefined;
    this.#askingForTrial.add(key);
    const token = `${process.pid}:${++this.#trialCount}`;
    try {
      const outcome = await this.#run(key, { kind: "acquire_trial", token });
      if (outcome !== undefined && isTrialGrant(outcome)) return this.#trialPermit(key, token);
      if (outcome === "closed") return this.#closedPermit(key, this.#record(key).generation);
      return undefined;
    } finally {
      this.#askingForTrial.delete(key);
    }
  }

  async snapshot(key: string): Promise<CircuitSnapshot> {
    const record = this.#record(key);
    // An open circuit whose cooldown passed admits a trial: report it as such.
    const state = record.state === "open" && Date.now() >= record.openUntil ? "half_open" : record.state;
    return {
      state,
      consecutiveFailures: record.consecutiveFailures,
      ...(record.state !== "closed" ? { openedAt: record.openedAt } : {}),
    };
  }

  /** Resolves once every outcome reported so far reached the primary. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async close(): Promise<void> {
    await this.settled();
  }

  #closedPermit(key: string, generation: number): CircuitPermit {
    const current = () => {
      const record = this.#records.get(key);
      return record !== undefined && record.state === "closed" && record.generation === generation
        ? record
        : undefined;
    };
    return settleOnce(false, {
      success: () => {
        const record = current();
        // The common case: nothing to reset, so nothing to send.
        if (!record || record.consecutiveFailures === 0) return;
        this.#records.set(key, { ...record, consecutiveFailures: 0 });
        void this.#run(key, { kind: "success", generation });
      },
      failure: async (reason) => {
        // Admitted before an opening this worker already knows of: the primary would ignore it too.
        if (this.#records.has(key) && !current()) return false;
        return opensCircuit(await this.#run(key, { kind: "failure", generation, reason }));
      },
      release: () => {},
    });
  }

  #trialPermit(key: string, token: string): CircuitPermit {
    return settleOnce(true, {
      success: () => void this.#run(key, { kind: "trial_success", token }),
      failure: async (reason) => opensCircuit(await this.#run(key, { kind: "trial_failure", token, reason })),
      release: () => void this.#run(key, { kind: "trial_release", token }),
    });
  }

  /** Applies an operation at the primary; never rejects (the primary gone, the worker is shutting down). */
  #run(key: string, operation: CircuitOperation): Promise<CircuitOutcome | undefined> {
    const task = this.#send(key, operation).finally(() => this.#pending.delete(task));
    this.#pending.add(task);
    return task;
  }

  async #send(key: string, operation: CircuitOperation): Promise<CircuitOutcome | undefined> {
    try {
      const { outcome, record } = await this.#link.call<{ outcome: CircuitOutcome; record: CircuitRecord }>(
        "circuit",
        { key, operation },
      );
      this.#absorb(key, record);
      const transition = transitionOf(outcome, record, "reason" in operation ? operation.reason : "");
      if (transition) this.#settings.onTransition?.({ key, ...transition });
      return outcome;
    } catch {
      return undefined;
    }
  }

  #record(key: string): CircuitRecord {
    return this.#records.get(key) ?? closedCircuitRecord();
  }

  /** Takes the newer of two views: the reply and the push of one change arrive in either order. */
  #absorb(key: string, record: CircuitRecord): void {
    const known = this.#records.get(key);
    if (known === undefined || record.version >= known.version) this.#records.set(key, record);
  }
}
