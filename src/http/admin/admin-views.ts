import type { KeyLimits } from "../../config/gateway-config.js";
import { rateLimitStandingView } from "../../gateway/budget-standing.js";
import type { AdminKey, BudgetEntry } from "../../gateway/governance-admin.js";
import type { SpendReader } from "../../governance/spend-reader.js";
import type { BudgetEntryView, KeyView } from "./admin-schemas.js";

/** A key as the admin API answers it: snake_case, ISO times, nulls where unset. */
export async function keyView(entry: AdminKey, spend: SpendReader, nowMs: number): Promise<KeyView> {
  if (entry.source === "config") {
    const { principal } = entry;
    return {
      id: entry.id,
      name: principal.keyName,
      projects: principal.projects === "*" ? "*" : [...principal.projects],
      agents: principal.agents ? [...principal.agents] : null,
      models: null,
      budget: budgetView({}),
      limits: limitsView({}),
      expires_at: null,
      metadata: {},
      created_at: null,
      updated_at: null,
      revoked_at: null,
      secret_hint: null,
      source: "config",
      // Spend is kept per managed key; a config key's requests book to its projects only.
      spend: { today_usd: null, month_usd: null },
    };
  }
  const { key } = entry;
  // A listing keeps answering while the spend store (Redis) is down: the spend is then unknown, not zero.
  const spent = await spend.keySpend(key.id, nowMs).catch(() => undefined);
  return {
    id: key.id,
    name: key.name,
    projects: key.projects,
    agents: key.agents ?? null,
    models: key.models ?? null,
    budget: budgetView(key.limits),
    limits: limitsView(key.limits),
    expires_at: isoOrNull(key.expiresAtMs),
    metadata: key.metadata,
    created_at: isoOrNull(key.createdAtMs),
    updated_at: isoOrNull(key.updatedAtMs),
    revoked_at: isoOrNull(key.revokedAtMs),
    secret_hint: key.secretHint,
    source: "admin",
    spend: { today_usd: spent?.todayUsd ?? null, month_usd: spent?.monthUsd ?? null },
  };
}

export function budgetEntryView(entry: BudgetEntry): BudgetEntryView {
  return {
    scope: entry.scope,
    project_id: entry.projectId,
    agent_id: entry.agentId,
    key_id: entry.keyId,
    budget: budgetView(entry.limits),
    limits: limitsView(entry.limits),
    source: entry.source,
    standing: entry.standing.map((standing) => ({
      period: standing.period,
      limit_usd: standing.limitUsd,
      spent_usd: standing.spentUsd,
      held_usd: standing.heldUsd,
      resets_at: new Date(standing.resetsAtMs).toISOString(),
    })),
    rate_standing: entry.rateStanding.map(rateLimitStandingView),
  };
}

function budgetView(limits: KeyLimits): KeyView["budget"] {
  return { daily_usd: limits.dailyUsd ?? null, monthly_usd: limits.monthlyUsd ?? null };
}

function limitsView(limits: KeyLimits): KeyView["limits"] {
  return {
    requests_per_minute: limits.requestsPerMinute ?? null,
    tokens_per_minute: limits.tokensPerMinute ?? null,
  };
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
