import { describe, expect, it } from "vitest";
import type { GatewayConfig } from "../config/gateway-config.js";
import { applyStoredLimits } from "./apply-stored-limits.js";

const config: Pick<GatewayConfig, "budgets" | "rateLimits"> = {
  budgets: { "proj-a": { dailyUsd: 1, monthlyUsd: 20, agents: { "agent-1": { dailyUsd: 0.5 } } } },
  rateLimits: {
    defaultProjectRpm: 100,
    projects: { "proj-a": { projectRpm: 60, agentRpm: 10, agents: { "agent-1": { rpm: 5 } } } },
  },
};

describe("applyStoredLimits", () => {
  it("is the config itself without stored limits", () => {
    expect(applyStoredLimits(config, [])).toEqual(config);
  });

  it("lays stored fields over the config's field by field, project and agent apart", () => {
    const applied = applyStoredLimits(config, [
      { projectId: "proj-a", limits: { dailyUsd: 3, tokensPerMinute: 1000 }, updatedAtMs: 0 },
      {
        projectId: "proj-a",
        agentId: "agent-1",
        limits: { monthlyUsd: 4, tokensPerMinute: 50 },
        updatedAtMs: 0,
      },
      { projectId: "proj-b", agentId: "agent-9", limits: { requestsPerMinute: 7 }, updatedAtMs: 0 },
    ]);
    expect(applied.budgets).toEqual({
      "proj-a": { dailyUsd: 3, monthlyUsd: 20, agents: { "agent-1": { dailyUsd: 0.5, monthlyUsd: 4 } } },
    });
    expect(applied.rateLimits).toEqual({
      defaultProjectRpm: 100,
      projects: {
        "proj-a": {
          projectRpm: 60,
          projectTpm: 1000,
          agentRpm: 10,
          agents: { "agent-1": { rpm: 5, tpm: 50 } },
        },
        "proj-b": { agents: { "agent-9": { rpm: 7 } } },
      },
    });
    // The config was not modified.
    expect(config.budgets["proj-a"]?.dailyUsd).toBe(1);
    expect(config.rateLimits.projects["proj-a"]?.projectTpm).toBeUndefined();
  });

  it("adds no budget for a project whose stored entry only sets rate limits", () => {
    const applied = applyStoredLimits(config, [
      { projectId: "proj-c", limits: { requestsPerMinute: 3 }, updatedAtMs: 0 },
    ]);
    expect(Object.keys(applied.budgets)).toEqual(["proj-a"]);
    expect(applied.rateLimits.projects["proj-c"]).toEqual({ projectRpm: 3 });
  });

  it("treats a project named like an Object.prototype member as a project", () => {
    const applied = applyStoredLimits(config, [
      { projectId: "constructor", limits: { dailyUsd: 1 }, updatedAtMs: 0 },
    ]);
    expect(applied.budgets.constructor).toEqual({ dailyUsd: 1, agents: {} });
  });
});
