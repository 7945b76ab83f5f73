import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoizeJsonSchema } from "./memoize-json-schema.js";
import { validateByFieldsSent } from "./validate-by-fields-sent.js";

const fields = () =>
  z.object({
    project_id: z.string().min(1),
    messages: z.array(z.object({ role: z.string(), content: z.string() })).min(1),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().optional(),
    stream: z.boolean().optional(),
    mode: z.enum(["a", "b"]).default("a"),
  });

describe("validateByFieldsSent", () => {
  const plain = fields();
  const sparse = validateByFieldsSent(memoizeJsonSchema(fields()));

  it("validates each call's arguments as the whole schema does", async () => {
    const calls: unknown[] = [
      { project_id: "p", messages: [{ role: "user", content: "Hi" }] },
      { project_id: "p", messages: [{ role: "user", content: "Hi" }], temperature: 1, extra: true },
      { project_id: "p", messages: [], temperature: 3, max_tokens: 0 },
      { messages: [{ role: "user", content: 1 }], stream: "yes" },
      { project_id: "p", messages: [{ role: "user", content: "Hi" }], mode: "c" },
      [],
      null,
      "text",
    ];
    for (const call of calls) {
      expect(await sparse["~standard"].validate(call)).toEqual(await plain["~standard"].validate(call));
    }
  });

  it("runs no schema of a field the call left out, where the whole schema runs them all", async () => {
    let runs = 0;
    const counted = () =>
      z.object({
        id: z.string(),
        note: z
          .number()
          .optional()
          .transform((value) => {
            runs++;
            return value;
          }),
      });
    const whole = counted();
    const sparse = validateByFieldsSent(counted());
    runs = 0;
    await whole["~standard"].validate({ id: "a" });
    expect(runs).toBe(1);
    await sparse["~standard"].validate({ id: "a" });
    expect(runs).toBe(1);
  });

  it("keeps the schema's JSON Schema listing, which the tool list shows", () => {
    const listing = (schema: z.ZodType) => schema["~standard"].jsonSchema.input({ target: "draft-2020-12" });
    expect(listing(sparse)).toEqual(listing(memoizeJsonSchema(fields())));
  });
});
