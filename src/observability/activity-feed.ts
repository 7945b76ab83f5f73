import type { FinishedRequest, GatewayObserver } from "../gateway/request-observer.js";
import type { CircuitTransition } from "../routing/circuit-breaker.js";

export interface FailoverEvent {
  at: string;
  requestId: string;
  projectId: string;
  group: string | null;
  /** The deployments that failed or were skipped, in order, then who answered (if anyone). */
  path: Array<{ provider: string; model: string; outcome: string; error?: string }>;
  answeredBy: string | null;
}

export interface CircuitEvent extends CircuitTransition {
  at: string;
}

/** The last few failovers and circuit transitions of this process, for the dashboard. */
export class ActivityFeed implements GatewayObserver {
  private readonly failovers: FailoverEvent[] = [];
  private readonly circuits: CircuitEvent[] = [];

  constructor(private readonly capacity = 50) {}

  requestFinished(request: FinishedRequest): void {
    if (!request.attempts.some((attempt) => attempt.outcome !== "success")) return;
    push(this.failovers, this.capacity, {
      at: new Date().toISOString(),
      requestId: request.requestId,
      projectId: request.projectId,
      group: request.modelGroup,
      path: request.attempts.map(({ provider, model, outcome, error }) => ({
        provider,
        model,
        outcome,
        ...(error ? { error } : {}),
      })),
      answeredBy: request.model ? `${request.provider}/${request.model}` : null,
    });
  }

  circuitChanged(transition: CircuitTransition): void {
    push(this.circuits, this.capacity, { at: new Date().toISOString(), ...transition });
  }

  /** Newest first. */
  recent(): { failovers: FailoverEvent[]; circuitTransitions: CircuitEvent[] } {
    return { failovers: [...this.failovers].reverse(), circuitTransitions: [...this.circuits].reverse() };
  }
}

function push<T>(list: T[], capacity: number, item: T): void {
  list.push(item);
  if (list.length > capacity) list.shift();
}
