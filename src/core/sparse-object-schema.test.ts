import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SparseObjectSchema } from "./sparse-object-schema.js";

describe("SparseObjectSchema", () => {
  it("gives a field's default when the body leaves it out, and needs a required one", () => {
    const sparse = new SparseObjectSchema(
      z.object({ name: z.string(), mode: z.string().default("fast"), note: z.string().optional() }),
    );
    expect(sparse.safeParse({ name: "a" })).toEqual({ success: true, data: { name: "a", mode: "fast" } });
    expect(sparse.safeParse({ note: "n" })).toEqual(sparse.whole.safeParse({ note: "n" }));
    expect(sparse.safeParse({ note: "n" }).success).toBe(false);
  });

  it("parses bodies past the subsets it keeps by the whole schema, with the same results", () => {
    const optional = Object.fromEntries(
      Array.from({ length: 10 }, (_, index) => [`f${index}`, z.number().max(5).optional()]),
    );
    const sparse = new SparseObjectSchema(z.object({ id: z.string(), ...optional }), (value, context) => {
      const fields = value as Record<string, unknown>;
      if (fields.f0 !== undefined && fields.f1 !== undefined)
        context.addIssue({ code: "custom", message: "f0 or f1" });
    });
    // 1,024 subsets of the ten optional fields, four times the 256 kept; every third value is out of range.
    for (let bits = 0; bits < 1024; bits++) {
      const body: Record<string, unknown> = { id: `b${bits}` };
      for (let index = 0; index < 10; index++)
        if (bits & (1 << index)) body[`f${index}`] = (bits + index) % 7;
      expect(sparse.safeParse(body)).toEqual(sparse.whole.safeParse(body));
    }
  });
});
