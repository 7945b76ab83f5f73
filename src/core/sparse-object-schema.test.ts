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

  it("runs no schema of a field the body leaves out, where the whole schema runs them all", () => {
    let runs = 0;
    const counted = z
      .number()
      .optional()
      .transform((value) => {
        runs++;
        return value;
      });
    const sparse = new SparseObjectSchema(z.object({ id: z.string(), note: counted }));
    runs = 0;
    expect(sparse.whole.safeParse({ id: "a" })).toEqual({ success: true, data: { id: "a" } });
    expect(runs).toBe(1);
    expect(sparse.safeParse({ id: "a" })).toEqual({ success: true, data: { id: "a" } });
    expect(runs).toBe(1);
    expect(sparse.safeParse({ id: "a", note: 5 })).toEqual({ success: true, data: { id: "a", note: 5 } });
    expect(runs).toBe(2);
  });

  it("needs a key zod needs though its field accepts undefined (unknown, any, custom)", () => {
    const sparse = new SparseObjectSchema(
      z.object({ id: z.string(), raw: z.unknown(), any: z.any(), mine: z.custom(() => true) }),
    );
    for (const body of [{ id: "a" }, { id: "a", raw: 1 }, { id: "a", raw: 1, any: null, mine: 0 }]) {
      expect(sparse.safeParse(body)).toEqual(sparse.whole.safeParse(body));
    }
    expect(sparse.safeParse({ id: "a" }).success).toBe(false);
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
