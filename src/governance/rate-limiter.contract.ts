import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RateLimitConfig } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
import type { RateLimiter, RateLimitRequest } from "./rate-limiter.js";

/** Fresh shared state on which limiters ("replicas") can be opened, more than once. */
export interface RateLimiterHarness {
  open(config: RateLimitConfig, now: () => number): Promise<RateLimiter>;
  cleanup(): Promise<void>;
}

/** Runs every check at once; returns how many were admitted and the refusals. */
export async function checkMany(
  limiter: RateLimiter,
  requests: RateLimitRequest[],
): Promise<{ admitted: number; refusals: GatewayError[] }> {
  const outcomes = await Promise.allSettled(requests.map((request) => limiter.check(request)));
  const refusals = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
  for (const refused of refusals) expect(refused).toBeInstanceOf(GatewayError);
  return { admitted: outcomes.length - refusals.length, refusals: refusals as GatewayError[] };
}

export function repeat(request: RateLimitRequest, times: number): RateLimitRequest[] {
  return Array.from({ length: times }, () => request);
}

const planner = { projectId: "acme", agentId: "planner" };
const coder = { projectId: "acme", agentId: "coder" };

/** The behaviour every RateLimiter owes its callers, run by each implementation's test. */
export function runRateLimiterContract(name: string, createHarness: () => Promise<RateLimiterHarness>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    let harness: RateLimiterHarness;
    // 2026-03-14T12:00:15Z: 45 s left in this minute.
    let nowMs = Date.UTC(2026, 2, 14, 12, 0, 15);
    const now = () => nowMs;
    const open = (config: Partial<RateLimitConfig>) => harness.open({ projects: {}, ...config }, now);

    beforeEach(async () => {
      nowMs = Date.UTC(2026, 2, 14, 12, 0, 15);
      harness = await createHarness();
    });

    afterEach(() => harness.cleanup());

    it("lets everything through when no limit is configured", async () => {
      const limiter = await open({ projects: { other: { projectRpm: 1 } } });
      expect((await checkMany(limiter, repeat(planner, 200))).admitted).toBe(200);
    });

    it("admits exactly the project's requests per minute and says when to retry", async () => {
      const limiter = await open({ defaultProjectRpm: 5 });
      const { admitted, refusals } = await checkMany(limiter, [...repeat(planner, 4), ...repeat(coder, 4)]);
      expect(admitted).toBe(5);
      expect(refusals).toHaveLength(3);
      const refusal = refusals[0] as GatewayError;
      expect(refusal.code).toBe("GW_ERR_RATE_LIMITED");
      expect(refusal.status).toBe(429);
      expect(refusal.retryAfterSeconds).toBe(45);
      expect(refusal.message).toContain('project "acme" may send 5 requests per minute');
      expect(refusal.message).toContain("Retry in 45 s (at 2026-03-14T12:01:00.000Z)");
      expect(refusal.details).toEqual({
        scope: "project",
        project_id: "acme",
        limit_rpm: 5,
        resets_at: "2026-03-14T12:01:00.000Z",
      });
    });

    it("starts a fresh window each UTC minute, without counting the refused requests", async () => {
      const limiter = await open({ defaultProjectRpm: 3 });
      expect((await checkMany(limiter, repeat(planner, 10))).admitted).toBe(3);
      nowMs = Date.UTC(2026, 2, 14, 12, 0, 59, 999);
      const late = await checkMany(limiter, repeat(planner, 1));
      expect(late.refusals[0]?.retryAfterSeconds).toBe(1);
      nowMs += 1;
      expect((await checkMany(limiter, repeat(planner, 10))).admitted).toBe(3);
    });

    it("allows a burst of 2N across a minute boundary (the documented fixed-window trade-off)", async () => {
      const limiter = await open({ defaultProjectRpm: 4 });
      nowMs = Date.UTC(2026, 2, 14, 12, 0, 59, 999);
      expect((await checkMany(limiter, repeat(planner, 6))).admitted).toBe(4);
      nowMs += 1;
      expect((await checkMany(limiter, repeat(planner, 6))).admitted).toBe(4);
    });

    it("limits each agent inside its project, and the project across its agents", async () => {
      const limiter = await open({
        defaultProjectRpm: 100,
        projects: { acme: { projectRpm: 5, agentRpm: 2 } },
      });
      const { refusals } = await checkMany(limiter, repeat(planner, 3));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]?.message).toContain(
        'agent "planner" in project "acme" may send 2 requests per minute',
      );
      expect(refusals[0]?.details).toMatchObject({ scope: "agent", agent_id: "planner", limit_rpm: 2 });
      expect((await checkMany(limiter, repeat(coder, 3))).admitted).toBe(2);
      // 4 of acme's 5 are used; agents refused by their own limit did not spend the project's.
      const third = await checkMany(limiter, repeat({ projectId: "acme", agentId: "reviewer" }, 2));
      expect(third.admitted).toBe(1);
      expect(third.refusals[0]?.details).toMatchObject({ scope: "project", limit_rpm: 5 });
      // Another project falls back to the default, and is counted apart.
      expect(
        (await checkMany(limiter, repeat({ projectId: "other", agentId: "planner" }, 100))).admitted,
      ).toBe(100);
    });

    it("applies the default agent limit to every agent of a project without its own", async () => {
      const limiter = await open({ defaultAgentRpm: 2, projects: { acme: { projectRpm: 10 } } });
      expect((await checkMany(limiter, repeat(planner, 5))).admitted).toBe(2);
      expect((await checkMany(limiter, repeat(coder, 5))).admitted).toBe(2);
      expect((await checkMany(limiter, repeat({ projectId: "b", agentId: "planner" }, 5))).admitted).toBe(2);
    });
  });
}
