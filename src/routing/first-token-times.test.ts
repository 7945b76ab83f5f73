import { describe, expect, it } from "vitest";
import { FirstTokenTimes } from "./first-token-times.js";

describe("FirstTokenTimes", () => {
  it("has no p95 below the sample minimum, then the 95th percentile of the window", () => {
    const times = new FirstTokenTimes(20);
    for (let ms = 1; ms <= 19; ms++) times.record("a/m", ms * 10);
    expect(times.p95("a/m", 20)).toBeUndefined();
    times.record("a/m", 200);
    expect(times.p95("a/m", 20)).toBe(190);
    expect(times.p95("b/m", 1)).toBeUndefined();
  });

  it("forgets the oldest samples beyond its window", () => {
    const times = new FirstTokenTimes(3);
    for (const ms of [5_000, 5_000, 5_000, 10, 20, 30]) times.record("a/m", ms);
    expect(times.p95("a/m", 3)).toBe(30);
  });
});
