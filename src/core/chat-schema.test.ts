import { describe, expect, it } from "vitest";
import { functionToolSchema, maxJsonSchemaDepth, responseFormatSchema } from "./chat-schema.js";

/** `levels` nested objects: {"a": {"a": ... {}}}. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

describe("JSON Schema fields", () => {
  const tool = (parameters: unknown) => ({ type: "function", function: { name: "f", parameters } });
  const format = (schema: unknown) => ({ type: "json_schema", json_schema: { name: "s", schema } });

  it(`accept schemas up to ${maxJsonSchemaDepth} levels deep`, () => {
    expect(functionToolSchema.safeParse(tool(nested(maxJsonSchemaDepth))).success).toBe(true);
    expect(responseFormatSchema.safeParse(format(nested(maxJsonSchemaDepth))).success).toBe(true);
  });

  it("refuse deeper ones, arrays counting as levels, without overflowing the stack on 100,000 levels", () => {
    expect(functionToolSchema.safeParse(tool(nested(maxJsonSchemaDepth + 1))).success).toBe(false);
    expect(
      responseFormatSchema.safeParse(format({ a: JSON.parse("[".repeat(70) + "]".repeat(70)) })).success,
    ).toBe(false);
    const hostile = JSON.parse(`${'{"a":'.repeat(100_000)}{}${"}".repeat(100_000)}`);
    const parsed = functionToolSchema.safeParse(tool(hostile));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(`must nest at most ${maxJsonSchemaDepth} levels`);
  });
});
