import { describe, expect, it } from "vitest";
import { isUpstreamError } from "../../core/upstream-error.js";
import { checkJsonAnswer } from "./check-json-answer.js";

const format = {
  type: "json_schema" as const,
  json_schema: {
    name: "person",
    schema: {
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer", minimum: 0 } },
      required: ["name", "age"],
      additionalProperties: false,
    },
  },
};

function failureOf(content: string | null): unknown {
  try {
    checkJsonAnswer("deepseek", format, content);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("checkJsonAnswer", () => {
  it("accepts JSON that matches the schema", () => {
    expect(failureOf('{"name":"Ada","age":36}')).toBeUndefined();
  });

  it("refuses non-JSON, missing, mistyped and extra fields as a retryable schema mismatch", () => {
    for (const content of [
      null,
      "Sure! {",
      '{"name":"Ada"}',
      '{"name":"Ada","age":-1}',
      '{"name":"Ada","age":3,"x":1}',
    ]) {
      const error = failureOf(content);
      expect(isUpstreamError(error), String(content)).toBe(true);
      if (!isUpstreamError(error)) continue;
      expect(error.kind).toBe("schema_mismatch");
      expect(error.isRetryable).toBe(true);
      expect(error.isDeploymentFailure).toBe(false);
      expect(error.message).toContain('schema "person"');
    }
  });

  it("checks only that the answer is JSON when no schema is given", () => {
    const noSchema = { type: "json_schema" as const, json_schema: { name: "any" } };
    expect(() => checkJsonAnswer("deepseek", noSchema, "[1,2]")).not.toThrow();
    expect(() => checkJsonAnswer("deepseek", noSchema, "nope")).toThrow(/not JSON/);
  });
});
