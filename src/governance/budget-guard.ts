import type { BudgetLimits } from "../config/gateway-config.js";
import type { BudgetPeriod, BudgetScope } from "./budget-limits.js";
import { assertNanoUsd } from "./budget-limits.js";
import type { SpendScope } from "./spend-reader.js";

/** The managed client key a request came with: its spend is counted, and its own budget applies. */
export interface BudgetKey {
  keyId: string;
  /** Named in refusals; never the secret. */
  keyName: string;
  /** The key's own day and month budget, as it stood when the request authenticated. */
  limits?: BudgetLimits;
}

/** What the caller knows before any provider is called. */
export interface BudgetReservationRequest {
  projectId: string;
  agentId: string;
  /** The most this request can cost, integer nano-USD (`estimateMaxCostNanoUsd`). */
  maxCostNanoUsd: number;
  /** Unique per request; makes settling idempotent. */
  requestId: string;
  /** A managed key: its spend is booked at settle and its budget, if any, must fit too. */
  key?: BudgetKey;
}

/**
 * Budget held for one request in flight. Report exactly one outcome: the
 * first of `settle`/`release` on this object wins and later calls do
 * nothing. Neither rejects because the budget store is unreachable (that is
 * logged and, for `settle`, retried); they reject only on a bad amount.
 */
export interface BudgetReservation {
  readonly requestId: string;
  /** Nano-USD held against the budgets; 0 when no budget applies. */
  readonly heldNanoUsd: number;
  /**
   * Replaces the hold by the real cost, booked into the UTC day and month in
   * which it is settled. Idempotent per request id, across replicas too: a
   * request id settled once (by anyone) is never counted again.
   */
  settle(actualCostNanoUsd: number): Promise<void>;
  /** Drops the hold: the request failed before it cost anything. */
  release(): Promise<void>;
}

/**
 * Refuses a request before any provider is called when its estimated maximum
 * would not fit a budget: spent + held by requests in flight + this request
 * must fit every limit that applies (project day and month, agent day and
 * month, the managed key's day and month). Limits are read from the
 * `GovernancePolicy` on every call, so a change applies to the next request;
 * spend booked before a budget existed counts (seeded from the usage store).
 * A refusal is a `GatewayError("GW_ERR_BUDGET_EXCEEDED")` naming
 * the budget, its limit, what is spent and held, and when it resets.
 *
 * Reserving an id that is already held returns a reservation for it without
 * holding twice. Reserving an id already settled (a replay) is checked and
 * held like any request, but its settle counts nothing, as the usage store
 * books a request id once. Holds expire on their own after the reservation
 * TTL, so a crashed process never keeps budget held.
 */
export interface BudgetGuard {
  reserve(request: BudgetReservationRequest): Promise<BudgetReservation>;
  /**
   * Where each period `limits` sets on a scope stands now (day first); empty
   * when it sets none. The caller passes the limits (the policy's, a key's),
   * so the admin API can show a limit the guard has not used yet. Spend of a
   * project or agent is seeded from the usage store as a reserve would.
   */
  standings(scope: SpendScope, limits: BudgetLimits | undefined): Promise<PeriodStanding[]>;
  /** Sends what is still pending (settles queued while the store was down), best effort. */
  close(): Promise<void>;
}

/** One budget period of a scope: its limit, what is spent and held in it, and when it resets. */
export interface PeriodStanding {
  period: BudgetPeriod;
  limitNanoUsd: number;
  spentNanoUsd: number;
  heldNanoUsd: number;
  resetsAtMs: number;
}

/**
 * A budget's standing right after a settle booked into it, or when it refused a request: what
 * budget alerts (80 %, 100 %) are computed from. Only budgets set at that moment are reported.
 */
export interface BudgetStandingChange {
  scope: BudgetScope;
  projectId?: string;
  agentId?: string;
  keyId?: string;
  /** The key's name, for people; never its secret. */
  keyName?: string;
  period: BudgetPeriod;
  limitNanoUsd: number;
  spentNanoUsd: number;
  /** Epoch ms: the end of the UTC day or month. */
  resetsAt: number;
  /** The budget just refused a request (holds keep settled spend below the limit, so it may never reach 100 %). */
  refused?: boolean;
}

/** Told of standings after settles and refusals; must not throw (a throw is swallowed). */
export type BudgetStandingListener = (change: BudgetStandingChange) => void;

/** Calls the listener, never letting it break a settle or a refusal. */
export function tellStanding(
  listener: BudgetStandingListener | undefined,
  change: BudgetStandingChange,
): void {
  if (!listener) return;
  try {
    listener(change);
  } catch {
    // A listener's failure is its own; budgets go on.
  }
}

/** The change of one limit of a request: scope ids filled from the request. */
export function standingChange(
  request: Pick<BudgetReservationRequest, "projectId" | "agentId" | "key">,
  limit: { scope: BudgetScope; period: BudgetPeriod; limitNanoUsd: number },
  spentNanoUsd: number,
  resetsAt: number,
  refused = false,
): BudgetStandingChange {
  return {
    scope: limit.scope,
    ...(limit.scope !== "key" ? { projectId: request.projectId } : {}),
    ...(limit.scope === "agent" ? { agentId: request.agentId } : {}),
    ...(limit.scope === "key" && request.key
      ? { keyId: request.key.keyId, keyName: request.key.keyName }
      : {}),
    period: limit.period,
    limitNanoUsd: limit.limitNanoUsd,
    spentNanoUsd,
    resetsAt,
    ...(refused ? { refused: true } : {}),
  };
}

/** Nano-USD booked for the project (or one of its agents) since `fromMs`: the usage store's answer. */
export type SpentSince = (projectId: string, agentId: string | undefined, fromMs: number) => Promise<number>;

/** Default hold lifetime: beyond any request the gateway lets run (its request timeout is far shorter). */
export const defaultReservationTtlMs = 15 * 60_000;

/** The reservation of a request no budget applies to: nothing held, nothing to report. */
export function unlimitedReservation(requestId: string): BudgetReservation {
  return { requestId, heldNanoUsd: 0, settle: async () => {}, release: async () => {} };
}

/** Wraps the two outcome calls so only the first one reaches the store. */
export function onceReservation(
  requestId: string,
  heldNanoUsd: number,
  outcome: { settle(actualCostNanoUsd: number): Promise<void>; release(): Promise<void> },
): BudgetReservation {
  let reported = false;
  return {
    requestId,
    heldNanoUsd,
    async settle(actualCostNanoUsd) {
      assertNanoUsd(actualCostNanoUsd, "actualCostNanoUsd");
      if (reported) return;
      reported = true;
      await outcome.settle(actualCostNanoUsd);
    },
    async release() {
      if (reported) return;
      reported = true;
      await outcome.release();
    },
  };
}
