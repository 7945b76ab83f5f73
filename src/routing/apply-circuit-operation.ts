import type { CircuitPermit, CircuitState, CircuitTransition } from "./circuit-breaker.js";

/**
 * One deployment's circuit as the shared breaker keeps it: in Redis (times on
 * Redis' clock) and in each replica's cache (times on the local clock).
 */
export interface CircuitRecord {
  state: CircuitState;
  consecutiveFailures: number;
  /** Counts openings: a closed permit reports against the generation it was admitted in. */
  generation: number;
  /** Counts writes, so a replica applies what it hears about a circuit in order. */
  version: number;
  openedAt: number;
  /** While open: when the cooldown ends. */
  openUntil: number;
  /** Token of the half-open trial under way, "" when none. */
  trial: string;
  /** When the trial's lease runs out and another request may take the trial over. */
  leaseUntil: number;
}

export interface CircuitPolicy {
  failureThreshold: number;
  cooldownMs: number;
  trialLeaseMs: number;
}

export type CircuitOperation =
  | { kind: "observe" }
  | { kind: "failure"; generation: number; reason: string }
  | { kind: "success"; generation: number }
  | { kind: "acquire_trial"; token: string }
  | { kind: "trial_success"; token: string }
  | { kind: "trial_failure"; token: string; reason: string }
  | { kind: "trial_release"; token: string };

export type CircuitOutcome =
  | "observed"
  | "ignored"
  | "counted"
  | "opened"
  | "reset"
  | "closed"
  | "open"
  | "held"
  | "trial_after_cooldown"
  | "trial"
  | "trial_taken_over"
  | "closed_by_trial"
  | "reopened"
  | "released";

export function closedCircuitRecord(): CircuitRecord {
  return {
    state: "closed",
    consecutiveFailures: 0,
    generation: 0,
    version: 0,
    openedAt: 0,
    openUntil: 0,
    trial: "",
    leaseUntil: 0,
  };
}

/**
 * The circuit rules, written once more in TypeScript: the Lua script in
 * `redis-circuit-script.ts` applies them in Redis, this applies them to a
 * replica's own copy while Redis is unreachable. A differential test keeps
 * the two in step.
 *
 * - closed: a failure of the current generation counts, the threshold-th
 *   opens (new generation, cooldown starts); a success resets the count.
 *   Outcomes of another generation are late (admitted before an opening) and
 *   change nothing.
 * - open: after the cooldown, the first `acquire_trial` moves to half-open
 *   and takes the trial; until then it answers "open".
 * - half-open: the trial holder's success closes, its failure reopens for a
 *   full cooldown, its release frees the trial for the next request. A trial
 *   whose lease ran out may be taken over; the old holder's outcome is then ignored.
 */
export function applyCircuitOperation(
  current: CircuitRecord,
  operation: CircuitOperation,
  policy: CircuitPolicy,
  now: number,
): { outcome: CircuitOutcome; record: CircuitRecord } {
  const record = { ...current };
  const unchanged = (outcome: CircuitOutcome) => ({ outcome, record: current });
  const saved = (outcome: CircuitOutcome) => {
    record.version += 1;
    return { outcome, record };
  };
  const open = () => {
    record.state = "open";
    record.generation += 1;
    record.openedAt = now;
    record.openUntil = now + policy.cooldownMs;
    record.trial = "";
    record.leaseUntil = 0;
  };

  switch (operation.kind) {
    case "observe":
      return unchanged("observed");
    case "failure":
      if (record.state !== "closed" || record.generation !== operation.generation)
        return unchanged("ignored");
      record.consecutiveFailures += 1;
      if (record.consecutiveFailures < policy.failureThreshold) return saved("counted");
      open();
      return saved("opened");
    case "success":
      if (
        record.state !== "closed" ||
        record.generation !== operation.generation ||
        record.consecutiveFailures === 0
      )
        return unchanged("ignored");
      record.consecutiveFailures = 0;
      return saved("reset");
    case "acquire_trial": {
      let outcome: CircuitOutcome;
      if (record.state === "closed") return unchanged("closed");
      if (record.state === "open") {
        if (now < record.openUntil) return unchanged("open");
        record.state = "half_open";
        outcome = "trial_after_cooldown";
      } else if (record.trial === "") {
        outcome = "trial";
      } else if (now < record.leaseUntil) {
        return unchanged("held");
      } else {
        outcome = "trial_taken_over";
      }
      record.trial = operation.token;
      record.leaseUntil = now + policy.trialLeaseMs;
      return saved(outcome);
    }
    default: {
      if (record.state !== "half_open" || record.trial !== operation.token) return unchanged("ignored");
      record.trial = "";
      record.leaseUntil = 0;
      if (operation.kind === "trial_success") {
        record.state = "closed";
        record.consecutiveFailures = 0;
        return saved("closed_by_trial");
      }
      if (operation.kind === "trial_failure") {
        open();
        return saved("reopened");
      }
      return saved("released");
    }
  }
}

/** The grants of `acquire_trial` that make the caller the trial. */
export function isTrialGrant(outcome: CircuitOutcome): boolean {
  return outcome === "trial_after_cooldown" || outcome === "trial" || outcome === "trial_taken_over";
}

// Shared by the Redis breaker and the cluster's IPC breaker, here so the IPC one loads no ioredis.

/** The transitions `LocalCircuitBreaker` reports, worded the same. */
export function transitionOf(
  outcome: CircuitOutcome,
  record: CircuitRecord,
  reason: string,
): Omit<CircuitTransition, "key"> | undefined {
  switch (outcome) {
    case "opened":
      return {
        from: "closed",
        to: "open",
        reason: `${record.consecutiveFailures} consecutive failures, last: ${reason}`,
      };
    case "trial_after_cooldown":
      return { from: "open", to: "half_open", reason: "cooldown elapsed; letting one trial request through" };
    case "closed_by_trial":
      return { from: "half_open", to: "closed", reason: "trial request succeeded" };
    case "reopened":
      return { from: "half_open", to: "open", reason: `trial request failed: ${reason}` };
    default:
      return undefined;
  }
}

export function opensCircuit(outcome: CircuitOutcome | undefined): boolean {
  return outcome === "opened" || outcome === "reopened";
}

export function settleOnce(
  isTrial: boolean,
  outcomes: { success(): void; failure(reason: string): Promise<boolean>; release(): void },
): CircuitPermit {
  let settled = false;
  const once =
    <A extends unknown[]>(outcome: (...args: A) => void) =>
    (...args: A) => {
      if (settled) return;
      settled = true;
      outcome(...args);
    };
  return {
    isTrial,
    success: once(outcomes.success),
    failure: (reason) => {
      if (settled) return Promise.resolve(false);
      settled = true;
      return outcomes.failure(reason);
    },
    release: once(outcomes.release),
  };
}
