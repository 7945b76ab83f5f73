import {
  applyCircuitOperation,
  type CircuitOperation,
  type CircuitOutcome,
  type CircuitPolicy,
  type CircuitRecord,
  closedCircuitRecord,
  isTrialGrant,
} from "../routing/apply-circuit-operation.js";
import type { ClusterHub } from "./cluster-hub.js";

/** A circuit as it changed: pushed to every worker under this topic. */
export type CircuitNews = [key: string, record: CircuitRecord];

export const circuitTopic = "circuit";

/**
 * Every deployment's circuit, kept by the cluster primary: the one place where failures seen by
 * any worker add up and the one half-open trial is granted. The rules are the shared breaker's
 * (`applyCircuitOperation`, which the Redis script mirrors); every change is pushed to every
 * worker, so a worker decides from its own copy and asks only on a failure, a reset or a trial.
 */
export class PrimaryCircuits {
  readonly #records = new Map<string, CircuitRecord>();
  /** The worker each trial token was granted to. */
  readonly #trialOwners = new Map<string, number>();

  constructor(
    private readonly hub: ClusterHub,
    private readonly policy: CircuitPolicy,
  ) {
    hub.handle("circuit", (payload, worker) => {
      const { key, operation } = payload as { key: string; operation: CircuitOperation };
      const result = this.apply(key, operation);
      if (operation.kind === "acquire_trial" && isTrialGrant(result.outcome)) {
        this.#trialOwners.set(operation.token, worker);
      }
      return result;
    });
    hub.handle("circuit.all", () => [...this.#records]);
  }

  apply(key: string, operation: CircuitOperation): { outcome: CircuitOutcome; record: CircuitRecord } {
    const current = this.#records.get(key) ?? closedCircuitRecord();
    const result = applyCircuitOperation(current, operation, this.policy, Date.now());
    if (result.record !== current) {
      this.#records.set(key, result.record);
      if (current.trial !== "" && result.record.trial !== current.trial)
        this.#trialOwners.delete(current.trial);
      this.hub.push(circuitTopic, [key, result.record] satisfies CircuitNews);
    }
    return result;
  }

  /** A worker died: its trials will never report, so the next request may take them over at once. */
  releaseTrialsOf(worker: number): void {
    for (const [key, record] of this.#records) {
      if (record.trial !== "" && this.#trialOwners.get(record.trial) === worker) {
        this.apply(key, { kind: "trial_release", token: record.trial });
      }
    }
  }
}
