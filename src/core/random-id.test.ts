import { describe, expect, it } from "vitest";
import { randomId } from "./random-id.js";

describe("randomId", () => {
  it("is the prefix and the bytes in base64url, never the same twice across pool refills", () => {
    const ids = Array.from({ length: 5_000 }, () => randomId("conv_", 18));
    for (const id of ids) expect(id).toMatch(/^conv_[A-Za-z0-9_-]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
