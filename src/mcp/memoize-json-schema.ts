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

/**
 * What an output schema's listing leaves out besides: which fields are always
 * there. A client reads the result itself (and the server validates it in
 * full); the list is a large share of the tool list's tokens.
 */
const unlistedOutputKeywords = new Set([...unlistedKeywords, "required"]);

/** zod's bounds of an `int()`: they say nothing a model needs. */
function isSafeIntegerBound(key: string, value: unknown): boolean {
  return (key === "minimum" || key === "maximum") && Math.abs(value as number) === Number.MAX_SAFE_INTEGER;
}

/** A JSON Schema without the keywords above, for the tool list. */
export function compactJsonSchema(
  schema: unknown,
  unlisted: ReadonlySet<string> = unlistedKeywords,
): unknown {
  if (Array.isArray(schema)) return schema.map((item) => compactJsonSchema(item, unlisted));
  if (typeof schema !== "object" || schema === null) return schema;
  const compact: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (unlisted.has(key) || isSafeIntegerBound(key, value)) continue;
    // `properties` maps names to schemas: a property may be called "pattern" or "required".
    compact[key] =
      key === "properties"
        ? Object.fromEntries(
            Object.entries(value as object).map(([name, inner]) => [
              name,
              compactJsonSchema(inner, unlisted),
            ]),
          )
        : compactJsonSchema(value, unlisted);
  }
  return compact;
}

/**
 * The schema, with its JSON Schema conversions done once and compacted (see
 * above). Stateless MCP over HTTP builds a server per request, and the SDK
 * converts a tool's output schema to JSON Schema on every `tools/call` (its
 * memo lives on the per-request server): zod's converter was a large share of
 * an MCP call's CPU. `listed` replaces the listing of some properties, at any
 * depth, with a shorter one (the schema still validates them in full).
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
        const unlisted = io === "output" ? unlistedOutputKeywords : unlistedKeywords;
        converted = compactJsonSchema(convert[io](options), unlisted) as Record<string, unknown>;
        replaceListedProperties(converted, listed);
        cache.set(key, converted);
      }
      return converted;
    };
  schema["~standard"] = { ...standard, jsonSchema: { input: memoized("input"), output: memoized("output") } };
  return schema;
}

/** Every property named in `listed`, wherever it sits in objects and arrays, listed as given. */
function replaceListedProperties(schema: unknown, listed: Record<string, unknown>): void {
  if (typeof schema !== "object" || schema === null) return;
  const { properties, items } = schema as { properties?: Record<string, unknown>; items?: unknown };
  if (properties) {
    for (const name of Object.keys(properties)) {
      if (Object.hasOwn(listed, name)) properties[name] = listed[name];
      else replaceListedProperties(properties[name], listed);
    }
  }
  replaceListedProperties(items, listed);
}
