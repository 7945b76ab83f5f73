import type { BudgetLimits } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
import type { GovernancePolicy } from "../governance/governance-policy.js";
import type { RateLimiter, RateLimitScope, RateLimitStanding } from "../governance/rate-limiter.js";
import type { BudgetStanding, SpendReader } from "../governance/spend-reader.js";
import type { Principal } from "./principal.js";

/** One budget period as get_usage shows it (snake_case: a public contract, like the admin API's BudgetEntry). */
export interface BudgetStandingView {
  period: "day" | "month";
  limit_usd: number;
  spent_usd: number;
  /** Held by requests in flight (their estimated maximum), not booked yet. */
  held_usd: number;
  /** ISO-8601 UTC: the end of the UTC day or month. */
  resets_at: string;
}

/** One rate limit in the current UTC minute, as get_usage and the admin API show it. */
export interface RateLimitStandingView {
  scope: RateLimitScope;
  limit: "requests_per_minute" | "tokens_per_minute";
  allowed: number;
  used: number;
  /** ISO-8601 UTC: the end of the current minute. */
  resets_at: string;
}

/** get_usage's `budgets`: where the caller's own budgets stand now, whatever period the usage covers. */
export interface UsageBudgets {
  /** The project's budget periods; empty when it has no budget. */
  project: BudgetStandingView[];
  /** Present when the usage is filtered to one agent: that agent's own budget periods. */
  agent?: { agent_id: string; standing: BudgetStandingView[] };
  /** Present when the caller's client key is a managed key: its own budget periods and its spend. */
  key?: {
    key_id: string;
    name: string;
    standing: BudgetStandingView[];
    spend: { today_usd: number; month_usd: number };
  };
  /** The requests and tokens per minute limits of the same scopes, this minute. */
  rate_standing: RateLimitStandingView[];
}

/** Reads the standings; an unreachable budget store is said as such, like the usage store. */
export async function readUsageBudgets(
  reader: SpendReader,
  rateLimiter: RateLimiter,
  policy: GovernancePolicy,
  request: { projectId: string; agentId?: string },
  principal: Principal | undefined,
  nowMs: number = Date.now(),
): Promise<UsageBudgets> {
  const { projectId, agentId } = request;
  const budgets = policy.budgets();
  const project = Object.hasOwn(budgets, projectId) ? budgets[projectId] : undefined;
  const agentBudget =
    agentId !== undefined && project && Object.hasOwn(project.agents, agentId)
      ? project.agents[agentId]
      : undefined;
  const view = async (scope: Parameters<SpendReader["standing"]>[0], limits: BudgetLimits | undefined) =>
    (await reader.standing(scope, periodsOf(limits), nowMs)).map(standingView);
  try {
    const keyId = principal?.keyId;
    const rateScopes: RateLimitScope[] = [
      "project",
      ...(agentId !== undefined ? (["agent"] as const) : []),
      ...(keyId !== undefined ? (["key"] as const) : []),
    ];
    const [projectStanding, agentStanding, key, rateLimits] = await Promise.all([
      view({ scope: "project", projectId }, project),
      agentId === undefined ? undefined : view({ scope: "agent", projectId, agentId }, agentBudget),
      principal?.keyId === undefined
        ? undefined
        : Promise.all([
            view({ scope: "key", keyId: principal.keyId }, principal.limits),
            reader.keySpend(principal.keyId, nowMs),
          ]),
      rateLimiter.standing(
        {
          projectId,
          agentId: agentId ?? "",
          ...(keyId !== undefined ? { keyId, keyLimits: principal?.limits ?? {} } : {}),
        },
        rateScopes,
      ),
    ]);
    return {
      project: projectStanding,
      ...(agentId !== undefined && agentStanding
        ? { agent: { agent_id: agentId, standing: agentStanding } }
        : {}),
      ...(key && principal?.keyId !== undefined
        ? {
            key: {
              key_id: principal.keyId,
              name: principal.keyName,
              standing: key[0],
              spend: { today_usd: key[1].todayUsd, month_usd: key[1].monthUsd },
            },
          }
        : {}),
      rate_standing: rateLimits.map(rateLimitStandingView),
    };
  } catch (error) {
    if (error instanceof GatewayError || error instanceof RangeError) throw error;
    throw new GatewayError(
      "GW_ERR_STORE_UNAVAILABLE",
      "The budget store is unreachable, so budget standings cannot be read right now. Retry shortly.",
      { cause: error, retryAfterSeconds: 5 },
    );
  }
}

/** Only the USD periods: a key's limits also carry its rate limits. */
function periodsOf(limits: BudgetLimits | undefined): BudgetLimits {
  return {
    ...(limits?.dailyUsd !== undefined ? { dailyUsd: limits.dailyUsd } : {}),
    ...(limits?.monthlyUsd !== undefined ? { monthlyUsd: limits.monthlyUsd } : {}),
  };
}

function standingView(standing: BudgetStanding): BudgetStandingView {
  return {
    period: standing.period,
    limit_usd: standing.limitUsd,
    spent_usd: standing.spentUsd,
    held_usd: standing.heldUsd,
    resets_at: new Date(standing.resetsAtMs).toISOString(),
  };
}

export function rateLimitStandingView(standing: RateLimitStanding): RateLimitStandingView {
  return {
    scope: standing.scope,
    limit: standing.kind === "rpm" ? "requests_per_minute" : "tokens_per_minute",
    allowed: standing.limit,
    used: standing.used,
    resets_at: new Date(standing.resetsAtMs).toISOString(),
  };
}
