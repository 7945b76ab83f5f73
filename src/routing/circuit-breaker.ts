export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  /** Epoch ms when the circuit last opened, if it is open or half open. */
  openedAt?: number;
}

/** The right to call a deployment once; report exactly one outcome. */
export interface CircuitPermit {
  /** This call is the half-open trial: its outcome closes or reopens the circuit. */
  readonly isTrial: boolean;
  success(): void;
  /**
   * Resolves true when this failure opened (or reopened) the circuit, so a
   * retry waiting on this deployment can be dropped at once; never rejects.
   */
  failure(reason: string): Promise<boolean>;
  /** Neither: the call said nothing about the deployment (the caller's 400, the caller left). */
  release(): void;
}

export interface CircuitTransition {
  key: string;
  from: CircuitState;
  to: CircuitState;
  reason: string;
}

/**
 * One circuit per deployment (provider + model). `tryAcquire` answers at once
 * (no waiting) and returns undefined while the circuit is open, so an open
 * circuit costs a request no time and the provider is never called.
 */
export interface CircuitBreaker {
  tryAcquire(key: string): Promise<CircuitPermit | undefined>;
  snapshot(key: string): Promise<CircuitSnapshot>;
  close(): Promise<void>;
}

export interface CircuitSettings {
  failureThreshold: number;
  cooldownMs: number;
  onTransition?: (transition: CircuitTransition) => void;
  now?: () => number;
}
