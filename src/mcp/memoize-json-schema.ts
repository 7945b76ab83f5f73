import type { z } from "zod";

/**
 * The schema, with its JSON Schema conversions done once. Stateless MCP over
 * HTTP builds a server per request, and the SDK converts a tool's output
 * schema to JSON Schema on every `tools/call` (its memo lives on the
 * per-request server): zod's converter was a large share of an MCP call's CPU.
 */
export function memoizeJsonSchema<Schema extends z.ZodType>(schema: Schema): Schema {
  const standard = schema["~standard"];
  const convert = standard.jsonSchema;
  const cache = new Map<string, Record<string, unknown>>();
  const memoized =
    (io: "input" | "output") =>
    (options: Parameters<typeof convert.input>[0]): Record<string, unknown> => {
      const key = `${io} ${String(options?.target)}`;
      let converted = cache.get(key);
      if (converted === undefined) {
        converted = convert[io](options);
        cache.set(key, converted);
      }
      return converted;
    };
  schema["~standard"] = { ...standard, jsonSchema: { input: memoized("input"), output: memoized("output") } };
  return schema;
}
