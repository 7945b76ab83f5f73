import { describe, expect, it } from "vitest";
import { timeOrderedUuid } from "./time-ordered-id.js";

describe("timeOrderedUuid", () => {
  it("is a version 7 UUID whose first 48 bits are the millisecond given", () => {
    const at = Date.UTC(2026, 11, 7, 13, 20, 5, 123);
    const id = timeOrderedUuid(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it("sorts by the millisecond it was made, and never repeats", () => {
    const ids = Array.from({ length: 20_000 }, (_, index) => timeOrderedUuid(1_700_000_000_000 + index));
    expect([...ids].sort()).toEqual(ids);
    const sameMillisecond = Array.from({ length: 20_000 }, () => timeOrderedUuid(1_700_000_000_000));
    expect(new Set([...ids, ...sameMillisecond]).size).toBe(40_000);
  });
});
