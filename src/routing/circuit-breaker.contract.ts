import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CircuitBreaker, CircuitPermit, CircuitSettings, CircuitTransition } from "./circuit-breaker.js";

/** Replicas sharing circuits (one for a per-process breaker); `settled` waits for reported outcomes to land. */
export interface CircuitReplicas {
  replicas: CircuitBreaker[];
  settled(): Promise<void>;
}

export const contractCooldownMs = 300;

/**
 * Waits until `ms` have passed on the wall clock the breakers read. A timer
 * alone may fire early by as long as the event loop's cached time is stale,
 * which a loaded machine makes tens of milliseconds.
 */
export async function waitAtLeast(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) await sleep(until - Date.now());
}

/** Retries `assertion` until it passes or `timeoutMs` ran out (then its last error is thrown). */
export async function eventually<T = void>(assertion: () => Promise<T>, timeoutMs = 1_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(5);
    }
  }
}

/**
 * The circuit semantics of DESIGN.md every breaker keeps, per process or
 * shared: outcomes are spread over the replicas (each stands for a gateway
 * replica), and every replica must agree within the propagation bound
 * (one second). Real time with a short cooldown: a shared breaker takes time
 * from Redis, which fake timers cannot move.
 */
export function runCircuitBreakerContract(
  name: string,
  open: (settings: CircuitSettings) => Promise<CircuitReplicas>,
): void {
  const key = "anthropic/claude-opus-4-5";

  describe(`CircuitBreaker contract: ${name}`, () => {
    let transitions: CircuitTransition[];
    let replicas: CircuitBreaker[];
    let settled: () => Promise<void>;
    let turn: number;

    beforeEach(async () => {
      transitions = [];
      turn = 0;
      ({ replicas, settled } = await open({
        failureThreshold: 5,
        cooldownMs: contractCooldownMs,
        onTransition: (transition) => transitions.push(transition),
      }));
    });
    afterEach(async () => {
      await Promise.all(replicas.map((replica) => replica.close()));
    });

    /** The next replica in turn, so consecutive outcomes come from different replicas. */
    const next = () => replicas[turn++ % replicas.length] as CircuitBreaker;

    async function fail(times: number, reason = "529 overloaded") {
      for (let i = 0; i < times; i++) (await next().tryAcquire(key))?.failure(reason);
      await settled();
    }

    const everyReplica = (check: (replica: CircuitBreaker) => Promise<void>) =>
      eventually(async () => {
        for (const replica of replicas) await check(replica);
      });

    /** Every replica refuses; a permit granted by mistake is released, so a retry cannot hide it. */
    const openEverywhere = () =>
      everyReplica(async (replica) => {
        const permit = await replica.tryAcquire(key);
        permit?.release();
        expect(permit).toBeUndefined();
      });

    async function openAndCoolDown() {
      await fail(5);
      await openEverywhere();
      await waitAtLeast(contractCooldownMs);
    }

    it("opens after 5 consecutive failures, wherever they happen, and every replica refuses at once", async () => {
      await fail(4);
      await everyReplica(async (replica) => expect((await replica.snapshot(key)).state).toBe("closed"));
      await fail(1);
      await openEverywhere();
      await everyReplica(async (replica) =>
        expect(await replica.snapshot(key)).toMatchObject({ state: "open", consecutiveFailures: 5 }),
      );
      const started = performance.now();
      for (const replica of replicas) expect(await replica.tryAcquire(key)).toBeUndefined();
      // No waiting on anything: well under a network timeout even with a GC pause (round trips are
      // counted exactly in redis-circuit-breaker.test.ts).
      expect(performance.now() - started).toBeLessThan(50 * replicas.length);
      expect(transitions).toEqual([
        { key, from: "closed", to: "open", reason: "5 consecutive failures, last: 529 overloaded" },
      ]);
    });

    it("a failure tells whether it opened the circuit: only the fifth, and a failed trial", async () => {
      const opened: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        const permit = await next().tryAcquire(key);
        opened.push((await permit?.failure("529 overloaded")) ?? false);
      }
      expect(opened).toEqual([false, false, false, false, true]);
      await openEverywhere();
      await waitAtLeast(contractCooldownMs);
      const trial = await eventually(async () => {
        const permit = await next().tryAcquire(key);
        expect(permit?.isTrial).toBe(true);
        return permit as CircuitPermit;
      });
      expect(await trial.failure("still overloaded")).toBe(true);
      expect(await trial.failure("settled twice")).toBe(false);
    });

    it("a success resets the consecutive count", async () => {
      await fail(4);
      // The replica that saw the last failure knows the count is not zero.
      const last = replicas[(turn - 1) % replicas.length] as CircuitBreaker;
      (await last.tryAcquire(key))?.success();
      await settled();
      await fail(4);
      await everyReplica(async (replica) => expect((await replica.snapshot(key)).state).toBe("closed"));
      expect(transitions).toEqual([]);
    });

    it("a released permit (the caller's own bad request) counts neither way", async () => {
      await fail(4);
      (await next().tryAcquire(key))?.release();
      await settled();
      await everyReplica(async (replica) => expect((await replica.snapshot(key)).state).toBe("closed"));
      await fail(1);
      await openEverywhere();
    });

    it("after the cooldown lets exactly one trial through across replicas, for 60 concurrent requests", async () => {
      await fail(5);
      await openEverywhere();
      await sleep(contractCooldownMs / 2);
      await openEverywhere();
      await waitAtLeast(contractCooldownMs / 2);
      await everyReplica(async (replica) => expect((await replica.snapshot(key)).state).toBe("half_open"));
      const permits = await Promise.all(Array.from({ length: 60 }, () => next().tryAcquire(key)));
      const granted = permits.filter((permit): permit is CircuitPermit => permit !== undefined);
      expect(granted).toHaveLength(1);
      expect(granted[0]?.isTrial).toBe(true);
      await openEverywhere();
      granted[0]?.release();
      await settled();
    });

    it("a successful trial closes the circuit everywhere", async () => {
      await openAndCoolDown();
      const trial = await next().tryAcquire(key);
      expect(trial?.isTrial).toBe(true);
      trial?.success();
      await settled();
      await everyReplica(async (replica) => {
        expect(await replica.snapshot(key)).toMatchObject({ state: "closed", consecutiveFailures: 0 });
        const permit = await replica.tryAcquire(key);
        expect(permit?.isTrial).toBe(false);
        permit?.success();
      });
      expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
        "closed->open",
        "open->half_open",
        "half_open->closed",
      ]);
    });

    it("a failed trial reopens the circuit everywhere for another full cooldown", async () => {
      await openAndCoolDown();
      const trial = await next().tryAcquire(key);
      expect(trial?.isTrial).toBe(true);
      const reopened = performance.now();
      trial?.failure("timeout");
      await settled();
      const since = () => performance.now() - reopened;
      await everyReplica(async (replica) => expect((await replica.snapshot(key)).state).toBe("open"));
      await sleep(contractCooldownMs * 0.3 - since());
      await openEverywhere();
      await waitAtLeast(contractCooldownMs - since());
      // Within a few ms: replicas count the cooldown from when they heard of the reopening.
      await eventually(async () => expect((await next().tryAcquire(key))?.isTrial).toBe(true), 200);
      expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
        "closed->open",
        "open->half_open",
        "half_open->open",
        "open->half_open",
      ]);
      expect(transitions[2]?.reason).toBe("trial request failed: timeout");
    });

    it("a released trial lets the next request, on any replica, be the trial", async () => {
      await openAndCoolDown();
      const trial = await next().tryAcquire(key);
      expect(trial?.isTrial).toBe(true);
      await openEverywhere();
      trial?.release();
      await settled();
      await eventually(async () => {
        const permit = await next().tryAcquire(key);
        expect(permit?.isTrial).toBe(true);
      });
    });

    it("ignores late failures of calls admitted before the circuit opened", async () => {
      const early = await Promise.all(Array.from({ length: 8 }, () => next().tryAcquire(key)));
      for (const permit of early) permit?.failure("500");
      await settled();
      await everyReplica(async (replica) =>
        expect(await replica.snapshot(key)).toMatchObject({ state: "open", consecutiveFailures: 5 }),
      );
      expect(transitions).toHaveLength(1);
    });

    it("keeps circuits per deployment", async () => {
      await fail(5);
      await openEverywhere();
      for (const replica of replicas) expect(await replica.tryAcquire("openai/gpt-4.1")).toBeDefined();
    });
  });
}
