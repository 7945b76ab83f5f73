import { describe, expect, it } from "vitest";
import { applicableRateLimits, rateWindow } from "./rate-limiter.js";

describe("applicableRateLimits", () => {
  const config = {
    defaultProjectRpm: 60,
    defaultAgentRpm: 10,
    projects: { acme: { projectRpm: 600 }, quiet: { agentRpm: 2 } },
  };

  it("takes a project's own limits over the defaults, one field at a time", () => {
    expect(applicableRateLimits(config, "acme")).toEqual({ projectRpm: 600, agentRpm: 10 });
    expect(applicableRateLimits(config, "quiet")).toEqual({ projectRpm: 60, agentRpm: 2 });
    expect(applicableRateLimits(config, "constructor")).toEqual({ projectRpm: 60, agentRpm: 10 });
    expect(applicableRateLimits({ projects: {} }, "acme")).toEqual({
      projectRpm: undefined,
      agentRpm: undefined,
    });
  });
});

describe("rateWindow", () => {
  it("is the UTC minute holding the instant", () => {
    const start = Date.UTC(2026, 2, 14, 12, 1);
    expect(rateWindow(start)).toEqual({ index: start / 60_000, endMs: start + 60_000 });
    expect(rateWindow(start - 1)).toEqual({ index: start / 60_000 - 1, endMs: start });
  });
});
