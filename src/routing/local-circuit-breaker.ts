import type {
  CircuitBreaker,
  CircuitPermit,
  CircuitSettings,
  CircuitSnapshot,
  CircuitState,
} from "./circuit-breaker.js";

interface Circuit {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: number;
  trialInFlight: boolean;
}

/**
 * Circuit state in this process's memory: the single-replica breaker. State
 * changes are synchronous, so "exactly one half-open trial" holds however
 * many requests arrive in the same tick.
 */
export class LocalCircuitBreaker implements CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;

  constructor(private readonly settings: CircuitSettings) {
    this.now = settings.now ?? Date.now;
  }

  async tryAcquire(key: string): Promise<CircuitPermit | undefined> {
    return this.acquireNow(key);
  }

  /** Synchronous core of `tryAcquire`, exposed for the hot path. */
  acquireNow(key: string): CircuitPermit | undefined {
    const circuit = this.circuitFor(key);
    if (circuit.state === "closed") return this.permit(key, circuit, false);
    if (circuit.state === "open") {
      if (this.now() - circuit.openedAt < this.settings.cooldownMs) return undefined;
      this.transition(key, circuit, "half_open", "cooldown elapsed; letting one trial request through");
    }
    if (circuit.trialInFlight) return undefined;
    circuit.trialInFlight = true;
    return this.permit(key, circuit, true);
  }

  async snapshot(key: string): Promise<CircuitSnapshot> {
    const circuit = this.circuits.get(key);
    if (!circuit) return { state: "closed", consecutiveFailures: 0 };
    // An open circuit whose cooldown passed admits a trial: report it as such.
    const state =
      circuit.state === "open" && this.now() - circuit.openedAt >= this.settings.cooldownMs
        ? "half_open"
        : circuit.state;
    return {
      state,
      consecutiveFailures: circuit.consecutiveFailures,
      ...(circuit.state !== "closed" ? { openedAt: circuit.openedAt } : {}),
    };
  }

  async close(): Promise<void> {}

  private circuitFor(key: string): Circuit {
    let circuit = this.circuits.get(key);
    if (!circuit) {
      circuit = { state: "closed", consecutiveFailures: 0, openedAt: 0, trialInFlight: false };
      this.circuits.set(key, circuit);
    }
    return circuit;
  }

  private permit(key: string, circuit: Circuit, isTrial: boolean): CircuitPermit {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const opened = (outcome: () => void): Promise<boolean> => {
      const wasOpen = circuit.state === "open";
      settle(outcome);
      return Promise.resolve(!wasOpen && circuit.state === "open");
    };
    return {
      isTrial,
      success: () =>
        settle(() => {
          if (isTrial) {
            circuit.trialInFlight = false;
            circuit.consecutiveFailures = 0;
            this.transition(key, circuit, "closed", "trial request succeeded");
          } else if (circuit.state === "closed") {
            circuit.consecutiveFailures = 0;
          }
        }),
      failure: (reason) =>
        opened(() => {
          if (isTrial) {
            circuit.trialInFlight = false;
            circuit.openedAt = this.now();
            this.transition(key, circuit, "open", `trial request failed: ${reason}`);
            return;
          }
          // Late outcomes of calls admitted before the circuit opened change nothing.
          if (circuit.state !== "closed") return;
          circuit.consecutiveFailures += 1;
          if (circuit.consecutiveFailures >= this.settings.failureThreshold) {
            circuit.openedAt = this.now();
            this.transition(
              key,
              circuit,
              "open",
              `${circuit.consecutiveFailures} consecutive failures, last: ${reason}`,
            );
          }
        }),
      release: () =>
        settle(() => {
          if (isTrial) circuit.trialInFlight = false;
        }),
    };
  }

  private transition(key: string, circuit: Circuit, to: CircuitState, reason: string): void {
    const from = circuit.state;
    if (from === to) return;
    circuit.state = to;
    this.settings.onTransition?.({ key, from, to, reason });
  }
}
