import { describe, expect, it } from "vitest";
import { createFailureSchedule } from "./failure-schedule.js";

describe("createFailureSchedule", () => {
  it("fails every n-th call", () => {
    const shouldFail = createFailureSchedule({ failEvery: 4, now: () => 0 });
    expect(Array.from({ length: 9 }, () => shouldFail())).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
    ]);
  });

  it("never fails with failEvery 0 and no outage", () => {
    const shouldFail = createFailureSchedule({ failEvery: 0 });
    expect(Array.from({ length: 20 }, () => shouldFail()).some(Boolean)).toBe(false);
  });

  it("fails every call during the last durationMs of each period, starting healthy", () => {
    let clock = 1_000_000;
    const shouldFail = createFailureSchedule({
      failEvery: 0,
      outage: { periodMs: 90_000, durationMs: 20_000 },
      now: () => clock,
    });
    const at = (offsetMs: number) => {
      clock = 1_000_000 + offsetMs;
      return shouldFail();
    };
    expect([at(0), at(69_999), at(70_000), at(89_999), at(90_000), at(160_000), at(179_999)]).toEqual([
      false,
      false,
      true,
      true,
      false,
      true,
      true,
    ]);
  });
});
