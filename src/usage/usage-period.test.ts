import { describe, expect, it } from "vitest";
import { floorToHour, periodRange } from "./usage-period.js";

const at = (iso: string) => new Date(iso);
const ms = (iso: string) => Date.parse(iso);

describe("periodRange", () => {
  it("hour: the current UTC hour, end exclusive", () => {
    expect(periodRange("hour", at("2025-03-09T10:59:59.999Z"))).toEqual({
      fromMs: ms("2025-03-09T10:00:00Z"),
      toMs: ms("2025-03-09T11:00:00Z"),
    });
    expect(periodRange("hour", at("2025-03-09T11:00:00.000Z")).fromMs).toBe(ms("2025-03-09T11:00:00Z"));
  });

  it("day: UTC midnight to midnight, whatever the local time zone would say", () => {
    expect(periodRange("day", at("2025-03-09T23:59:59.999Z"))).toEqual({
      fromMs: ms("2025-03-09T00:00:00Z"),
      toMs: ms("2025-03-10T00:00:00Z"),
    });
    expect(periodRange("day", at("2025-03-10T00:00:00.000Z")).fromMs).toBe(ms("2025-03-10T00:00:00Z"));
  });

  it("week: ISO week from Monday 00:00 UTC, Sunday belongs to the week before", () => {
    const week = { fromMs: ms("2025-03-03T00:00:00Z"), toMs: ms("2025-03-10T00:00:00Z") };
    expect(periodRange("week", at("2025-03-03T00:00:00.000Z"))).toEqual(week); // Monday
    expect(periodRange("week", at("2025-03-06T12:00:00Z"))).toEqual(week); // Thursday
    expect(periodRange("week", at("2025-03-09T23:59:59.999Z"))).toEqual(week); // Sunday
    expect(periodRange("week", at("2025-03-10T00:00:00.000Z")).fromMs).toBe(ms("2025-03-10T00:00:00Z"));
  });

  it("week: crosses month and year ends", () => {
    // 2025-01-01 is a Wednesday; its ISO week started on Monday 2024-12-30.
    expect(periodRange("week", at("2025-01-01T05:00:00Z"))).toEqual({
      fromMs: ms("2024-12-30T00:00:00Z"),
      toMs: ms("2025-01-06T00:00:00Z"),
    });
  });

  it("month: calendar month, including February of a leap year and December", () => {
    expect(periodRange("month", at("2024-02-29T23:59:59.999Z"))).toEqual({
      fromMs: ms("2024-02-01T00:00:00Z"),
      toMs: ms("2024-03-01T00:00:00Z"),
    });
    expect(periodRange("month", at("2024-03-01T00:00:00.000Z")).fromMs).toBe(ms("2024-03-01T00:00:00Z"));
    expect(periodRange("month", at("2025-12-31T23:00:00Z"))).toEqual({
      fromMs: ms("2025-12-01T00:00:00Z"),
      toMs: ms("2026-01-01T00:00:00Z"),
    });
  });

  it("all: from the epoch to the end of the current hour", () => {
    expect(periodRange("all", at("2025-03-09T10:30:00Z"))).toEqual({
      fromMs: 0,
      toMs: ms("2025-03-09T11:00:00Z"),
    });
  });

  it("every bound is an hour boundary", () => {
    for (const period of ["hour", "day", "week", "month", "all"] as const) {
      const range = periodRange(period, at("2025-07-17T13:47:12.345Z"));
      expect(floorToHour(range.fromMs)).toBe(range.fromMs);
      expect(floorToHour(range.toMs)).toBe(range.toMs);
    }
  });

  it("refuses an invalid date and an unknown period", () => {
    expect(() => periodRange("day", new Date(Number.NaN))).toThrow(RangeError);
    expect(() => periodRange("year" as never, new Date())).toThrow(/unknown usage period/);
  });
});
