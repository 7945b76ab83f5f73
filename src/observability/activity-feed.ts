import { mayActFor, type Principal, seesEveryProject } from "../gateway/principal.js";
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

/** A circuit transition without its reason, which may quote another project's upstream error. */
export type ScopedCircuitEvent = Omit<CircuitEvent, "reason"> & { reason?: string };

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

  /**
   * Newest first, as a client key may see them: its own projects' failovers only, and circuit
   * transitions (shared by every project) without their reason unless the key sees every project,
   * since a reason quotes the upstream error of whichever project's request tripped the circuit
   * (a 529 body echoing that request's prompt, say).
   */
  recentFor(principal: Principal | undefined): {
    failovers: FailoverEvent[];
    circuitTransitions: ScopedCircuitEvent[];
  } {
    return activityFor(this.recent(), principal);
  }
}

/** `ActivityFeed.recentFor` of events from anywhere (a cluster's workers, merged newest first). */
export function activityFor(
  recent: { failovers: FailoverEvent[]; circuitTransitions: CircuitEvent[] },
  principal: Principal | undefined,
): { failovers: FailoverEvent[]; circuitTransitions: ScopedCircuitEvent[] } {
  const seesReasons = seesEveryProject(principal);
  return {
    failovers: recent.failovers.filter((failover) => mayActFor(principal, failover.projectId)),
    circuitTransitions: seesReasons
      ? recent.circuitTransitions
      : recent.circuitTransitions.map(({ reason: _reason, ...transition }) => transition),
  };
}

function push<T>(list: T[], capacity: number, item: T): void {
  list.push(item);
  if (list.length > capacity) list.shift();
}
