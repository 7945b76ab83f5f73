import type {
  GatewayConfig,
  KeyLimits,
  ProjectBudget,
  ProjectRateLimits,
  RateLimitConfig,
} from "../config/gateway-config.js";
import type { StoredLimits } from "./governance-settings.js";

/**
 * The config's budgets and rate limits with the stored ones laid over, field
 * by field: a stored project daily budget replaces the config's daily budget
 * of that project and leaves its monthly one (and every other project) as
 * configured. The config's objects are never modified.
 */
export function applyStoredLimits(
  config: Pick<GatewayConfig, "budgets" | "rateLimits">,
  stored: readonly StoredLimits[],
): { budgets: Record<string, ProjectBudget>; rateLimits: RateLimitConfig } {
  const budgets: Record<string, ProjectBudget> = { ...config.budgets };
  const projects: Record<string, ProjectRateLimits> = { ...config.rateLimits.projects };
  for (const entry of stored) {
    const { limits } = entry;
    if (limits.dailyUsd !== undefined || limits.monthlyUsd !== undefined) {
      const project = ownValue(budgets, entry.projectId) ?? { agents: {} };
      if (entry.agentId === undefined) {
        budgets[entry.projectId] = { ...project, ...usdFields(limits) };
      } else {
        const agent = ownValue(project.agents, entry.agentId) ?? {};
        budgets[entry.projectId] = {
          ...project,
          agents: { ...project.agents, [entry.agentId]: { ...agent, ...usdFields(limits) } },
        };
      }
    }
    if (limits.requestsPerMinute !== undefined || limits.tokensPerMinute !== undefined) {
      const project = ownValue(projects, entry.projectId) ?? {};
      if (entry.agentId === undefined) {
        projects[entry.projectId] = {
          ...project,
          ...(limits.requestsPerMinute !== undefined ? { projectRpm: limits.requestsPerMinute } : {}),
          ...(limits.tokensPerMinute !== undefined ? { projectTpm: limits.tokensPerMinute } : {}),
        };
      } else {
        const agent = (project.agents && ownValue(project.agents, entry.agentId)) ?? {};
        projects[entry.projectId] = {
          ...project,
          agents: {
            ...project.agents,
            [entry.agentId]: {
              ...agent,
              ...(limits.requestsPerMinute !== undefined ? { rpm: limits.requestsPerMinute } : {}),
              ...(limits.tokensPerMinute !== undefined ? { tpm: limits.tokensPerMinute } : {}),
            },
          },
        };
      }
    }
  }
  return { budgets, rateLimits: { ...config.rateLimits, projects } };
}

function usdFields(limits: KeyLimits): { dailyUsd?: number; monthlyUsd?: number } {
  return {
    ...(limits.dailyUsd !== undefined ? { dailyUsd: limits.dailyUsd } : {}),
    ...(limits.monthlyUsd !== undefined ? { monthlyUsd: limits.monthlyUsd } : {}),
  };
}

/** Own keys only: a project named "constructor" is a project, not Object.prototype's. */
function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
