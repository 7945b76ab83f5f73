import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runCircuitBreakerContract } from "./circuit-breaker.contract.js";
import type { CircuitTransition } from "./circuit-breaker.js";
import { LocalCircuitBreaker } from "./local-circuit-breaker.js";

const key = "anthropic/claude-opus-4-5";

describe("LocalCircuitBreaker", () => {
  let transitions: CircuitTransition[];
  let breaker: LocalCircuitBreaker;

  beforeEach(() => {
    vi.useFakeTimers();
    transitions = [];
    breaker = new LocalCircuitBreaker({
      failureThreshold: 5,
      cooldownMs: 30_000,
      onTransition: (transition) => transitions.push(transition),
    });
  });
  afterEach(() => vi.useRealTimers());

  async function fail(times: number) {
    for (let i = 0; i < times; i++) (await breaker.tryAcquire(key))?.failure("529 overloaded");
  }

  it("opens after 5 consecutive failures and rejects at once while open", async () => {
    await fail(4);
    expect((await breaker.snapshot(key)).state).toBe("closed");
    await fail(1);
    expect(await breaker.snapshot(key)).toMatchObject({ state: "open", consecutiveFailures: 5 });
    expect(await breaker.tryAcquire(key)).toBeUndefined();
    expect(transitions).toEqual([
      { key, from: "closed", to: "open", reason: "5 consecutive failures, last: 529 overloaded" },
    ]);
  });

  it("a success resets the consecutive count", async () => {
    await fail(4);
    (await breaker.tryAcquire(key))?.success();
    await fail(4);
    expect((await breaker.snapshot(key)).state).toBe("closed");
  });

  it("a released permit (the caller's own bad request) counts neither way", async () => {
    await fail(4);
    (await breaker.tryAcquire(key))?.release();
    expect((await breaker.snapshot(key)).consecutiveFailures).toBe(4);
  });

  it("after the cooldown lets exactly one trial through, even for 50 concurrent requests", async () => {
    await fail(5);
    vi.advanceTimersByTime(29_999);
    expect(await breaker.tryAcquire(key)).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect((await breaker.snapshot(key)).state).toBe("half_open");
    const permits = await Promise.all(Array.from({ length: 50 }, () => breaker.tryAcquire(key)));
    const granted = permits.filter((permit) => permit !== undefined);
    expect(granted).toHaveLength(1);
    expect(granted[0]?.isTrial).toBe(true);
  });

  it("a successful trial closes the circuit", async () => {
    await fail(5);
    vi.advanceTimersByTime(30_000);
    (await breaker.tryAcquire(key))?.success();
    expect(await breaker.snapshot(key)).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    expect(transitions.map((t) => t.to)).toEqual(["open", "half_open", "closed"]);
  });

  it("a failed trial reopens the circuit for another full cooldown", async () => {
    await fail(5);
    vi.advanceTimersByTime(30_000);
    (await breaker.tryAcquire(key))?.failure("timeout");
    expect((await breaker.snapshot(key)).state).toBe("open");
    vi.advanceTimersByTime(29_000);
    expect(await breaker.tryAcquire(key)).toBeUndefined();
    vi.advanceTimersByTime(1_000);
    expect(await breaker.tryAcquire(key)).toBeDefined();
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      "closed->open",
      "open->half_open",
      "half_open->open",
      "open->half_open",
    ]);
  });

  it("a released trial lets the next request be the trial", async () => {
    await fail(5);
    vi.advanceTimersByTime(30_000);
    const trial = await breaker.tryAcquire(key);
    expect(await breaker.tryAcquire(key)).toBeUndefined();
    trial?.release();
    expect((await breaker.tryAcquire(key))?.isTrial).toBe(true);
  });

  it("ignores late failures of calls admitted before the circuit opened", async () => {
    const early = await Promise.all(Array.from({ length: 8 }, () => breaker.tryAcquire(key)));
    for (const permit of early) permit?.failure("500");
    expect(await breaker.snapshot(key)).toMatchObject({ state: "open", consecutiveFailures: 5 });
    expect(transitions).toHaveLength(1);
  });

  it("keeps circuits per deployment", async () => {
    await fail(5);
    expect(await breaker.tryAcquire("openai/gpt-4.1")).toBeDefined();
  });
});

runCircuitBreakerContract("LocalCircuitBreaker (the reference semantics)", async (settings) => ({
  replicas: [new LocalCircuitBreaker(settings)],
  settled: async () => {},
}));
