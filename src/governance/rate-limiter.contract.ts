import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RateLimitConfig } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
import type { GovernancePolicy } from "./governance-policy.js";
import type { RateLimiter, RateLimitRequest } from "./rate-limiter.js";

/** Fresh shared state on which limiters ("replicas") can be opened, more than once. */
export interface RateLimiterHarness {
  open(policy: GovernancePolicy, now: () => number): Promise<RateLimiter>;
  cleanup(): Promise<void>;
}

/** A policy whose rate limits are whatever `limits` holds when asked. */
export function policyOf(limits: () => RateLimitConfig): GovernancePolicy {
  return { budgets: () => ({}), rateLimits: limits };
}

/**
 * Runs every check at once; returns how many were admitted and the refusals.
 * With `estimate`, each request's input is estimated at that many tokens.
 */
export async function checkMany(
  limiter: RateLimiter,
  requests: RateLimitRequest[],
  estimate?: number,
): Promise<{ admitted: number; refusals: GatewayError[] }> {
  const outcomes = await Promise.allSettled(
    requests.map((request) =>
      limiter.check(request, estimate === undefined ? undefined : async () => estimate),
    ),
  );
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
    const open = (config: Partial<RateLimitConfig>) =>
      harness.open(
        policyOf(() => ({ projects: {}, ...config })),
        now,
      );
    let requestCount = 0;
    /** A request with a fresh id, so its token reservation can be settled. */
    const fresh = (request: RateLimitRequest): RateLimitRequest => ({
      ...request,
      requestId: `request-${++requestCount}`,
    });
    /** Admits `request` with an input estimate of `tokens`; returns its id, or the refusal. */
    const reserve = async (limiter: RateLimiter, request: RateLimitRequest, tokens: number) => {
      const withId = fresh(request);
      await limiter.check(withId, async () => tokens);
      return withId.requestId as string;
    };
    const refusalOf = (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error("admitted, expected a refusal");
        },
        (error: unknown) => {
          expect(error).toBeInstanceOf(GatewayError);
          return error as GatewayError;
        },
      );

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

    it("gives an agent's own entry precedence over the project's agent limits, field by field", async () => {
      const limiter = await open({
        defaultAgentRpm: 1,
        projects: {
          acme: { agentRpm: 2, agentTpm: 100, agents: { planner: { rpm: 4 }, coder: { tpm: 10 } } },
        },
      });
      expect((await checkMany(limiter, repeat(planner, 6))).admitted).toBe(4);
      // coder keeps the project's 2 requests, with its own 10 tokens.
      await reserve(limiter, coder, 4);
      const refusal = await refusalOf(limiter.check(fresh(coder), async () => 7));
      expect(refusal.message).toContain('agent "coder" in project "acme" may use 10 tokens per minute');
      await reserve(limiter, coder, 6);
      expect((await refusalOf(limiter.check(fresh(coder), async () => 0))).details).toMatchObject({
        limit_rpm: 2,
      });
      // An agent without an entry keeps the project's agent limits.
      expect(
        (await checkMany(limiter, repeat({ projectId: "acme", agentId: "reviewer" }, 1), 100)).admitted,
      ).toBe(1);
    });

    it("reserves each request's estimated input and refuses what would pass the project's tokens per minute", async () => {
      const limiter = await open({ defaultProjectTpm: 1_000 });
      const { admitted, refusals } = await checkMany(limiter, repeat(planner, 5), 300);
      expect(admitted).toBe(3);
      const refusal = refusals[0] as GatewayError;
      expect(refusal.code).toBe("GW_ERR_RATE_LIMITED");
      expect(refusal.status).toBe(429);
      expect(refusal.retryAfterSeconds).toBe(45);
      expect(refusal.message).toBe(
        'Rate limit exceeded: project "acme" may use 1000 tokens per minute; 900 are used this minute ' +
          "and this request's input is estimated at 300. Retry in 45 s (at 2026-03-14T12:01:00.000Z).",
      );
      expect(refusal.details).toEqual({
        scope: "project",
        project_id: "acme",
        limit_tpm: 1_000,
        used: 900,
        requested: 300,
        resets_at: "2026-03-14T12:01:00.000Z",
      });
      // 100 are left, and a smaller request fits them exactly.
      expect((await checkMany(limiter, repeat(coder, 2), 100)).admitted).toBe(1);
    });

    it("counts no tokens for a check without an estimate (count_tokens spends none)", async () => {
      const limiter = await open({ defaultProjectTpm: 10, defaultProjectRpm: 3 });
      expect((await checkMany(limiter, repeat(planner, 5))).admitted).toBe(3);
    });

    it("refuses a request whose estimate alone passes the limit, saying waiting will not help", async () => {
      const limiter = await open({ defaultProjectTpm: 1_000, defaultProjectRpm: 10 });
      const refusal = await refusalOf(limiter.check(fresh(planner), async () => 1_001));
      expect(refusal.code).toBe("GW_ERR_RATE_LIMITED");
      expect(refusal.retryAfterSeconds).toBeUndefined();
      expect(refusal.message).toContain(
        'its input is estimated at 1001 tokens, more than the 1000 tokens per minute project "acme" may use, so it can never be admitted',
      );
      expect(refusal.details).toMatchObject({ scope: "project", limit_tpm: 1_000, requested: 1_001 });
      // It counted nothing: the whole minute is still there.
      expect((await checkMany(limiter, repeat(planner, 1), 1_000)).admitted).toBe(1);
    });

    it("replaces a reservation by the booked input + output, once per request id", async () => {
      const limiter = await open({ defaultProjectTpm: 1_000 });
      const first = await reserve(limiter, planner, 600);
      // 600 reserved: a 500 does not fit.
      await refusalOf(limiter.check(fresh(planner), async () => 500));
      await limiter.settle(first, 200);
      // 200 used: 800 fit, and the settle counted once however often it is repeated.
      await limiter.settle(first, 200);
      await limiter.settle(first, 50);
      await limiter.release(first);
      const second = await reserve(limiter, coder, 800);
      const refusal = await refusalOf(limiter.check(fresh(planner), async () => 1));
      expect(refusal.details).toMatchObject({ used: 1_000 });
      // Settled above its estimate (a long answer): the minute is over-full, and nothing more fits.
      await limiter.settle(second, 1_500);
      expect((await refusalOf(limiter.check(fresh(planner), async () => 0))).details).toMatchObject({
        used: 1_700,
      });
      // Unknown ids (no reservation: no limit applied when admitted) are no-ops.
      await limiter.settle("never-reserved", 10_000);
      await limiter.release("never-reserved");
    });

    it("counts tokens booked for a request under another id (a hedge's loser) with its settle or release", async () => {
      const limiter = await open({ defaultProjectTpm: 1_000 });
      const answered = await reserve(limiter, planner, 300);
      limiter.addBookedTokens(answered, 200);
      await limiter.settle(answered, 400);
      limiter.addBookedTokens(answered, 5_000);
      const failed = await reserve(limiter, coder, 100);
      limiter.addBookedTokens(failed, 150);
      await limiter.release(failed);
      limiter.addBookedTokens("never-reserved", 5_000);
      // 600 + 150 used.
      const refusal = await refusalOf(limiter.check(fresh(planner), async () => 251));
      expect(refusal.details).toMatchObject({ used: 750 });
    });

    it("gives a released reservation back (the request failed before anything was booked)", async () => {
      const limiter = await open({ defaultProjectTpm: 1_000, defaultAgentTpm: 700 });
      const failed = await reserve(limiter, planner, 700);
      expect((await checkMany(limiter, repeat(planner, 1), 1)).admitted).toBe(0);
      await limiter.release(failed);
      await limiter.settle(failed, 700);
      expect((await checkMany(limiter, repeat(planner, 1), 700)).admitted).toBe(1);
      expect((await checkMany(limiter, repeat(coder, 1), 300)).admitted).toBe(1);
      expect((await checkMany(limiter, repeat(coder, 1), 1)).admitted).toBe(0);
    });

    it("counts a request settled in a later minute by what exceeds its reservation, in that minute", async () => {
      const limiter = await open({ defaultProjectTpm: 1_000 });
      const long = await reserve(limiter, planner, 400);
      const short = await reserve(limiter, coder, 400);
      nowMs = Date.UTC(2026, 2, 14, 12, 1, 5);
      // A fresh minute: the old reservations are gone with it.
      const early = await reserve(limiter, coder, 100);
      await limiter.settle(long, 900);
      await limiter.settle(short, 100);
      await limiter.release(early);
      // 0 (early released) + 500 (long's output beyond its 400) in this minute: 500 left.
      expect((await checkMany(limiter, repeat(planner, 1), 501)).admitted).toBe(0);
      expect((await checkMany(limiter, repeat(planner, 1), 500)).admitted).toBe(1);
      nowMs = Date.UTC(2026, 2, 14, 12, 2);
      expect((await checkMany(limiter, repeat(planner, 1), 1_000)).admitted).toBe(1);
    });

    it("reads the policy on every check: a limit changed at runtime applies to the next request", async () => {
      let limits: RateLimitConfig = { projects: {} };
      const limiter = await harness.open(
        policyOf(() => limits),
        now,
      );
      expect((await checkMany(limiter, repeat(planner, 5), 100)).admitted).toBe(5);
      limits = { projects: { acme: { projectRpm: 7, projectTpm: 450 } } };
      // Counting starts with the limit: the 5 admitted before it were not counted.
      expect((await checkMany(limiter, repeat(planner, 6), 100)).admitted).toBe(4);
      limits = { projects: { acme: { projectRpm: 7, projectTpm: 10_000 } } };
      expect((await checkMany(limiter, repeat(planner, 6), 100)).admitted).toBe(3);
      limits = { projects: {} };
      expect((await checkMany(limiter, repeat(planner, 6), 100)).admitted).toBe(6);
    });

    it("limits a client key across every project it acts for, checked after the project and agent", async () => {
      const limiter = await open({ defaultProjectRpm: 3 });
      const key = { keyId: "key_abc", keyLimits: { requestsPerMinute: 4, tokensPerMinute: 1_000 } };
      expect((await checkMany(limiter, repeat({ ...planner, ...key }, 3))).admitted).toBe(3);
      // The project refuses first: its refusal names the project, and the key's 4th is still free.
      const projectFirst = await refusalOf(limiter.check(fresh({ ...planner, ...key })));
      expect(projectFirst.details).toMatchObject({ scope: "project" });
      const { refusals } = await checkMany(limiter, repeat({ projectId: "beta", agentId: "x", ...key }, 3));
      expect(refusals).toHaveLength(2);
      expect(refusals[0]?.message).toContain("client key key_abc may send 4 requests per minute");
      expect(refusals[0]?.details).toEqual({
        scope: "key",
        project_id: "beta",
        key_id: "key_abc",
        limit_rpm: 4,
        resets_at: "2026-03-14T12:01:00.000Z",
      });
      // Refused by the key, beta counted nothing: another key (or none) still has beta's 3.
      expect((await checkMany(limiter, repeat({ projectId: "beta", agentId: "x" }, 3))).admitted).toBe(2);
    });

    it("reserves, refuses and settles a key's tokens per minute across projects", async () => {
      const limiter = await open({ defaultProjectTpm: 800 });
      const key = { keyId: "key_abc", keyLimits: { tokensPerMinute: 1_000 } };
      const first = await reserve(limiter, { ...planner, ...key }, 700);
      const refusal = await refusalOf(
        limiter.check(fresh({ projectId: "beta", agentId: "x", ...key }), async () => 400),
      );
      expect(refusal.details).toMatchObject({ scope: "key", key_id: "key_abc", limit_tpm: 1_000, used: 700 });
      // The refused request counted nothing in beta: beta's 800 are whole.
      expect((await checkMany(limiter, repeat({ projectId: "beta", agentId: "y" }, 1), 800)).admitted).toBe(
        1,
      );
      await limiter.settle(first, 100);
      expect(
        (await checkMany(limiter, repeat({ projectId: "gamma", agentId: "x", ...key }, 2), 400)).admitted,
      ).toBe(2);
      const keyFull = await refusalOf(
        limiter.check(fresh({ projectId: "delta", agentId: "x", ...key }), async () => 101),
      );
      expect(keyFull.details).toMatchObject({ scope: "key", used: 900 });
      // acme's own count was settled too: 100 used, 700 left.
      expect((await checkMany(limiter, repeat(coder, 2), 700)).admitted).toBe(1);
    });

    it("tells where each limit of the asked scopes stands this minute, counting nothing", async () => {
      const limiter = await open({
        projects: { acme: { projectRpm: 5, projectTpm: 1_000, agentRpm: 3 } },
      });
      const key = { keyId: "key_std", keyLimits: { requestsPerMinute: 4 } };
      const settled = await reserve(limiter, { ...planner, ...key }, 300);
      await limiter.settle(settled, 450);
      await reserve(limiter, coder, 200);
      const minuteEnd = Date.UTC(2026, 2, 14, 12, 1, 0);
      const project = await limiter.standing(planner, ["project"]);
      expect(project).toEqual([
        { scope: "project", kind: "rpm", limit: 5, used: 2, resetsAtMs: minuteEnd },
        { scope: "project", kind: "tpm", limit: 1_000, used: 650, resetsAtMs: minuteEnd },
      ]);
      expect(await limiter.standing({ ...planner, ...key }, ["agent", "key"])).toEqual([
        { scope: "agent", kind: "rpm", limit: 3, used: 1, resetsAtMs: minuteEnd },
        { scope: "key", kind: "rpm", limit: 4, used: 1, resetsAtMs: minuteEnd },
      ]);
      // Reading twice counted nothing; a new minute reads zero.
      expect(await limiter.standing(planner, ["project"])).toEqual(project);
      nowMs += 60_000;
      expect((await limiter.standing(planner, ["project"])).map((limit) => limit.used)).toEqual([0, 0]);
    });
  });
}
