import type { z } from "zod";

/**
 * Validation limits the tool enforces itself (and answers with an error
 * naming the field): listing them would cost every client's context on every
 * session, for nothing a model needs to write a correct call.
 */
const unlistedKeywords = new Set([
  "$schema",
  "maxLength",
  "minLength",
  "maxItems",
  "pattern",
  "propertyNames",
  "additionalProperties",
]);

/** A JSON Schema without the keywords above, for the tool list. */
export function compactJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(compactJsonSchema);
  if (typeof schema !== "object" || schema === null) return schema;
  const compact: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (unlistedKeywords.has(key)) continue;
    // `properties` maps names to schemas: a property may be called "pattern".
    compact[key] =
      key === "properties"
        ? Object.fromEntries(
            Object.entries(value as object).map(([name, inner]) => [name, compactJsonSchema(inner)]),
          )
        : compactJsonSchema(value);
  }
  return compact;
}

/**
 * The schema, with its JSON Schema conversions done once and compacted (see
 * above). Stateless MCP over HTTP builds a server per request, and the SDK
 * converts a tool's output schema to JSON Schema on every `tools/call` (its
 * memo lives on the per-request server): zod's converter was a large share of
 * an MCP call's CPU. `listed` replaces the listing of some properties with a
 * shorter one (the schema still validates them in full).
 */
export function memoizeJsonSchema<Schema extends z.ZodType>(
  schema: Schema,
  listed: Record<string, unknown> = {},
): Schema {
  const standard = schema["~standard"];
  const convert = standard.jsonSchema;
  const cache = new Map<string, Record<string, unknown>>();
  const memoized =
    (io: "input" | "output") =>
    (options: Parameters<typeof convert.input>[0]): Record<string, unknown> => {
      const key = `${io} ${String(options?.target)}`;
      let converted = cache.get(key);
      if (converted === undefined) {
        converted = compactJsonSchema(convert[io](options)) as Record<string, unknown>;
        const properties = converted.properties as Record<string, unknown> | undefined;
        for (const [name, replacement] of Object.entries(listed)) {
          if (properties && name in properties) properties[name] = replacement;
        }
        cache.set(key, converted);
      }
      return converted;
    };
  schema["~standard"] = { ...standard, jsonSchema: { input: memoized("input"), output: memoized("output") } };
  return schema;
}
