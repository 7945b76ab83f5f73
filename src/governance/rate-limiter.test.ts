import { describe, expect, it } from "vitest";
import type { RateLimitConfig } from "../config/gateway-config.js";
import { applicableRateLimits, rateWindow, settleDelta } from "./rate-limiter.js";

describe("applicableRateLimits", () => {
  const config: RateLimitConfig = {
    defaultProjectRpm: 60,
    defaultAgentRpm: 10,
    defaultProjectTpm: 100_000,
    projects: {
      acme: { projectRpm: 600, agentTpm: 5_000, agents: { planner: { tpm: 9_000 }, quiet: { rpm: 1 } } },
      quiet: { agentRpm: 2 },
    },
  };
  const limitsOf = (
    projectId: string,
    agentId = "any",
    key?: { keyId: string; rpm?: number; tpm?: number },
  ) =>
    applicableRateLimits(config, {
      projectId,
      agentId,
      ...(key
        ? { keyId: key.keyId, keyLimits: { requestsPerMinute: key.rpm, tokensPerMinute: key.tpm } }
        : {}),
    }).map(({ scope, kind, limit }) => `${scope} ${kind} ${limit}`);

  it("takes a project's own limits over the defaults, one field at a time, in check order", () => {
    expect(limitsOf("acme")).toEqual([
      "project rpm 600",
      "project tpm 100000",
      "agent rpm 10",
      "agent tpm 5000",
    ]);
    expect(limitsOf("quiet")).toEqual(["project rpm 60", "project tpm 100000", "agent rpm 2"]);
    expect(limitsOf("constructor")).toEqual(["project rpm 60", "project tpm 100000", "agent rpm 10"]);
    expect(applicableRateLimits({ projects: {} }, { projectId: "acme", agentId: "a" })).toEqual([]);
  });

  it("takes an agent's own entry over the project's agent limits, field by field", () => {
    expect(limitsOf("acme", "planner")).toEqual([
      "project rpm 600",
      "project tpm 100000",
      "agent rpm 10",
      "agent tpm 9000",
    ]);
    expect(limitsOf("acme", "quiet")).toContain("agent rpm 1");
    expect(limitsOf("acme", "toString")).toContain("agent tpm 5000");
  });

  it("adds a managed key's limits last, and only for a managed key", () => {
    expect(limitsOf("quiet", "a", { keyId: "key_x", rpm: 5, tpm: 50 }).slice(-2)).toEqual([
      "key rpm 5",
      "key tpm 50",
    ]);
    expect(limitsOf("quiet", "a", { keyId: "key_x" })).toHaveLength(3);
  });
});

describe("rateWindow", () => {
  it("is the UTC minute holding the instant", () => {
    const start = Date.UTC(2026, 2, 14, 12, 1);
    expect(rateWindow(start)).toEqual({ index: start / 60_000, endMs: start + 60_000 });
    expect(rateWindow(start - 1)).toEqual({ index: start / 60_000 - 1, endMs: start });
  });
});

describe("settleDelta", () => {
  it("corrects the reservation in its own minute, and adds only the excess in a later one", () => {
    expect(settleDelta(300, 100, true)).toBe(-200);
    expect(settleDelta(300, 500, true)).toBe(200);
    expect(settleDelta(300, 100, false)).toBe(0);
    expect(settleDelta(300, 500, false)).toBe(200);
  });
});
